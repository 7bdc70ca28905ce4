/**
 * The host's numbering of the panel's rows and columns: a row per file path in the order first seen, a
 * column per model holding each row's latest score or error, and the rows changed since the last flush.
 * Columnar (typed arrays that grow by doubling), so that 100,000 stored rows are indexed and sent in
 * tens of milliseconds. Pure (no vscode), so the batching and the order-keeping score are unit-tested.
 */
import { labelFromCsv, labelFromPath, type LabelsCsv } from '../../core/dataset/labels';
import { normalizeWith } from '../../core/scoring/calibration';
import type { ColumnCells, HeadWanted, ResultsModel, RowLabel } from '../../protocol/results';
import type { PanelColumns, PanelRow } from './backend';
import { columnsOfRows } from './panelColumns';

export interface ColumnCalibration {
  threshold: number;
  /** max - min of the calibration: the normalised score's scale. */
  span: number;
}

/** A row's latest result in a column: [row, column, raw | null, normalised | null, error | null]. */
export type HostCell = [
  row: number,
  model: number,
  raw: number | null,
  normalized: number | null,
  error: string | null,
];

export interface Flush {
  rows?: { first: number; paths: string[]; labels: RowLabel[] };
  cells: ColumnCells[];
}

class Column {
  raw = new Float64Array(0);
  normalized = new Float64Array(0);
  /** Per row: bit 1 it has a result (a score or an error), bit 2 it changed since the last flush. */
  flags = new Uint8Array(0);
  readonly errors = new Map<number, string>();
  /** Rows changed since the last flush, in the order they changed (each once). */
  dirty: number[] = [];

  /** Room for `min` rows, doubling (rows arrive one at a time while a run streams). */
  grow(min: number): void {
    if (min <= this.flags.length) return;
    let cap = Math.max(1024, this.flags.length);
    while (cap < min) cap *= 2;
    const widen = (a: Float64Array) => {
      const b = new Float64Array(cap).fill(NaN);
      b.set(a);
      return b;
    };
    this.raw = widen(this.raw);
    this.normalized = widen(this.normalized);
    const flags = new Uint8Array(cap);
    flags.set(this.flags);
    this.flags = flags;
  }

  has(row: number): boolean {
    return (this.flags[row] & 1) !== 0;
  }

  /** The row has a result that changed. */
  mark(row: number): void {
    const f = this.flags[row];
    if (!(f & 2)) this.dirty.push(row);
    this.flags[row] = f | 3;
  }

  /** The changed rows' cells; nothing is pending after. */
  takeDirty(model: number): ColumnCells {
    const out = this.take(model, this.dirty);
    for (const row of this.dirty) this.flags[row] &= ~2;
    this.dirty = [];
    return out;
  }

  take(model: number, rows: ArrayLike<number>): ColumnCells {
    const n = rows.length;
    const out: ColumnCells = {
      model,
      rows: new Uint32Array(n),
      raw: new Float64Array(n),
      normalized: new Float64Array(n),
      errors: [],
    };
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      out.rows[i] = row;
      out.raw[i] = this.raw[row];
      out.normalized[i] = this.normalized[row];
      const e = this.errors.get(row);
      if (e !== undefined) out.errors.push([row, e]);
    }
    return out;
  }
}

export class RowIndex {
  readonly paths: string[] = [];
  readonly labels: RowLabel[] = [];
  private readonly hashList: (string | undefined)[] = [];
  /** Columns whose hashes are not in `hashList` yet (read on first use of `hashes`). */
  private readonly pendingHashes: { cols: PanelColumns; rowOf: Int32Array }[] = [];
  /** path -> row; built on first use after a store's rows were taken without it (see `add`). */
  private byPathMap? = new Map<string, number>();
  private readonly columnOf = new Map<string, number>();
  private readonly columns: Column[];
  /** Ground truth by folder: it depends on the folders only, and 100,000 files share a few thousand. */
  private readonly folderLabel = new Map<string, RowLabel>();
  private sentRows = 0;
  labelsCsv?: LabelsCsv;

