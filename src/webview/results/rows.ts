/**
 * The panel's rows, column by column: a path and a label per row, and per model column a raw score, a
 * normalised score and an error. Typed arrays that grow by doubling keep 100,000 rows compact and quick to
 * sort; NaN marks "no score yet". Rows are only ever added or updated, never removed, so a row number
 * given by the host stays valid for the panel's life.
 */
import type { ColumnCells } from '../../protocol/results';
import { QualityTable } from './quality';

export class RowTable {
  private capacity = 0;
  private count = 0;
  readonly paths: string[] = [];
  /** Folder of each row ('' at the root), shared strings. */
  readonly folders: string[] = [];
  labels = new Int8Array(0);
  raw: Float64Array[] = [];
  normalized: Float64Array[] = [];
  /** Error message per model column, by row (few rows have one). */
  readonly errors: Map<number, string>[] = [];
  private readonly folderSet = new Map<string, number>();
  /** Dataset-quality verdicts by row (sent by the host for the whole folder). */
  readonly quality = new QualityTable();

  constructor(readonly modelCount: number) {
    for (let m = 0; m < modelCount; m++) this.errors.push(new Map());
    this.grow(1024);
  }

  get size(): number {
    return this.count;
  }

  /** Folders that hold rows, with their row counts, sorted by name. */
  folderCounts(): [string, number][] {
    return [...this.folderSet.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Adds rows `first..first+paths.length-1`; rows already held are left as they are (a replayed chunk). */
  addRows(first: number, paths: readonly string[], labels: ArrayLike<number>): void {
    if (first > this.count) throw new Error(`rows arrive out of order: expected row ${this.count}, got ${first}`);
    const end = first + paths.length;
    if (end <= this.count) return;
    this.grow(end);
    let last = '';
    let lastCount = 0;
    for (let i = this.count - first; i < paths.length; i++) {
      const row = first + i;
      const p = paths[i];
      this.paths[row] = p;
      const slash = p.lastIndexOf('/');
      // Files of a folder come together: reuse its string and count them in one go.
      let folder = slash < 0 ? '' : p.slice(0, slash);
      if (folder === last) folder = last;
      else {
        if (lastCount) this.folderSet.set(last, (this.folderSet.get(last) ?? 0) + lastCount);
        last = folder;
        lastCount = 0;
      }
      lastCount++;
      this.folders[row] = folder;
      this.labels[row] = labels[i] ?? -1;
    }
    if (lastCount) this.folderSet.set(last, (this.folderSet.get(last) ?? 0) + lastCount);
    this.count = end;
  }

  /**
   * The host's first screenful, ahead of the rows (see PanelState.head): these rows' paths, labels and (with
   * `applyCells(c, total)`) cells at their own row numbers, the table still empty (size 0). The rows that
   * arrive next overwrite them all (addRows from 0). Every row below `total` gets a place now, so that the
   * arrays stay dense.
   */
  placeHead(total: number, rows: ArrayLike<number>, paths: readonly string[], labels: ArrayLike<number>): void {
    if (this.count > 0) return;
    this.grow(total);
    while (this.paths.length < total) {
      this.paths.push('');
      this.folders.push('');
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!(row < total)) continue;
      const p = paths[i] ?? '';
      const slash = p.lastIndexOf('/');
      this.paths[row] = p;
      this.folders[row] = slash < 0 ? '' : p.slice(0, slash);
      this.labels[row] = labels[i] ?? -1;
    }
  }

  /**
   * Applies a column's cells; rows the table does not hold (from `limit`, its size unless a head is placed)
   * are ignored and counted, as is an unknown column.
   */
  applyCells(c: ColumnCells, limit = this.count): number {
    const m = c.model;
    if (!(m >= 0 && m < this.modelCount)) return c.rows.length;
    const raw = this.raw[m];
    const norm = this.normalized[m];
    const errors = this.errors[m];
    let ignored = 0;
    for (let i = 0; i < c.rows.length; i++) {
      const row = c.rows[i];
      if (row >= limit) {
        ignored++;
        continue;
      }
      raw[row] = c.raw[i];
      norm[row] = c.normalized[i];
      if (errors.size) errors.delete(row);
    }
    for (const [row, message] of c.errors) if (row < limit) errors.set(row, String(message));
    return ignored;
  }

  hasScore(row: number, model: number): boolean {
    return !Number.isNaN(this.normalized[model][row]);
  }

  error(row: number, model: number): string | undefined {
    return this.errors[model].get(row);
  }

  /** Any model column's error for the row (the first), for the errors column. */
  anyError(row: number): string | undefined {
    for (const e of this.errors) {
      const v = e.get(row);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  errorCount(): number {
    const rows = new Set<number>();
    for (const e of this.errors) for (const r of e.keys()) rows.add(r);
    return rows.size;
  }

  hasLabels(): boolean {
    for (let i = 0; i < this.count; i++) if (this.labels[i] !== -1) return true;
    return false;
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    let cap = Math.max(this.capacity, 1024);
    while (cap < min) cap *= 2;
    const labels = new Int8Array(cap).fill(-1);
    labels.set(this.labels.subarray(0, this.count));
    this.labels = labels;
    const widen = (a: Float64Array | undefined) => {
      const b = new Float64Array(cap).fill(NaN);
      if (a) b.set(a.subarray(0, this.count));
      return b;
    };
    for (let m = 0; m < this.modelCount; m++) {
      this.raw[m] = widen(this.raw[m]);
      this.normalized[m] = widen(this.normalized[m]);
    }
    this.capacity = cap;
  }
}
