/**
 * From scores of normal images the detector never saw (held out, or cross-fitted) to the numbers a model
 * carries: the standardisers that put the global and local parts on one scale, the decision threshold,
 * the map standardiser and pixel threshold, and what the threshold can promise.
 *
 * The threshold is an order statistic, chosen as split-conformal prediction chooses it: with n
 * exchangeable normal scores, the k-th smallest is exceeded by a new normal image with probability
 * exactly (n + 1 - k) / (n + 1), so k = ⌈(n + 1) q⌉ keeps the false-alarm rate at or below 1 - q
 * (Vovk et al. 2005; Bates et al. 2023, "Testing for outliers with conformal p-values"). An interpolated
 * sample quantile has no such guarantee and on few scores falls below it: the 95th percentile of 12
 * scores lies between the 11th and 12th, which a new normal image exceeds about 1 time in 9. With fewer
 * than q / (1 - q) scores (19 for q = 0.95) the rank would be n + 1: the 95th percentile is not in the
 * sample at all, and the maximum is the best there is (false-alarm rate 1 / (n + 1)) — which is what the
 * warning says.
 *
 * Given the calibration scores, the false-alarm rate of the threshold is itself random: it follows
 * Beta(n + 1 - k, k) over fits (the coverage of an order statistic), and its spread is what "the
 * threshold of a small folder is unstable" means in numbers.
 */
import { XrayError } from '../errors';
import { quantile } from '../metrics/roc';
import { combineScores, maxStandardised, type Standardiser, standardiser } from './combine';
import { addFineMaps } from './fineMap';
import { type WorstPlaceOptions, type WorstPlacePart, worstGate, worstPlaceScores } from './worstPlace';
import { thresholdOutliers, type ThresholdOutliers } from './outliers';

/** Below this many calibration scores the user is warned: see calibrationNote. */
export const MIN_STABLE_CALIBRATION = 20;

/** 1-based rank of the order statistic used as threshold: ⌈(n + 1) q⌉, at most n. */
export function thresholdRank(n: number, q: number): number {
  if (!(Number.isInteger(n) && n >= 1))
    throw new XrayError('INTERNAL', `a threshold needs at least 1 calibration score, got ${n}`);
  if (!(q > 0 && q < 1)) throw new XrayError('INTERNAL', `the threshold quantile must be in (0, 1), got ${q}`);
  // The epsilon keeps a product that is whole in exact arithmetic from rounding up when float error lands it just above.
  return Math.min(n, Math.max(1, Math.ceil((n + 1) * q - 1e-9)));
}

/** The k-th smallest value (1-based). */
export function orderStatistic(values: ArrayLike<number>, k: number): number {
  const s = Float64Array.from(values).sort();
  if (!(k >= 1 && k <= s.length)) throw new XrayError('INTERNAL', `order statistic ${k} of ${s.length} values`);
  return s[k - 1];
}

export interface FalseAlarmRate {
  /** 1 - q: what the threshold aims at. */
  nominal: number;
  /** Expected share of new normal images above the threshold, over fits: (n + 1 - k) / (n + 1). */
  expected: number;
  /** 5th and 95th percentiles of that share over fits (the Beta(n + 1 - k, k) law). */
  low: number;
  high: number;
}

/** What a threshold at rank thresholdRank(n, q) of n normal scores promises about new normal images. */
export function falseAlarmRate(n: number, q: number): FalseAlarmRate {
  const k = thresholdRank(n, q);
  const a = n + 1 - k;
  return { nominal: 1 - q, expected: a / (n + 1), low: betaQuantile(a, k, 0.05), high: betaQuantile(a, k, 0.95) };
}

/**
 * Quantile of Beta(a, b) for positive integers a, b, by bisection on its CDF, which for integer
 * parameters is a binomial tail: P(Beta(a, b) <= x) = P(Binomial(a + b - 1, x) >= a).
 */
export function betaQuantile(a: number, b: number, p: number): number {
  if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 1 && b >= 1))
    throw new XrayError('INTERNAL', `Beta(${a}, ${b}) needs positive integer parameters here`);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialUpperTail(a + b - 1, mid, a) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(Binomial(n, x) >= a), summed in log space (n may be in the thousands). */