  constructor(
    readonly models: ResultsModel[],
    private readonly calibration: ColumnCalibration[],
  ) {
    models.forEach((m, i) => this.columnOf.set(`${m.id}@${m.version}`, i));
    this.columns = models.map(() => new Column());
  }

  get size(): number {
    return this.paths.length;
  }

  /** Rows for paths not seen yet (pending, no cells). */
  plan(paths: string[]): void {
    for (const p of paths) this.row(p);
  }

  /**
   * Takes stored or new rows as cells; rows of models that are not columns are ignored. Returns each
   * row's number (-1 for those ignored). Columns (a store's index) are read value by value, and their
   * hashes only when asked for (`hashes`): a panel opening 100,000 rows decodes neither.
   */
  add(src: readonly PanelRow[] | PanelColumns): Int32Array {
    const cols = isColumns(src) ? src : columnsOfRows(src);
    const colOf = cols.models.map((m) => this.columnOf.get(`${m.id}@${m.version}`) ?? -1);
    const rowOf = new Int32Array(cols.size);
    // A store's rows of one model into an empty index: each path is a new row, so the path map (most of
    // the cost at 100,000 rows) waits until something looks a path up.
    const fresh = this.paths.length === 0 && cols.uniquePerModel === true && cols.models.length === 1;
    if (fresh) this.byPathMap = undefined;
    for (let k = 0; k < cols.size; k++) {
      const col = colOf[cols.model(k)] ?? -1;
      if (col < 0) {
        rowOf[k] = -1;
        continue;
      }
      const row = (rowOf[k] = fresh ? this.newRow(cols.path(k)) : this.row(cols.path(k)));
      const c = this.columns[col];
      c.grow(this.paths.length);
      const raw = cols.raw(k);
      if (raw === raw) {
        c.raw[row] = raw;
        c.normalized[row] = normalizeWith(raw, this.calibration[col].threshold, this.calibration[col].span);
        c.errors.delete(row);
      } else {
        c.raw[row] = NaN;
        c.normalized[row] = NaN;
        c.errors.set(row, cols.error(k)?.message ?? 'No result');
      }
      c.mark(row);
    }
    if (isColumns(src)) this.pendingHashes.push({ cols, rowOf });
    else
      for (let k = 0; k < cols.size; k++) {
        const h = cols.hash(k);
        if (rowOf[k] >= 0 && h) this.hashList[rowOf[k]] = h;
      }
    return rowOf;
  }

  /** Content hash of each row's file as last scored (labels use it to spot a replaced file). */
  get hashes(): readonly (string | undefined)[] {
    // Later sources win, as they would have row by row.
    for (const { cols, rowOf } of this.pendingHashes.splice(0))
      for (let k = 0; k < cols.size; k++) {
        if (rowOf[k] < 0) continue;
        const h = cols.hash(k);
        if (h) this.hashList[rowOf[k]] = h;
      }
    return this.hashList;
  }

