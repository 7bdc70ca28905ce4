import type { Affine } from '../image/types';

export interface ImageScore {
  raw: number;
  /** Calibrated to (0,1), 0.5 = at threshold, increasing with raw (calibration.ts normalizeWith). */
  normalized: number;
  threshold: number;
  aboveThreshold: boolean;
}

export interface AnomalyMap {
  width: number;
  height: number;
  /** Normalised like the score (calibration.ts normalizeMapValue): 0.5 = at the pixel threshold, in (0,1). */
  data: Float32Array;
  /** Maps map pixel coordinates (x+0.5, y+0.5 centres) to original image pixel coordinates. */
  toImage: Affine;
  /** Raw map statistics, for the legend. */
  rawMin: number;
  rawMax: number;
}

export interface AnalysisResult {
  modelId: string;
  modelVersion: string;
  /** Execution provider that ran it, e.g. "cpu", "cuda", "webgpu". */
  provider: string;
  score: ImageScore;
  map?: AnomalyMap;
  timings: { preprocessMs: number; inferenceMs: number; postprocessMs: number };
}