function binomialUpperTail(n: number, x: number, a: number): number {
  if (x <= 0) return a <= 0 ? 1 : 0;
  if (x >= 1) return 1;
  const lx = Math.log(x);
  const l1x = Math.log1p(-x);
  // log C(n, j), built up from j = 0.
  let logC = 0;
  let total = 0;
  for (let j = 0; j <= n; j++) {
    if (j > 0) logC += Math.log((n - j + 1) / j);
    if (j >= a) total += Math.exp(logC + j * lx + (n - j) * l1x);
  }
  return Math.min(1, total);
}

export type CalibrationMethod = 'held-out' | 'cross-fit';

export interface CalibrationInfo {
  method: CalibrationMethod;
  /** Normal images whose unseen scores set the threshold. */
  images: number;
  /** Cross-fitting: folds the Gaussian was refitted on (the memory bank always leaves one group out). */
  folds?: number;
  /** Cross-fitting: patient groups among the scored images (file names that tell the patient; else one per image). */
  groups?: number;
  /**
   * Cross-fitting: the fitted images that look least like the others (highest unseen scores, highest
   * first). With few images the highest IS the threshold, so one abnormal or odd image in the folder
   * decides what counts as anomalous: these are the images to check.
   */
  mostUnusual?: { path: string; score: number; excluded?: boolean }[];
  /**
   * Atypical scores left out of the threshold (outliers.ts): how many, the cap (median + k robust sd) and
   * the threshold they would have set. `images` and `falseAlarm` count only the kept scores.
   */
  outliers?: { count: number; median: number; spread: number; k: number; cap: number; conformalThreshold: number };
  /** Rank of the threshold among the calibration scores (1-based, ascending). */
  rank: number;
  falseAlarm: FalseAlarmRate;
  /** For the user: the threshold is from too few images (see MIN_STABLE_CALIBRATION); undefined otherwise. */
  warning?: string;
}

/** A share as a percentage with the digits that matter: "0.04%", "7.7%", "5%", "22%". */
export function formatPercent(x: number): string {
  const v = 100 * x;
  return `${v < 1 ? Number(v.toPrecision(1)) : v < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)}%`;
}
const pct = formatPercent;

/** "about 7.7% of normal images (between 0.4% and 22% in 9 fits out of 10)" */
export function describeFalseAlarm(f: FalseAlarmRate): string {
  return `about ${pct(f.expected)} of normal images (between ${pct(f.low)} and ${pct(f.high)} in 9 fits out of 10)`;
}

/**
 * The warning for a threshold from `n` images, or undefined when there are enough. Says how many, what
 * false-alarm rate to expect instead of the nominal one, and what would fix it.
 */
export function smallCalibrationWarning(n: number, q: number): string | undefined {
  if (n >= MIN_STABLE_CALIBRATION) return undefined;
  const f = falseAlarmRate(n, q);
  const nominal = Math.round(q * 1000) / 10;
  return (
    `The threshold comes from only ${n} image${n === 1 ? '' : 's'}, too few for a stable ${nominal}th percentile: ` +
    `expect false alarms on ${describeFalseAlarm(f)} instead of ${pct(f.nominal)}. ` +
    `Fit on at least ${MIN_STABLE_CALIBRATION} normal images (50 or more for a steady threshold).`
  );
}

/** Calibration scores of normal images the detector did not see, per part. */
export interface UnseenScores {
  global?: ArrayLike<number>;
  local?: ArrayLike<number>;
  /** Their patch distances (local part), all images concatenated. */
  maps?: ArrayLike<number>;
  /** Patches per image in `maps` (h*w); needed to centre the map per position (see mapCentring). */
  patchesPerImage?: number;
  /** The maps' rows and columns (h * w = patchesPerImage), for weights by distance from the edge. */
  mapShape?: { h: number; w: number };
  /**
   * The fine map's per-position standard scores (fineMap.ts), [n, factor*h * factor*w]: the shown map is the
   * centred map repeated onto the fine grid plus these, and is standardised and thresholded as such.
   */
  fine?: { maps: ArrayLike<number>; factor: number };
}

/**
 * Below this many unseen normal maps the map is not centred per position: the mean of a few images at
 * one position is mostly those images' own content, and subtracting it would print their anatomy,
 * negated, onto every new map.
 */
export const MIN_CENTRING_IMAGES = MIN_STABLE_CALIBRATION;

