/**
 * The current state of a store: the latest row per (path, model key), in first-seen order, with
 * look-ups by row key and by result key (content hash x model). Re-running a file replaces its row in
 * place, so a table built from an append-only log equals the log read to its end.
 */
import { modelKey, resultKey, rowKey, rowModelKey } from './keys';
import { modelRefOf, type BatchRow, type ModelRef } from './types';

export class ResultTable {
  readonly rows: BatchRow[] = [];
  private readonly byRow = new Map<string, number>();
  /** Built on first use (only re-use by content needs it), so loading a large store stays cheap. */
  private byResult?: Map<string, number>;
  private readonly modelList = new Map<string, ModelRef>();

  constructor(rows: Iterable<BatchRow> = []) {
    for (const r of rows) this.add(r);
  }

  /** Adds a row, replacing the earlier row of the same file and model. Returns its index in `rows`. */
  add(row: BatchRow): number {
    const k = rowKey(row);
    let i = this.byRow.get(k);
    if (i === undefined) {
      i = this.rows.length;
      this.rows.push(row);
      this.byRow.set(k, i);
    } else {
      this.rows[i] = row;
    }
    const mk = rowModelKey(row);
    if (!this.modelList.has(mk)) this.modelList.set(mk, modelRefOf(row));
    if (this.byResult && row.hash && row.score) this.byResult.set(resultKey(row.hash, modelRefOf(row)), i);
    return i;
  }

  get size(): number {
    return this.rows.length;
  }

  get(path: string, model: ModelRef): BatchRow | undefined {
    const i = this.byRow.get(`${modelKey(model)}\u0000${path}`);
    return i === undefined ? undefined : this.rows[i];
  }

  /** A successful row of this content and model, whatever its path (a copied or renamed file). */
  byContent(hash: string, model: ModelRef): BatchRow | undefined {
    if (!this.byResult) {
      this.byResult = new Map();
      this.rows.forEach((r, j) => {
        if (r.hash && r.score) this.byResult!.set(resultKey(r.hash, modelRefOf(r)), j);
      });
    }
    const i = this.byResult.get(resultKey(hash, model));
    return i === undefined ? undefined : this.rows[i];
  }

  /** Every model that has rows, in first-seen order. */
  models(): ModelRef[] {
    return [...this.modelList.values()];
  }
}
