/**
 * What the results panel needs from the batch service: the rows a folder's store already holds, and a
 * run that streams new rows as they are written. The panel and the command depend on this port only,
 * so the store format and the scoring pipeline can change behind it.
 */
import type { ModelInfo } from '../../core/model/manifest';
import type { QualityMeasures } from '../../core/quality/types';
import type { EmbeddingSet } from '../../core/similar/file';

/** One file x model result, as stored (a structural subset of the batch store's row). */
export interface PanelRow {
  /** Relative to the scored root, '/' separators. */
  path: string;
  modelId: string;
  modelVersion: string;
  score?: { raw: number };
  error?: { code: string; message: string; stage?: string };
  /** Thumbnail file relative to `mediaDir` (may have been evicted). */
  thumb?: string;
  /** This model's heatmap relative to `mediaDir` (grey, 0.5 at the threshold; may have been evicted). */
  heatmap?: string;
  /** SHA-256 of the file's bytes when it was scored ('' when unreadable). */
  hash?: string;
  /** Dataset-quality measures of the file's content (docs/results-store.md). */
  quality?: QualityMeasures;
}

/**
 * Rows read column by column (core/batch/columns.ts: a store's index is read without a row object per
 * row): what `load` returns, so that opening 100,000 stored rows builds no 100,000 objects.
 */
export interface PanelColumns {
  readonly size: number;
  /** The models `model(k)` points into. */
  readonly models: readonly { id: string; version: string }[];
  /** True when a path appears at most once per model (a store's table promises it). */
  readonly uniquePerModel?: boolean;
  model(k: number): number;
  path(k: number): string;
  /** '' when the file could not be read. */
  hash(k: number): string;
  /** NaN without a score. */
  raw(k: number): number;
  error(k: number): { code: string; message: string; stage?: string } | undefined;
  thumb(k: number): string | undefined;
  heatmap(k: number): string | undefined;
  quality(k: number): QualityMeasures | undefined;
}

export interface RunProgressInfo {
  total: number;
  /** Files scored in this run, and those of them whose rows reached the store (fewer after a full disk). */
  done: number;
  saved: number;
  skipped: number;
  failed: number;
  imagesPerS?: number;
  etaS?: number;
}

export interface RunRequest {
  root: string;
  models: ModelInfo[];
  signal: AbortSignal;
  /** Rows as they are written to the store (never before: a row shown is a row kept). */
  onRows(rows: PanelRow[]): void;
  /** Files the run will cover, in order, as soon as they are known (so the table can show them pending). */
  onPlanned?(paths: string[]): void;
  onProgress(p: RunProgressInfo): void;
}

export interface RunSummary {
  ended: 'finished' | 'cancelled';
  /** Files scored in this run and those of them saved in the store (all, unless a write failed). */
  done: number;
  saved: number;
  scored: number;
  failed: number;
  skipped: number;
  /** Engine restarts the run survived. */
  restarts: number;
}

/**
 * A run that failed as a whole (a full disk, a read-only store, an engine that gave up), with its counts as
 * the batch service kept them: what was scored, what reached the store, what was already there.
 */
export class RunStoppedError extends Error {
  constructor(
    message: string,
    readonly counts: Pick<RunProgressInfo, 'total' | 'done' | 'saved' | 'skipped' | 'failed'>,
    /** The cause in a few words ("The disk is full (ENOSPC)"), where known. */
    readonly reason?: string,
    /** The cause's code (an errno such as ENOSPC, EBUSY for another run's lock, or the engine's error code). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RunStoppedError';
  }
}

export interface ResultsBackend {
  /** Latest rows of the folder's store for these models (none when it was never scored). */
  load(root: string, models: readonly ModelInfo[]): Promise<PanelColumns>;
  /** Models (id and version) the folder's store has rows of, in first-seen order; empty when never scored. */
  storedModels(root: string): Promise<{ id: string; version: string }[]>;
  run(req: RunRequest): Promise<RunSummary>;
  /** Folder the rows' thumbnails are relative to, if any. */
  mediaDir(root: string): string | undefined;
  /**
   * Writes the thumbnails of these files (relative to `root`) into `mediaDir(root)`, off the extension host;
   * each the thumbnail's path relative to that folder, or undefined when the file cannot be read or decoded.
   */
  thumbnails?(root: string, paths: readonly string[]): Promise<(string | undefined)[]>;
  /**
   * Writes the heatmaps of these files (relative to `root`, with their content hash) by `model` into
   * `mediaDir(root)`, off the extension host; each the heatmap's path relative to that folder, or undefined.
   */
  heatmaps?(
    root: string,
    model: ModelInfo,
    items: readonly { path: string; hash: string }[],
  ): Promise<(string | undefined)[]>;
  /**
   * The `k` contents nearest to `hash` by the model's stored backbone features, most similar first;
   * undefined when the folder has no features of that model (or none of that content).
   */
  similar?(
    root: string,
    model: ModelInfo,
    hash: string,
    k: number,
  ): Promise<{ hash: string; similarity: number }[] | undefined>;
  /** The model's stored backbone features for the folder (the embedding map); undefined when none. */
  embeddings?(root: string, model: ModelInfo): Promise<EmbeddingSet | undefined>;
}