/**
 * Per-position centring of the map: raw patch distance -> (raw - offset[p]) / scale[p], a standard score
 * for the position (then standardised as a whole by mapStd, so map units stay "sds of a normal patch").
 */
export interface MapCentring {
  /** Mean unseen patch distance at each position. */
  offset: Float32Array;
  /** Sd of the unseen patch distances at each position over their mean over positions (floored, see below). */
  scale: Float32Array;
}

/** A position's scale is at least this share of the median one, so a position where normals barely vary cannot blow up noise. */
export const MIN_RELATIVE_SCALE = 0.5;

/**
 * Per-position centring from unseen normal maps. PatchCore matches a patch against every normal patch
 * wherever it came from, so positions whose normal content varies most (the corners and borders of a
 * chest film: arms, neck, marker, the background's extent; and border patches average fewer neighbours)
 * are warmer on EVERY normal image, AND spread wider: subtracting the mean alone still leaves normal
 * maps peaking there (the unit test's synthetic maps: 28 of 30), so each position is also divided by its
 * own spread. The result reads "how unusual for this position", which is what a reviewer asks of the
 * map (docs/experiments/heatmap-preprocessing.md). Undefined when there are too few images or no positions.
 */
export function mapCentring(
  maps: ArrayLike<number>,
  patchesPerImage: number | undefined,
  /** 'sd': each position divided by its own (floored) sd, a plain standard score; default: relative to their mean. */
  unit: 'relative' | 'sd' = 'relative',
): MapCentring | undefined {
  const hw = patchesPerImage ?? 0;
  if (!(Number.isInteger(hw) && hw >= 1) || maps.length % hw !== 0) return undefined;
  const n = maps.length / hw;
  if (n < MIN_CENTRING_IMAGES) return undefined;
  const sum = new Float64Array(hw);
  for (let i = 0; i < n; i++) for (let p = 0; p < hw; p++) sum[p] += maps[i * hw + p];
  const mean = Float64Array.from(sum, (v) => v / n);
  const sq = new Float64Array(hw);
  for (let i = 0; i < n; i++) for (let p = 0; p < hw; p++) sq[p] += (maps[i * hw + p] - mean[p]) ** 2;
  const sd = Float64Array.from(sq, (v) => Math.sqrt(v / (n - 1)));
  const median = Float64Array.from(sd).sort()[Math.floor(hw / 2)];
  const floor = MIN_RELATIVE_SCALE * median;
  const floored = Float64Array.from(sd, (v) => Math.max(v, floor));
  const meanSd = unit === 'sd' ? 1 : floored.reduce((a, b) => a + b, 0) / hw;
  if (!(meanSd > 0) || (unit === 'sd' && !(median > 0))) return undefined;
  return { offset: Float32Array.from(mean), scale: Float32Array.from(floored, (v) => v / meanSd) };
}

/**
 * Weights the centred map down near the field's edges: the cells of ring r (r cells in from the nearest
 * side) are multiplied by weights[r] (rings past the list keep 1), by dividing that position's scale, so
 * the exported graph is unchanged. Why: the outermost cells hold the shoulders, neck, arms and corners,
 * where normal chest images differ most from each other; even centred per position they took 24% of a
 * normal map's hottest tenth on 27% of the positions, and with the outer ring at 0.5 and the next at 0.8
 * 4%, while the planted lesions were pointed at as often or more (docs/experiments/generalisation.md,
 * "The map's edges").
 */
export function weightEdges(c: MapCentring, h: number, w: number, weights: readonly number[]): MapCentring {
  if (c.scale.length !== h * w)
    throw new XrayError('INTERNAL', `a ${h}x${w} map has ${h * w} positions, the centring ${c.scale.length}`);
  if (weights.some((v) => !(v > 0 && v <= 1)))
    throw new XrayError('INTERNAL', `edge weights must be in (0, 1]; got ${weights.join(', ')}`);
  const scale = Float32Array.from(c.scale);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const ring = Math.min(y, x, h - 1 - y, w - 1 - x);
      if (ring < weights.length) scale[y * w + x] /= weights[ring];
    }
  return { offset: c.offset, scale };
}

