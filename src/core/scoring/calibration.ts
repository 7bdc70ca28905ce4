import type { ModelManifest } from '../model/manifest';
import type { ImageScore } from './types';

/**
 * anomalib's normalisation: clamp((raw - threshold) / (max - min) + 0.5, 0, 1). The threshold lands on
 * exactly 0.5 whatever min and max are, so "above 0.5" always means "above threshold".
 */
export function normalizeScore(raw: number, cal: ModelManifest['calibration']): number {
  return normalizeWith(raw, cal.threshold, cal.max - cal.min);
}

export function normalizeWith(raw: number, threshold: number, span: number): number {
  const v = (raw - threshold) / span + 0.5;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export function imageScore(raw: number, cal: ModelManifest['calibration']): ImageScore {
  return { raw, normalized: normalizeScore(raw, cal), threshold: cal.threshold, aboveThreshold: raw >= cal.threshold };
}
