/**
 * Combining detector scores that live on different scales: each is standardised by the mean and
 * standard deviation of its scores on held-out normal images (the calibration set), then summed with
 * weights. The constants are plain numbers, so the exported model applies them with Sub/Div/Add.
 */
import { XrayError } from '../errors';

export interface Standardiser {
  mean: number;
  sd: number;
}

export function standardiser(calibrationScores: ArrayLike<number>): Standardiser {
  const n = calibrationScores.length;
  if (n < 2) throw new XrayError('INTERNAL', `standardising needs at least 2 calibration scores, got ${n}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += calibrationScores[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (calibrationScores[i] - m) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  return { mean: m, sd: sd > 0 ? sd : 1 };
}

/**
 * Σ weight_i (score_i − mean_i) / sd_i for every image; a part with a `gate` (in its standard deviations)
 * adds weight_i · max(0, (score_i − mean_i) / sd_i − gate) instead: it only counts where it is higher than
 * on (nearly) every normal image, so below its gate the other parts alone decide the order.
 */
export function combineScores(
  parts: { scores: ArrayLike<number>; std: Standardiser; weight?: number; gate?: number }[],
): Float32Array {
  if (parts.length === 0) throw new XrayError('INTERNAL', 'nothing to combine');
  const n = parts[0].scores.length;
  const out = new Float32Array(n);
  for (const p of parts) {
    if (p.scores.length !== n) throw new XrayError('INTERNAL', 'score lists differ in length');
    const w = p.weight ?? 1;
    const gate = p.gate;
    if (gate === undefined) for (let i = 0; i < n; i++) out[i] += (w * (p.scores[i] - p.std.mean)) / p.std.sd;
    else for (let i = 0; i < n; i++) out[i] += w * Math.max(0, (p.scores[i] - p.std.mean) / p.std.sd - gate);
  }
  return out;
}

/**
 * The larger of two standardised scores, the second lowered by `offset` sds: max((a − mean_a)/sd_a,
 * (b − mean_b)/sd_b − offset). An image whose second score is not `offset` sds more unusual than its first
 * keeps its first score's order; one with much stronger evidence of the second kind (a focal finding in the
 * map, where the first is a whole-image score) is lifted to it. Sub then Div, as the exported graph does.
 */
export function maxStandardised(
  a: ArrayLike<number>,
  aStd: Standardiser,
  b: ArrayLike<number>,
  bStd: Standardiser,
  offset: number,
): Float32Array {
  if (a.length !== b.length) throw new XrayError('INTERNAL', 'score lists differ in length');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const za = Math.fround(Math.fround(a[i] - aStd.mean) / aStd.sd);
    const zb = Math.fround(Math.fround(Math.fround(b[i] - bStd.mean) / bStd.sd) - offset);
    out[i] = Math.max(za, zb);
  }
  return out;
}