/** Raw patch distances centred per position (maps of any number of images; none: a copy). */
export function centreMaps(maps: ArrayLike<number>, centring: MapCentring | undefined): Float32Array {
  const out = Float32Array.from(maps);
  if (!centring) return out;
  const { offset, scale } = centring;
  if (out.length % offset.length !== 0)
    throw new XrayError('INTERNAL', `${out.length} map values are not whole maps of ${offset.length} positions`);
  // Float32 steps, as the exported graph's Sub and Div take them.
  for (let i = 0; i < out.length; i++)
    out[i] = Math.fround(Math.fround(out[i] - offset[i % offset.length]) / scale[i % offset.length]);
  return out;
}

/**
 * The map's scale for display (scoring/calibration.ts normalizeMapValue): twice the distance from the typical
 * normal patch (the median) up to the pixel threshold, so the typical normal patch shows at 0.25 and the
 * threshold at 0.5, in the map's own units. Both are quantiles of the calibration patches, which one odd
 * image moves by at most its share of the patches; the score range (max - min) used before is set by the two
 * most extreme calibration images and is in score units, so one atypical image could push every map under
 * the viewer's floor. Undefined when the two coincide (a degenerate calibration).
 */
export function mapDisplayScale(pixelThreshold: number, median: number): number | undefined {
  const s = 2 * (pixelThreshold - median);
  return s > 0 && Number.isFinite(s) ? s : undefined;
}

/**
 * Quantile q of each image's map, then quantile `across` of those over the images (pooled over all patches
 * when the maps cannot be told apart: no or inconsistent patchesPerImage). One odd calibration image (with
 * 14 images it holds 7% of the patches: the whole pooled top 1%) moves it by one rank among the images at
 * most, while the pooled quantile follows the odd image wherever it goes.
 */
export function imageQuantile(
  maps: ArrayLike<number>,
  patchesPerImage: number | undefined,
  q: number,
  across: number,
): number {
  const hw = patchesPerImage ?? 0;
  if (!(Number.isInteger(hw) && hw >= 1) || maps.length % hw !== 0 || maps.length / hw < 2) return quantile(maps, q);
  const n = maps.length / hw;
  const per = new Float64Array(n);
  for (let i = 0; i < n; i++) per[i] = quantile(Array.prototype.slice.call(maps, i * hw, (i + 1) * hw), q);
  return quantile(per, across);
}

/** Pixel threshold: the 99th percentile of a normal map, as 9 normal images in 10 have it (imageQuantile). */
export const PIXEL_QUANTILE = { q: 0.99, across: 0.9 };

export interface Calibrated {
  globalStd?: Standardiser;
  localStd?: Standardiser;
  /** The worst-place part's standardiser (worstPlace.ts), when asked for and maps were given. */
  worstStd?: Standardiser;
  /** Its gate in standard deviations (worst.gateQuantile of the standardised calibration worst places). */
  worstGate?: number;
  /**
   * With a fine-map score (fineScore): the standardisers of the parts' sum and of the shown map's worst place,
   * which the image score takes the larger of (combine.ts maxStandardised).
   */
  fineScore?: { scoreStd: Standardiser; std: Standardiser };
  mapStd?: Standardiser;
  /** Per-position centring applied to the raw map before mapStd (mapCentring); undefined: not centred. */
  mapCentring?: MapCentring;
  pixelThreshold?: number;
  /** The map's display scale (manifest calibration.pixelScale); see mapDisplayScale. Both per image first (imageQuantile). */
  pixelScale?: number;
  threshold: number;
  /** Rank of the threshold among `kept`. */
  rank: number;
  /** The combined scores of the calibration images. */
  combined: Float32Array;
  /** Those the threshold is an order statistic of: all but `outliers` (their range normalises displayed scores). */
  kept: Float32Array;
  /** Atypical scores left out of the threshold (outliers.ts); undefined when none was. */
  outliers?: ThresholdOutliers;
}

/**
 * Standardisers, threshold and map constants from unseen normal scores. The two parts are standardised
 * by the mean and sd of the SAME unseen scores the threshold is taken from: in-sample scores would not
 * do (the local part of a fitted image is ~0 when the bank holds its own patches, so its sd would be
 * far too small and that part would dominate every new image's score). Estimating two scale factors
 * from the scores that then set the quantile costs one degree of freedom (only the ratio of the sds
 * changes the ranking; the means shift scores and threshold alike), which is negligible from about ten
 * scores on; with the old two held-out images it was everything (each part's z-scores were ±0.71, so
 * the threshold was always ~1.27 whatever the images).
 */
