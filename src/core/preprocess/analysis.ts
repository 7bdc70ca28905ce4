/**
 * Small working copies of the raster for the steps that look at the picture (crop detection, text
 * markers, subject mask). Detection runs at a few hundred pixels a side, where a full-resolution
 * radiograph costs one pass to shrink and everything after it is cheap; the results are mapped back to
 * full resolution and refined there only where it matters (edges).
 *
 * The copies are block means and block maxima derived from per-cell statistics (cells.ts) that are
 * computed once and carried through crops, quarter turns, table rewrites and pixel edits. For a
 * lookup-table raster they are statistics of the samples, read through the current table:
 * - block maximum: the table at the cell's largest (or, for a falling table, smallest) sample, which is
 *   exactly the maximum of the cell's values for any monotone table (all of the pipeline's are);
 * - block mean: the table at the cell's mean sample (linearly interpolated), which is the mean of the
 *   values wherever the table is linear over the cell's samples (rescale, inversion, a window away
 *   from its clamps), and within the cell's value spread otherwise.
 * Rasters whose table is not monotone fall back to statistics of the values (a pass of their own).
 */
import { materialize, type FloatImage, type Raster } from './raster';
import {
  cachedKeys,
  cachedStats,
  cellCounts,
  coarsenStats,
  computeStats,
  cropStats,
  rewriteStats,
  storeStats,
  turnStats,
  type CellStats,
} from './cells';

export interface Analysis {
  image: FloatImage;
  /** Full-resolution pixels per analysis pixel along x and y. */
  sx: number;
  sy: number;
  /**
   * Where the grid starts: analysis pixel i covers raster columns [i*sx - ox, (i+1)*sx - ox), clipped
   * to the raster (likewise rows with oy). 0 for a grid made on this raster; a grid carried through a
   * crop or a turn keeps its cells, so its first column or row can be partial.
   */
  ox: number;
  oy: number;
}

export const ANALYSIS_SIDE = 512;

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
  return view(r, maxSide, 'mean');
}

/**
 * Block-maximum copy: thin bright strokes (burned-in letters) keep their full value, where averaging
 * would dilute them into the background.
 */
export function maxPoolAnalysis(r: Raster, maxSide = ANALYSIS_SIDE): Analysis {
  return view(r, maxSide, 'max');
}

const views = new WeakMap<Raster, Map<string, Analysis>>();
/** Value-domain statistics of rasters whose table is not monotone, per raster. */
const valueStats = new WeakMap<Raster, Map<number, CellStats>>();

function view(r: Raster, maxSide: number, kind: 'mean' | 'max'): Analysis {
  let m = views.get(r);
  if (!m) views.set(r, (m = new Map()));
  const key = `${kind}:${maxSide}`;
  const hit = m.get(key);
  if (hit) return hit;
  const direct = r.kind === 'float' || lutMonotone(r.lut);
  const s = direct ? statsFor(r, maxSide) : valueStatsFor(r, maxSide);
  const n = s.w * s.h;
  const data = new Float32Array(n);
  if (kind === 'mean') {
    const count = cellCounts(s, r.width, r.height);
    if (direct && r.kind === 'lut') {
      const { lut, lutOffset } = r;
      const last = lut.length - 1;
      for (let i = 0; i < n; i++) {
        const t = s.sum[i] / count[i] + lutOffset;
        const k = Math.min(last, Math.floor(t));
        data[i] = k >= last ? lut[last] : lut[k] + (t - k) * (lut[k + 1] - lut[k]);
      }
    } else for (let i = 0; i < n; i++) data[i] = s.sum[i] / count[i];
  } else if (direct && r.kind === 'lut') {
    const { lut, lutOffset } = r;
    for (let i = 0; i < n; i++) data[i] = Math.max(lut[s.min[i] + lutOffset], lut[s.max[i] + lutOffset]);
  } else data.set(s.max);
  const a: Analysis = { image: { width: s.w, height: s.h, data }, sx: s.f, sy: s.f, ox: s.ox, oy: s.oy };
  m.set(key, a);
  return a;
}

/**
 * The raster's cell statistics for maxSide: cached (or carried here by a geometric step) when
 * available, else coarsened from finer cached ones, else computed in one pass.
 */
function statsFor(r: Raster, maxSide: number): CellStats {
  const hit = cachedStats(r, maxSide);
  if (hit) return hit;
  const f = blockSize(r.width, r.height, maxSide);
  let s: CellStats | undefined;
  for (const fine of cachedKeys(r)?.values() ?? []) {
    if (fine.f <= f && (!s || fine.f > s.f)) s = fine;
  }
  s = s ? (s.f === f ? s : coarsenStats(s, Math.max(1, Math.round(f / s.f)))) : computeStats(r, f);
  storeStats(r, maxSide, s);
  return s;
}

function valueStatsFor(r: Raster, maxSide: number): CellStats {
  let m = valueStats.get(r);
  if (!m) valueStats.set(r, (m = new Map()));
  let s = m.get(maxSide);
  if (!s) {
    const values: Raster = { kind: 'float', width: r.width, height: r.height, data: materialize(r).data };
    s = computeStats(values, blockSize(r.width, r.height, maxSide));
    m.set(maxSide, s);
  }
  return s;
}

/** Hands the parent's cell statistics on to `child`, its crop to `rect` (cropRaster calls this). */
export function carryCrop(parent: Raster, child: Raster, rect: { x: number; y: number }): void {
  for (const [key, s] of cachedKeys(parent) ?? []) storeStats(child, key, cropStats(s, child, rect));
}

/** Hands the parent's cell statistics on to `child`, its quarter turn (rotateRaster calls this). */
export function carryTurn(parent: Raster, child: Raster, turn: 'cw' | 'ccw'): void {
  for (const [key, s] of cachedKeys(parent) ?? [])
    storeStats(child, key, turnStats(s, parent.width, parent.height, turn));
}

/**
 * After a step rewrote a few pixels (inside `boxes`) of `from` to give `to`, hands `from`'s cell
 * statistics on to `to` with the touched cells recomputed, so the next step does not pay a full pass.
 */
export function carryAnalysis(
  from: Raster,
  to: Raster,
  boxes: readonly { x: number; y: number; width: number; height: number }[],
): void {
  if (from.width !== to.width || from.height !== to.height) return;
  const same = (from.kind === 'lut') === (to.kind === 'lut');
  if (!same) return;
  for (const [key, s] of cachedKeys(from) ?? []) storeStats(to, key, rewriteStats(s, to, boxes));
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
