/**
 * The host's numbering of the panel's rows and columns: a row per file path in the order first seen, a
 * column per model, cells queued until the next flush. Pure (no vscode), so the batching and the
 * order-keeping score are unit-tested.
 */
import { labelFromCsv, labelFromPath, type LabelsCsv } from '../../core/dataset/labels';
import { normalizeWith } from '../../core/scoring/calibration';
import type { ResultCell, ResultsModel, RowLabel } from '../../protocol/results';
import type { PanelRow } from './backend';

export interface ColumnCalibration {
  threshold: number;
  /** max - min of the calibration: the normalised score's scale. */
  span: number;
}

export interface Flush {
  rows?: { first: number; paths: string[]; labels: RowLabel[] };
  cells: ResultCell[];
}

export class RowIndex {
  readonly paths: string[] = [];
  readonly labels: RowLabel[] = [];
  /** Content hash of each row's file as last scored (labels use it to spot a replaced file). */
  readonly hashes: (string | undefined)[] = [];
  private readonly byPath = new Map<string, number>();
  private readonly columnOf = new Map<string, number>();
  /** Latest cell per row x column, for replaying to a fresh webview and for metrics. */
  private readonly cells = new Map<number, ResultCell>();
  private sentRows = 0;
  private pending: ResultCell[] = [];
  labelsCsv?: LabelsCsv;

  constructor(
    readonly models: ResultsModel[],
    private readonly calibration: ColumnCalibration[],
  ) {
    models.forEach((m, i) => this.columnOf.set(`${m.id}@${m.version}`, i));
  }

  get size(): number {
    return this.paths.length;
  }

  /** Rows for paths not seen yet (pending, no cells). */
  plan(paths: string[]): void {
    for (const p of paths) this.row(p);
  }

  /** Queues stored rows as cells; rows of models that are not columns are ignored. */
  add(rows: PanelRow[]): void {
    for (const r of rows) {
      const col = this.columnOf.get(`${r.modelId}@${r.modelVersion}`);
      if (col === undefined) continue;
      const row = this.row(r.path);
      if (r.hash) this.hashes[row] = r.hash;
      const cal = this.calibration[col];
      const cell: ResultCell = r.score
        ? [row, col, r.score.raw, normalizeWith(r.score.raw, cal.threshold, cal.span), null]
        : [row, col, null, null, r.error ? `${r.error.message}` : 'No result'];
      this.cells.set(row * this.models.length + col, cell);
      this.pending.push(cell);
    }
  }

  /** What the webview has not been sent yet: new rows (in order), then queued cells. */
  flush(): Flush {
    const out: Flush = { cells: this.pending };
    this.pending = [];
    if (this.sentRows < this.paths.length) {
      out.rows = {
        first: this.sentRows,
        paths: this.paths.slice(this.sentRows),
        labels: this.labels.slice(this.sentRows),
      };
      this.sentRows = this.paths.length;
    }
    return out;
  }

  /** A new webview: everything again from row 0. */
  replayAll(): Flush {
    this.sentRows = 0;
    this.pending = [...this.cells.values()];
    return this.flush();
  }

  /** Re-labels every row (a labels CSV chosen or cleared); returns whether any row has a label. */
  relabel(csv: LabelsCsv | undefined): boolean {
    this.labelsCsv = csv;
    let any = false;
    this.paths.forEach((p, i) => {
      this.labels[i] = this.labelOf(p);
      any ||= this.labels[i] !== -1;
    });
    return any;
  }

  /** The latest cell of a row and model column, if any. */
  cell(row: number, col: number): ResultCell | undefined {
    return this.cells.get(row * this.models.length + col);
  }

  rowOf(path: string): number | undefined {
    return this.byPath.get(path);
  }

  /** Scores and labels of the labelled, scored rows of a column (for ROC/PR). */
  scored(col: number): { scores: number[]; labels: (0 | 1)[] } {
    const scores: number[] = [];
    const labels: (0 | 1)[] = [];
    for (let row = 0; row < this.paths.length; row++) {
      const l = this.labels[row];
      const c = this.cells.get(row * this.models.length + col);
      if (l === -1 || !c || c[2] === null) continue;
      scores.push(c[2]);
      labels.push(l);
    }
    return { scores, labels };
  }

  private row(path: string): number {
    let row = this.byPath.get(path);
    if (row === undefined) {
      row = this.paths.length;
      this.paths.push(path);
      this.labels.push(this.labelOf(path));
      this.byPath.set(path, row);
    }
    return row;
  }

  private labelOf(path: string): RowLabel {
    const l = this.labelsCsv ? labelFromCsv(this.labelsCsv, path) : labelFromPath(path);
    return l ?? -1;
  }
}
