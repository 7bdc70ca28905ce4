/**
 * The rows of some models of a table, read column by column: what the results panel takes when it opens
 * a store. Rows still in the index's columns (most of them) are read straight from its typed arrays and
 * texts, without a row object; rows added or replaced since (read from the log's tail, or streamed by a
 * run) from their objects. `row(k)` makes a row object on demand (a selection, an export).
 */
import type { QualityMeasures } from '../quality/types';
import { modelKey, rowModelKey } from './keys';
import type { IndexedRows } from './rowIndex';
import type { BatchRow, ModelRef, RowError } from './types';

export interface RowColumns {
  /** Rows, numbered 0..size-1 in the table's first-seen order. */
  readonly size: number;
  /** The models `model(k)` points into. */
  readonly models: readonly ModelRef[];
  model(k: number): number;
  path(k: number): string;
  /** SHA-256 of the file's bytes ('' when unreadable). */
  hash(k: number): string;
  /** NaN when the row has no score. */
  raw(k: number): number;
  normalized(k: number): number;
  error(k: number): RowError | undefined;
  thumb(k: number): string | undefined;
  heatmap(k: number): string | undefined;
  quality(k: number): QualityMeasures | undefined;
  row(k: number): BatchRow;
}

/**
 * Row k of the view is table row `at[k]`: from `base` (the index's columns) unless `made[at[k]]` holds an
 * object for it.
 */
export class TableColumns implements RowColumns {
  /** The table holds one row per path and model. */
  readonly uniquePerModel = true;
  private readonly baseModel: Uint16Array;

  constructor(
    readonly models: readonly ModelRef[],
    private readonly at: Uint32Array,
    private readonly made: readonly (BatchRow | undefined)[],
    private readonly base: IndexedRows | undefined,
  ) {
    // The base's model numbers in this view's numbering.
    const key = new Map(models.map((m, i) => [modelKey(m), i]));
    this.baseModel = Uint16Array.from(base?.models ?? [], (m) => key.get(modelKey(m)) ?? 0xffff);
  }

  get size(): number {
    return this.at.length;
  }

  model(k: number): number {
    const r = this.made[this.at[k]];
    if (r) return this.models.findIndex((m) => modelKey(m) === rowModelKey(r));
    return this.baseModel[this.base!.modelOf(this.at[k])];
  }

  path(k: number): string {
    return this.made[this.at[k]]?.path ?? this.base!.path(this.at[k]);
  }

  hash(k: number): string {
    return this.made[this.at[k]]?.hash ?? this.base!.hash(this.at[k]);
  }

  raw(k: number): number {
    const r = this.made[this.at[k]];
    return r ? (r.score?.raw ?? NaN) : this.base!.raw(this.at[k]);
  }

  normalized(k: number): number {
    const r = this.made[this.at[k]];
    return r ? (r.score?.normalized ?? NaN) : this.base!.normalized(this.at[k]);
  }

  error(k: number): RowError | undefined {
    const r = this.made[this.at[k]];
    return r ? r.error : this.base!.error(this.at[k]);
  }

  thumb(k: number): string | undefined {
    const r = this.made[this.at[k]];
    return r ? r.thumb : this.base!.thumb(this.at[k]);
  }

  heatmap(k: number): string | undefined {
    const r = this.made[this.at[k]];
    return r ? r.heatmap : this.base!.heatmap(this.at[k]);
  }

  quality(k: number): QualityMeasures | undefined {
    const r = this.made[this.at[k]];
    return r ? r.quality : this.base!.quality(this.at[k]);
  }

  row(k: number): BatchRow {
    return this.made[this.at[k]] ?? this.base!.row(this.at[k]);
  }
}
