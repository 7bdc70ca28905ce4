/**
 * The current state of a store: the latest row per (path, model key), in first-seen order, with
 * look-ups by row key and by result key (content hash x model). Re-running a file replaces its row in
 * place, so a table built from an append-only log equals the log read to its end.
 *
 * A table opened from the store's index starts as the index's columns (IndexedRows): rows become
 * objects only when read, and the look-up maps are built on first use, so opening a large store and
 * showing it costs little more than reading the index.
 */
import { TableColumns } from './columns';
import { modelKey, resultKey, rowModelKey } from './keys';
import type { IndexedRows, RowSource } from './rowIndex';
import { modelRefOf, type BatchRow, type ModelRef } from './types';

export class ResultTable implements RowSource {
  /** Rows made so far (sparse while rows of the base are unread). */
  private readonly made: (BatchRow | undefined)[];
  private readonly baseSize: number;
  private count: number;
  /** model key -> path -> row number; built on first use. */
  private byRow?: Map<string, Map<string, number>>;
  /** result key -> row number; built on first use (only re-use by content needs it). */
  private byResult?: Map<string, number>;
  private readonly modelList = new Map<string, ModelRef>();
  private readonly base?: IndexedRows;

  constructor(rows: Iterable<BatchRow> = [], base?: IndexedRows) {
    this.baseSize = base?.size ?? 0;
    this.count = this.baseSize;
    this.made = new Array<BatchRow | undefined>(this.baseSize);
    this.base = base;
    if (base) {
      // The models that have rows, in first-seen order, from the small model column.
      const seen = new Uint8Array(base.models.length);
      for (let i = 0; i < base.size && this.modelList.size < base.models.length; i++) {
        const m = base.modelOf(i);
        if (!seen[m]) {
          seen[m] = 1;
          this.modelList.set(modelKey(base.models[m]), base.models[m]);
        }
      }
    }
    for (const r of rows) this.add(r);
  }

  /** Adds a row, replacing the earlier row of the same file and model. Returns its index in `rows`. */
  add(row: BatchRow): number {
    const mk = rowModelKey(row);
    const paths = this.pathsOf(mk, true)!;
    let i = paths.get(row.path);
    if (i === undefined) {
      i = this.count++;
      paths.set(row.path, i);
    }
    this.made[i] = row;
    if (!this.modelList.has(mk)) this.modelList.set(mk, modelRefOf(row));
    if (this.byResult && row.hash && row.score) this.byResult.set(resultKey(row.hash, modelRefOf(row)), i);
    return i;
  }

  get size(): number {
    return this.count;
  }

  /** Row i (0 <= i < size), in first-seen order. */
  row(i: number): BatchRow {
    let r = this.made[i];
    if (!r) {
      if (!this.base || i < 0 || i >= this.baseSize) throw new RangeError(`no row ${i} in a table of ${this.count}`);
      r = this.made[i] = this.base.row(i);
    }
    return r;
  }

  /** Every row, in first-seen order (all made into objects: for a large table, prefer rowsOf or row). */
  get rows(): readonly BatchRow[] {
    for (let i = 0; i < this.baseSize; i++) if (!this.made[i]) this.made[i] = this.base!.row(i);
    return this.made as BatchRow[];
  }

  /** The rows of these models, in first-seen order; other models' rows are not made into objects. */
  rowsOf(models: readonly ModelRef[]): BatchRow[] {
    const wanted = new Set(models.map(modelKey));
    const baseWanted = this.base?.models.map((m) => wanted.has(modelKey(m)));
    const out: BatchRow[] = [];
    for (let i = 0; i < this.count; i++) {
      const r = this.made[i];
      if (r) {
        if (wanted.has(rowModelKey(r))) out.push(r);
      } else if (baseWanted![this.base!.modelOf(i)]) out.push(this.row(i));
    }
    return out;
  }

  /**
   * The rows of these models, in first-seen order, as columns (core/batch/columns.ts): no row of the index
   * is made into an object, and the view's `models` are these, in this order.
   */
  columnsOf(models: readonly ModelRef[]): TableColumns {
    const wanted = new Set(models.map(modelKey));
    const baseWanted = this.base?.models.map((m) => wanted.has(modelKey(m)));
    let at = new Uint32Array(this.count);
    let k = 0;
    for (let i = 0; i < this.count; i++) {
      const r = this.made[i];
      if (r ? wanted.has(rowModelKey(r)) : baseWanted![this.base!.modelOf(i)]) at[k++] = i;
    }
    if (k < at.length) at = at.slice(0, k);
    return new TableColumns(models, at, this.made, this.base);
  }

  /**
   * Files with a row of any of these models: what a store keeps for a run of them. One model's rows are its
   * files (one row per path and model); several models' paths are decoded to count each file once.
   */
  filesOf(models: readonly ModelRef[]): number {
    const cols = this.columnsOf(models);
    if (models.length <= 1) return cols.size;
    const paths = new Set<string>();
    for (let k = 0; k < cols.size; k++) paths.add(cols.path(k));
    return paths.size;
  }

  get(path: string, model: ModelRef): BatchRow | undefined {
    const i = this.pathsOf(modelKey(model), false)?.get(path);
    return i === undefined ? undefined : this.row(i);
  }

  /** A successful row of this content and model, whatever its path (a copied or renamed file). */
  byContent(hash: string, model: ModelRef): BatchRow | undefined {
    if (!this.byResult) {
      this.byResult = new Map();
      for (let i = 0; i < this.count; i++) {
        const r = this.made[i];
        if (r) {
          if (r.hash && r.score) this.byResult.set(resultKey(r.hash, modelRefOf(r)), i);
        } else if (this.base!.hasScore(i)) {
          const h = this.base!.hash(i);
          if (h) this.byResult.set(resultKey(h, this.base!.models[this.base!.modelOf(i)]), i);
        }
      }
    }
    const i = this.byResult.get(resultKey(hash, model));
    return i === undefined ? undefined : this.row(i);
  }

  /**
   * File sizes of the successful rows of these models: a file of another size cannot have the content of
   * any of them, so only files of these sizes are worth hashing to look for a moved or copied one.
   */
  scoredSizes(models: readonly ModelRef[]): Set<number> {
    const wanted = new Set(models.map(modelKey));
    const baseWanted = this.base?.models.map((m) => wanted.has(modelKey(m)));
    const out = new Set<number>();
    for (let i = 0; i < this.count; i++) {
      const r = this.made[i];
      if (r) {
        if (r.score && r.hash && wanted.has(rowModelKey(r))) out.add(r.size);
      } else if (baseWanted![this.base!.modelOf(i)] && this.base!.hasScore(i)) out.add(this.base!.fileSizeOf(i));
    }
    return out;
  }

  /** Every model that has rows, in first-seen order. */
  models(): ModelRef[] {
    return [...this.modelList.values()];
  }

  /** The path -> row map of one model key (the maps of every model are built together, on first use). */
  private pathsOf(mk: string, create: boolean): Map<string, number> | undefined {
    if (!this.byRow) {
      this.byRow = new Map();
      const base = this.base;
      if (base) {
        const maps = base.models.map((m) => {
          const k = modelKey(m);
          let map = this.byRow!.get(k);
          if (!map) this.byRow!.set(k, (map = new Map()));
          return map;
        });
        for (let i = 0; i < this.baseSize; i++) maps[base.modelOf(i)].set(base.path(i), i);
      }
    }
    let map = this.byRow.get(mk);
    if (!map && create) this.byRow.set(mk, (map = new Map()));
    return map;
  }
}
