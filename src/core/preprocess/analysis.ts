/**
 * Small working copies of the raster for the steps that look at the picture (crop detection, text
 * markers, subject mask). Detection runs at a few hundred pixels a side, where a full-resolution
 * radiograph costs one pass to shrink and everything after it is cheap; the results are mapped back to
 * full resolution and refined there only where it matters (edges).
 *
 * Copies are integer-block means and maxima, made together in one pass and cached per raster object:
 * steps that do not change the raster share them, and a step that rewrites a few pixels (text marks)
 * hands them on with the touched blocks recomputed (carryAnalysis).
 */
import { materialize, type FloatImage, type Raster } from './raster';

export interface Analysis {
  image: FloatImage;
  /** Full-resolution pixels per analysis pixel along x and y. */
  sx: number;
  sy: number;
}

export const ANALYSIS_SIDE = 512;

interface Pair {
  mean: Analysis;
  max: Analysis;
}

const cache = new WeakMap<Raster, Map<number, Pair>>();

/** Analysis size for a w x h raster: the longer side at most maxSide, aspect kept. */
export function analysisSize(w: number, h: number, maxSide: number): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Block size used for a w x h raster: the smallest integer that brings the longer side to maxSide or less. */
export function blockSize(w: number, h: number, maxSide: number): number {
  return Math.max(1, Math.ceil(Math.max(w, h) / maxSide));
}

/** Block-mean copy: noise averages out, edges stay where they are. */
export function areaAnalysis(r: Raster, maxSide = ANALYSIS_SIDE): Analysis {
  return blocks(r, maxSide).mean;
}

/**
 * Block-maximum copy: thin bright strokes (burned-in letters) keep their full value, where averaging
 * would dilute them into the background.
 */
export function maxPoolAnalysis(r: Raster, maxSide = ANALYSIS_SIDE): Analysis {
  return blocks(r, maxSide).max;
}

/** Both copies in one pass over the raster (f x f blocks, partial blocks at the right and bottom). */
function blocks(r: Raster, maxSide: number): Pair {
  let m = cache.get(r);
  if (!m) cache.set(r, (m = new Map()));
  const hit = m.get(maxSide);
  if (hit) return hit;
  const f = blockSize(r.width, r.height, maxSide);
  let pair: Pair | undefined = coarsen(r, m, f);
  if (pair) {
    // Derived from a finer copy already made for this raster: no pass over the pixels.
  } else if (f === 1) {
    const image = materialize(r);
    pair = { mean: { image, sx: 1, sy: 1 }, max: { image, sx: 1, sy: 1 } };
  } else {
    const W = r.width;
    const H = r.height;
    const w = Math.ceil(W / f);
    const h = Math.ceil(H / f);
    const sum = new Float64Array(w * h);
    const max = new Float32Array(w * h).fill(-Infinity);
    for (let y = 0; y < H; y++) {
      const o = ((y / f) | 0) * w;
      const row = y * W;
      if (r.kind === 'lut') {
        const { samples, lut, lutOffset } = r;
        for (let bx = 0, x = 0; bx < w; bx++) {
          const end = Math.min(W, x + f);
          let s = 0;
          let mx = max[o + bx];
          for (; x < end; x++) {
            const v = lut[samples[row + x] + lutOffset];
            s += v;
            if (v > mx) mx = v;
          }
          sum[o + bx] += s;
          max[o + bx] = mx;
        }
      } else {
        const d = r.data;
        for (let bx = 0, x = 0; bx < w; bx++) {
          const end = Math.min(W, x + f);
          let s = 0;
          let mx = max[o + bx];
          for (; x < end; x++) {
            const v = d[row + x];
            s += v;
            if (v > mx) mx = v;
          }
          sum[o + bx] += s;
          max[o + bx] = mx;
        }
      }
    }
    const mean = new Float32Array(w * h);
    for (let by = 0; by < h; by++) {
      const rows = Math.min(f, H - by * f);
      for (let bx = 0; bx < w; bx++) mean[by * w + bx] = sum[by * w + bx] / (rows * Math.min(f, W - bx * f));
    }
    pair = { mean: { image: { width: w, height: h, data: mean }, sx: f, sy: f }, max: { image: { width: w, height: h, data: max }, sx: f, sy: f } };
  }
  m.set(maxSide, pair);
  return pair;
}

/**
 * A block-f pair from a cached pair whose block size divides f: means weighted by the full-resolution
 * pixels each fine cell holds (edge cells are partial), maxima of maxima.
 */
function coarsen(r: Raster, m: Map<number, Pair>, f: number): Pair | undefined {
  for (const fine of m.values()) {
    const g = fine.mean.sx;
    if (g >= f || f % g !== 0) continue;
    const k = f / g;
    const { width: fw, height: fh } = fine.mean.image;
    const W = r.width;
    const H = r.height;
    const w = Math.ceil(W / f);
    const h = Math.ceil(H / f);
    const sum = new Float64Array(w * h);
    const max = new Float32Array(w * h).fill(-Infinity);
    const fm = fine.mean.image.data;
    const fx = fine.max.image.data;
    for (let y = 0; y < fh; y++) {
      const rows = Math.min(g, H - y * g);
      const o = Math.floor(y / k) * w;
      for (let x = 0; x < fw; x++) {
        const n = rows * Math.min(g, W - x * g);
        const j = o + Math.floor(x / k);
        sum[j] += fm[y * fw + x] * n;
        if (fx[y * fw + x] > max[j]) max[j] = fx[y * fw + x];
      }
    }
    const mean = new Float32Array(w * h);
    for (let by = 0; by < h; by++) {
      const rows = Math.min(f, H - by * f);
      for (let bx = 0; bx < w; bx++) mean[by * w + bx] = sum[by * w + bx] / (rows * Math.min(f, W - bx * f));
    }
    return { mean: { image: { width: w, height: h, data: mean }, sx: f, sy: f }, max: { image: { width: w, height: h, data: max }, sx: f, sy: f } };
  }
  return undefined;
}

