/**
 * The rows of a batch run. One row = one file scored by one model (or failed), written as one JSON line
 * (docs/results-store.md). A row's identity for re-use is its content hash + model id + model version
 * + preprocessing hash, so an unchanged file is never scored twice by the same model, a changed file is,
 * and a new model version adds its own rows beside the old ones.
 */
import type { QualityMeasures } from '../quality/types';

export interface ModelRef {
  id: string;
  version: string;
  /** preprocessingHash() of the manifest's input + preprocessing (16 hex digits). */
  prep: string;
}

export interface RowScore {
  raw: number;
  /** Calibrated to [0,1]; 0.5 is the model's threshold. */
  normalized: number;
  threshold: number;
  aboveThreshold: boolean;
  /**
   * The calibration span (manifest calibration max - min), the scale of `normalized` (core/scoring/calibration.ts
   * normalizeWith), so another tool can recompute it from raw without the manifest.
   */
  span?: number;
}

/** Where a failed row failed: reading the file, decoding it, preprocessing, inference, or the engine itself. */
export type RowStage = 'read' | 'decode' | 'preprocess' | 'inference' | 'engine';

export interface RowError {
  /** An ErrorCode of src/core/errors.ts, or READ_FAILED (file unreadable: permissions, vanished). */
  code: string;
  message: string;
  stage?: RowStage;
}

export interface BatchRow {
  /** Path relative to the scanned root, '/' separators. */
  path: string;
  modelId: string;
  modelVersion: string;
  /** Preprocessing hash of the model (see ModelRef.prep). */
  prep: string;
  /** SHA-256 of the file's bytes, hex; '' when the file could not be read. */
  hash: string;
  /** File size and modification time when it was read: unchanged stat = unchanged file, no re-read. */
  size: number;
  mtimeMs: number;
  /** Present on success. */
  score?: RowScore;
  /** Present on failure: the file was recorded with its error and the batch went on. */
  error?: RowError;
  /** Execution provider that ran the model. */
  provider?: string;
  /** Milliseconds spent on this file (read to score, this model's share of a batched run). */
  ms: number;
  /** ISO time the row was written. */
  at: string;
  /** Thumbnail / heatmap image in the store's media cache, relative to it (may have been evicted since). */
  thumb?: string;
  heatmap?: string;
  /** Dataset-quality measures of the file's content (the same in every model's row of that content). */
  quality?: QualityMeasures;
}

export function modelRefOf(r: Pick<BatchRow, 'modelId' | 'modelVersion' | 'prep'>): ModelRef {
  return { id: r.modelId, version: r.modelVersion, prep: r.prep };
}
