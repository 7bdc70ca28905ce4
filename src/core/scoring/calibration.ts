import type { ModelManifest } from '../model/manifest';
import type { ImageScore } from './types';

type Calibration = ModelManifest['calibration'];

/** The largest double below 0.5: where a value just under the threshold lands when rounding would give 0.5. */
const BELOW_HALF = 0.49999999999999994;

/**
 * The ONE normalisation of raw scores and map values: 0.5 at the threshold, strictly increasing in the raw
 * value over the whole line, never reaching 0 or 1 for finite values, so sorting by it sorts by raw.
 *
 * anomalib's clamp((raw - t) / scale + 0.5, 0, 1) gives 0 to every image below t - scale/2 and 1 above
 * t + scale/2, so a list ranked by it loses its order exactly where the borderline and the clearly
 * abnormal images are. Here the same line passes through an algebraic sigmoid instead:
 *
 *   z = 2 (raw - t) / scale,   normalised = 0.5 + 0.5 z / (1 + |z|)
 *
 * Its slope at the threshold is anomalib's (1 / scale), values within scale/2 of t land on 0.25..0.75,
 * and the tails approach 0 and 1 like 1/z, so a double tells scores apart up to about 1e15 scales away.
 * Written as 1 - 0.5/(1 + z) and 0.5/(1 - z): each step is a correctly rounded monotone operation, so the
 * computed value is monotone too (never a swapped pair, only ties where raw values differ by less
 * than the double resolution near 1).
 */
export function normalizeWith(raw: number, threshold: number, scale: number): number {
  const z = (2 * (raw - threshold)) / scale;
  // The side is decided on raw, not z: z underflows to -0 for raw a hair below the threshold.
  if (raw >= threshold) return 1 - 0.5 / (1 + z);
  // Below the threshold stays below 0.5 even when z is too small to move the quotient.
  return Math.min(0.5 / (1 - z), BELOW_HALF);
}

/** Raw image score -> normalised score: the threshold and the calibration range (max - min) as scale. */
export function normalizeScore(raw: number, cal: Calibration): number {
  return normalizeWith(raw, cal.threshold, scoreScale(cal));
}

/** Raw map value -> normalised map value: the pixel threshold and the map's own scale (see mapScale). */
export function normalizeMapValue(raw: number, cal: Calibration): number {
  return normalizeWith(raw, cal.pixelThreshold ?? cal.threshold, mapScale(cal));
}

export function scoreScale(cal: Calibration): number {
  return cal.max - cal.min;
}

/**
 * The map's scale: `pixelScale` when the model has one (a fitted model's robust spread of normal patches,
 * in map units), else the score range as before; maps and scores are often in different units, so a map
 * read with the score range can sit entirely under the viewer's floor.
 */
export function mapScale(cal: Calibration): number {
  return cal.pixelScale ?? scoreScale(cal);
}

export function imageScore(raw: number, cal: Calibration): ImageScore {
  return { raw, normalized: normalizeScore(raw, cal), threshold: cal.threshold, aboveThreshold: raw >= cal.threshold };
}