/** Point samples at block centres (no averaging): a few reads per block, for quick global statistics. */
export function subsample(r: Raster, maxSide: number): FloatImage {
  const f = blockSize(r.width, r.height, maxSide);
  const w = Math.ceil(r.width / f);
  const h = Math.ceil(r.height / f);
  const data = new Float32Array(w * h);
  const c = f >> 1;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(r.height - 1, y * f + c);
    for (let x = 0; x < w; x++) data[y * w + x] = valueAt(r, sy * r.width + Math.min(r.width - 1, x * f + c));
  }
  return { width: w, height: h, data };
}

/**
 * After a step rewrote a few pixels (inside `boxes`) of `from` to give `to`, hands `from`'s analysis
 * copies on to `to` with the touched blocks recomputed, so the next step does not pay a full pass.
 */
export function carryAnalysis(from: Raster, to: Raster, boxes: readonly { x: number; y: number; width: number; height: number }[]): void {
  const m = cache.get(from);
  if (!m || from.width !== to.width || from.height !== to.height) return;
  const out = new Map<number, Pair>();
  for (const [maxSide, pair] of m) {
    const f = pair.mean.sx;
    if (f === 1) continue;
    const { width: w, height: h } = pair.mean.image;
    const mean = pair.mean.image.data.slice();
    const max = pair.max.image.data.slice();
    for (const b of boxes) {
      for (let by = Math.floor(b.y / f); by <= Math.min(h - 1, Math.floor((b.y + b.height - 1) / f)); by++) {
        for (let bx = Math.floor(b.x / f); bx <= Math.min(w - 1, Math.floor((b.x + b.width - 1) / f)); bx++) {
          let s = 0;
          let n = 0;
          let mx = -Infinity;
          for (let y = by * f; y < Math.min(to.height, (by + 1) * f); y++) {
            for (let x = bx * f; x < Math.min(to.width, (bx + 1) * f); x++) {
              const v = valueAt(to, y * to.width + x);
              s += v;
              n++;
              if (v > mx) mx = v;
            }
          }
          mean[by * w + bx] = s / n;
          max[by * w + bx] = mx;
        }
      }
    }
    out.set(maxSide, { mean: { ...pair.mean, image: { width: w, height: h, data: mean } }, max: { ...pair.max, image: { width: w, height: h, data: max } } });
  }
  if (out.size) cache.set(to, out);
}

const monotoneCache = new WeakMap<Float32Array, boolean>();

/** Whether a lookup table never changes direction (windowing, inversion and equalisation tables never do). */
export function lutMonotone(lut: Float32Array): boolean {
  let m = monotoneCache.get(lut);
  if (m === undefined) {
    let up = true;
    let down = true;
    for (let i = 1; i < lut.length && (up || down); i++) {
      if (lut[i] < lut[i - 1]) up = false;
      if (lut[i] > lut[i - 1]) down = false;
    }
    m = up || down;
    monotoneCache.set(lut, m);
  }
  return m;
}

/** Value of one pixel (index into the raster). */
export function valueAt(r: Raster, i: number): number {
  return r.kind === 'float' ? r.data[i] : r.lut[r.samples[i] + r.lutOffset];
}

/**
 * The q-quantile (0..1, nearest rank) of some values. Large inputs go through a 65536-bin histogram
 * (exact to 1/65536 of their range), which is plenty for detection thresholds and far cheaper than a sort.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const rank = Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))));
  if (n <= 4096) return Float64Array.from(values as ArrayLike<number>).sort()[rank];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return min;
  const bins = 65536;
  const scale = (bins - 1) / (max - min);
  const hist = new Uint32Array(bins);
  for (let i = 0; i < n; i++) hist[((values[i] - min) * scale) | 0]++;
  let cum = 0;
  for (let b = 0; b < bins; b++) {
    cum += hist[b];
    if (cum > rank) return min + b / scale;
  }
  return max;
}

/**
 * Otsu's threshold over the selected values (all when `select` is absent), on a `bins`-bin histogram
 * between their min and max. Returns the lower edge of the first bin above the split, so `v >= t` is
 * the brighter class. A flat selection returns its value.
 */
export function otsuThreshold(values: Float32Array, select?: Uint8Array, bins = 256): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (select && !select[i]) continue;
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return min === Infinity ? 0 : min;
  const scale = bins / (max - min);
  const hist = new Float64Array(bins);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (select && !select[i]) continue;
    hist[Math.min(bins - 1, Math.floor((values[i] - min) * scale))]++;
    n++;
  }
  let total = 0;
  for (let b = 0; b < bins; b++) total += b * hist[b];
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let split = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b];
    sum0 += b * hist[b];
    const w1 = n - w0;
    if (w0 === 0 || w1 === 0) continue;
    const d = sum0 / w0 - (total - sum0) / w1;
    const between = w0 * w1 * d * d;
    if (between > best) {
      best = between;
      split = b;
    }
  }
  return min + (split + 1) / scale;
}