export function calibrateFromUnseen(
  s: UnseenScores,
  weights: { global: number; local: number },
  q: number,
  worst?: WorstPlacePart & { h: number; w: number },
  edgeWeights?: readonly number[],
  /** Further standardised parts of the same images (the position-aware part, detector.ts). */
  extra?: readonly { scores: ArrayLike<number>; std: Standardiser; weight: number }[],
  /** The image score's fine-map part (recipe.local.fineScore, resolved for the fine grid); needs `s.fine`. */
  fineScore?: WorstPlaceOptions & { offset: number },
): Calibrated {
  const n = (s.global ?? s.local)?.length ?? 0;
  if (n < 2) throw new XrayError('INTERNAL', `calibration needs at least 2 normal images, got ${n}`);
  if (s.global && s.local && s.global.length !== s.local.length)
    throw new XrayError('INTERNAL', 'global and local calibration scores differ in count');
  const out: Partial<Calibrated> = {};
  const parts = [];
  // The shown map's worst place (fineScore): on the map before its standardiser, as the graph reads it.
  let shownTop: Float32Array | undefined;
  if (s.global) {
    out.globalStd = standardiser(s.global);
    parts.push({ scores: s.global, std: out.globalStd, weight: weights.global });
  }
  if (s.local) {
    out.localStd = standardiser(s.local);
    parts.push({ scores: s.local, std: out.localStd, weight: weights.local });
  }
  if (s.maps && s.maps.length >= 2) {
    // The map is centred per position, then standardised and thresholded on the centred values; the
    // image score (the mean of the RAW distances) is untouched.
    out.mapCentring = mapCentring(s.maps, s.patchesPerImage);
    if (out.mapCentring && edgeWeights?.length && s.mapShape)
      out.mapCentring = weightEdges(out.mapCentring, s.mapShape.h, s.mapShape.w, edgeWeights);
    const centred = centreMaps(s.maps, out.mapCentring);
    // What the viewer shows: with a fine map, the sum on the fine grid (fineMap.ts).
    const fine = s.fine && s.mapShape ? s.fine : undefined;
    const shown = fine ? addFineMaps(centred, s.mapShape!.h, s.mapShape!.w, fine.maps, fine.factor) : centred;
    const per = fine && s.patchesPerImage ? s.patchesPerImage * fine.factor ** 2 : s.patchesPerImage;
    if (fine && fineScore)
      shownTop = worstPlaceScores(shown, fine.factor * s.mapShape!.h, fine.factor * s.mapShape!.w, fineScore);
    out.mapStd = standardiser(shown);
    const z = (v: number) => (v - out.mapStd!.mean) / out.mapStd!.sd;
    const { q: pq, across } = PIXEL_QUANTILE;
    out.pixelThreshold = z(imageQuantile(shown, per, pq, across));
    out.pixelScale = mapDisplayScale(out.pixelThreshold, z(imageQuantile(shown, per, 0.5, 0.5)));
  }
  if (worst && s.maps && s.maps.length === n * worst.h * worst.w) {
    // On the same centred map the exported graph takes its top patches from.
    const top = worstPlaceScores(centreMaps(s.maps, out.mapCentring), worst.h, worst.w, worst);
    const std = standardiser(top);
    out.worstStd = std;
    if (worst.gateQuantile !== undefined)
      out.worstGate = worstGate(
        top.map((v) => (v - std.mean) / std.sd),
        worst.gateQuantile,
      );
    parts.push({ scores: top, std, weight: worst.weight, gate: out.worstGate });
  }
  if (extra) parts.push(...extra);
  let combined = combineScores(parts);
  if (fineScore && shownTop) {
    const f = { scoreStd: standardiser(combined), std: standardiser(shownTop) };
    out.fineScore = f;
    combined = maxStandardised(combined, f.scoreStd, shownTop, f.std, fineScore.offset);
  }
  const outliers = thresholdOutliers(combined, (m) => thresholdRank(m, q));
  const left = new Set(outliers?.indices);
  const kept = outliers ? combined.filter((_, i) => !left.has(i)) : combined;
  const rank = thresholdRank(kept.length, q);
  return { ...out, threshold: orderStatistic(kept, rank), rank, combined, kept, ...(outliers ? { outliers } : {}) };
}
