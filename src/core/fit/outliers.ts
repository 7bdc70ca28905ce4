/**
 * A threshold that one atypical image cannot set alone. The threshold is an order statistic of unseen
 * normal scores (calibrate.ts); with fewer than 19 of them it is their maximum, so one odd image in the
 * folder (an abnormality, another view, a damaged file) lifts it so far that nothing new ever exceeds it
 * (seen on 14 hand images: 4.31 while every other score was below 1.4, and every planted anomaly read
 * "looks normal").
 *
 * Rule: scores above median + k * robust sd (1.4826 * MAD, else IQR / 1.349) are atypical. When the
 * conformal threshold is one of them, and they are few (at most 10% of the scores, at least 1), they are
 * left out of the calibration: the threshold is the same order statistic of the other scores, and the
 * report names the images so the user can check them. k = 5 leaves alone what normal scores do: a
 * Gaussian passes 5 robust sd once in 3.5 million, an exponential tail (heavier than the scores seen) about
 * once in 70. Too many atypical scores is a mixed folder, not an outlier: nothing is left out then.
 */
export const OUTLIER_RULE = {
  /** Robust standard deviations above the median. */
  k: 5,
  /** At most this share of the scores is left out (and at least one). */
  maxShare: 0.1,
  /** Fewer scores than this: no median and MAD worth trusting; the threshold is left as it is. */
  minScores: 8,
} as const;

export interface ThresholdOutliers {
  /** Indices of the left-out scores, highest score first. */
  indices: number[];
  median: number;
  /** Robust standard deviation of the scores. */
  spread: number;
  k: number;
  /** median + k * spread: scores above it are atypical. */
  cap: number;
  /** The threshold the rule replaced (the order statistic of all scores). */
  conformalThreshold: number;
}

/** Linear-interpolated quantile of sorted values. */
function sortedQuantile(s: Float64Array, p: number): number {
  const x = p * (s.length - 1);
  const i = Math.floor(x);
  return i + 1 < s.length ? s[i] + (x - i) * (s[i + 1] - s[i]) : s[i];
}

/** Robust sd: 1.4826 * MAD, or IQR / 1.349 when more than half the scores tie; 0 when both are 0. */
export function robustSpread(values: ArrayLike<number>): { median: number; spread: number } {
  const s = Float64Array.from(values).sort();
  const median = sortedQuantile(s, 0.5);
  const dev = Float64Array.from(s, (v) => Math.abs(v - median)).sort();
  const mad = 1.4826 * sortedQuantile(dev, 0.5);
  const spread = mad > 0 ? mad : (sortedQuantile(s, 0.75) - sortedQuantile(s, 0.25)) / 1.349;
  return { median, spread: spread > 0 && Number.isFinite(spread) ? spread : 0 };
}

/**
 * The scores to leave out of the threshold's calibration (see the header), or undefined when the
 * threshold of all scores (the order statistic of 1-based rank `rankOf(n)`) is not set by an atypical one.
 */
export function thresholdOutliers(
  scores: ArrayLike<number>,
  rankOf: (n: number) => number,
  rule: { k: number; maxShare: number; minScores: number } = OUTLIER_RULE,
): ThresholdOutliers | undefined {
  const n = scores.length;
  if (n < rule.minScores) return undefined;
  const { median, spread } = robustSpread(scores);
  if (!(spread > 0)) return undefined;
  const cap = median + rule.k * spread;
  const sorted = Float64Array.from(scores).sort();
  const conformalThreshold = sorted[rankOf(n) - 1];
  if (!(conformalThreshold > cap)) return undefined;
  const indices = Array.from(scores, (v, i) => ({ v, i }))
    .filter((e) => e.v > cap)
    .sort((a, b) => b.v - a.v)
    .map((e) => e.i);
  if (indices.length > Math.max(1, Math.floor(rule.maxShare * n))) return undefined;
  return { indices, median, spread, k: rule.k, cap, conformalThreshold };
}