  /** What the webview has not been sent yet: new rows (in order), then the changed cells per column. */
  flush(): Flush {
    const cells: ColumnCells[] = [];
    this.columns.forEach((c, model) => {
      if (c.dirty.length) cells.push(c.takeDirty(model));
    });
    const out: Flush = { cells };
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

  /** A new webview: everything again from row 0 (each column's cells for every row that has one). */
  replayAll(): Flush {
    this.unsendAll();
    return this.flush();
  }

  /** Everything is pending again, for the next `flush` (a new webview). */
  unsendAll(): void {
    this.sentRows = 0;
    this.columns.forEach((c) => {
      c.dirty = [];
      for (let row = 0; row < Math.min(this.paths.length, c.flags.length); row++) {
        if (!c.has(row)) continue;
        c.flags[row] |= 2;
        c.dirty.push(row);
      }
    });
  }

  /**
   * The first `want.rows` rows in the page's order for a plain sort (HeadWanted; the same rule as the
   * page's query.ts: no value last whichever the direction, ties by path, then row number), with their
   * cells in every column. One pass that keeps the best few (not a sort of every row).
   */
  head(want: HeadWanted): { rows: Uint32Array; labels: RowLabel[]; cells: ColumnCells[] } {
    const paths = this.paths;
    const dir = want.descending ? -1 : 1;
    const byPath = (a: number, b: number) => (paths[a] < paths[b] ? -1 : paths[a] > paths[b] ? 1 : a - b);
    let before: (a: number, b: number) => number;
    if (want.key === 'path') before = (a, b) => dir * byPath(a, b);
    else {
      const raw = this.columns[want.model]?.raw ?? new Float64Array(0);
      const value = (row: number) => (row < raw.length ? raw[row] : NaN);
      before = (a, b) => {
        const ka = value(a);
        const kb = value(b);
        const na = ka !== ka;
        const nb = kb !== kb;
        if (na !== nb) return na ? 1 : -1;
        if (!na && ka !== kb) return dir * (ka - kb);
        return byPath(a, b);
      };
    }
    const n = Math.max(0, Math.min(want.rows, paths.length));
    const top: number[] = [];
    for (let row = 0; row < paths.length && n > 0; row++) {
      if (top.length === n) {
        if (before(row, top[n - 1]) >= 0) continue;
        top.pop();
      }
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(top[mid], row) <= 0) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, row);
    }
    const rows = Uint32Array.from(top);
    return {
      rows,
      labels: top.map((r) => this.labels[r]),
      cells: this.columns.map((c, model) => {
        c.grow(paths.length);
        return c.take(model, rows);
      }),
    };
  }

  /** Re-labels every row (a labels CSV chosen or cleared); returns whether any row has a label. */
  relabel(csv: LabelsCsv | undefined): boolean {
    this.labelsCsv = csv;
    this.folderLabel.clear();
    let any = false;
    this.paths.forEach((p, i) => {
      this.labels[i] = this.labelOf(p);
      any ||= this.labels[i] !== -1;
    });
    return any;
  }

  /** The latest cell of a row and model column, if any. */
  cell(row: number, col: number): HostCell | undefined {
    const c = this.columns[col];
    if (!c?.has(row)) return undefined;
    const raw = c.raw[row];
    return Number.isNaN(raw)
      ? [row, col, null, null, c.errors.get(row) ?? null]
      : [row, col, raw, c.normalized[row], null];
  }

  rowOf(path: string): number | undefined {
    return this.byPath().get(path);
  }

  /** Scores and labels of the labelled, scored rows of a column (for ROC/PR). */
  scored(col: number): { scores: number[]; labels: (0 | 1)[] } {
    const scores: number[] = [];
    const labels: (0 | 1)[] = [];
    const c = this.columns[col];
    for (let row = 0; row < Math.min(this.paths.length, c.flags.length); row++) {
      const l = this.labels[row];
      const raw = c.raw[row];
      if (l === -1 || Number.isNaN(raw)) continue;
      scores.push(raw);
      labels.push(l);
    }
    return { scores, labels };
  }

  private newRow(path: string): number {
    this.paths.push(path);
    this.labels.push(this.labelOf(path));
    return this.paths.length - 1;
  }

  private row(path: string): number {
    const byPath = this.byPath();
    let row = byPath.get(path);
    if (row === undefined) {
      row = this.paths.length;
      this.paths.push(path);
      this.labels.push(this.labelOf(path));
      byPath.set(path, row);
    }
    return row;
  }

  private byPath(): Map<string, number> {
    if (!this.byPathMap) {
      this.byPathMap = new Map();
      this.paths.forEach((p, i) => this.byPathMap!.set(p, i));
    }
    return this.byPathMap;
  }

  private labelOf(path: string): RowLabel {
    if (this.labelsCsv) return labelFromCsv(this.labelsCsv, path) ?? -1;
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? '' : path.slice(0, slash);
    let l = this.folderLabel.get(folder);
    if (l === undefined) this.folderLabel.set(folder, (l = labelFromPath(path) ?? -1));
    return l;
  }
}

function isColumns(src: readonly PanelRow[] | PanelColumns): src is PanelColumns {
  return !Array.isArray(src);
}
