/**
 * A normalised score that keeps the order of the raw score everywhere. anomalib's normalisation
 * (calibration.ts) clamps to [0, 1], so every image beyond the calibration range ties at 0 or 1, and a
 * table sorted by it loses the ranking exactly where a reviewer looks first. This curve has the same
 * value (0.5) and the same slope (1/span) at the threshold, and approaches 0 and 1 only slowly (as
 * 1/distance, not exponentially like a logistic, which reaches 1.0 in double precision ~37 spans above),
 * so sorting by it is sorting by the raw score for any score a model produces.
 */
export function orderedScore(raw: number, threshold: number, span: number): number {
  if (Number.isNaN(raw)) return NaN;
  if (raw === Infinity) return 1;
  if (raw === -Infinity) return 0;
  const s = span > 0 && Number.isFinite(span) ? span : 1;
  const x = (2 * (raw - threshold)) / s;
  // 0.5 + x / (2 (1 + |x|)), written per side so that neither side loses digits near 0 or 1.
  return x >= 0 ? 1 - 0.5 / (1 + x) : 0.5 / (1 - x);
}
