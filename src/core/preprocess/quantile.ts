/**
 * Percentiles of a raster's values, computed exactly and matching numpy.percentile's default
 * ('linear') method, so a Python script fitting a model computes the same window as this runtime.
 * No full sort of a 5-megapixel image: lut rasters walk their sample histogram, float rasters
 * locate the wanted ranks with a coarse histogram and sort only the values in those bins.
 */
import { sampleHistogram, type Raster } from './raster';

export function percentiles(r: Raster, ps: readonly number[]): number[] {
  const n = r.width * r.height;
  if (n === 0) return ps.map(() => 0);
  const ranks = ps.map((p) => (Math.min(100, Math.max(0, p)) / 100) * (n - 1));
  const wanted = [...new Set(ranks.flatMap((x) => [Math.floor(x), Math.min(n - 1, Math.floor(x) + 1)]))];
  const stats = r.kind === 'lut' ? orderStatsLut(r, wanted) : orderStatsFloat(r.data, wanted);
  return ranks.map((x) => {
    const k = Math.floor(x);
    const lo = stats.get(k)!;
    const hi = stats.get(Math.min(n - 1, k + 1))!;
    return lo + (x - k) * (hi - lo);
  });
}

/** The k-th smallest values (0-based) of a lut raster, from the sample histogram. */
function orderStatsLut(r: Extract<Raster, { kind: 'lut' }>, ks: number[]): Map<number, number> {
  const h = sampleHistogram(r);
  const lut = r.lut;
  const present: number[] = [];
  for (let i = 0; i < h.length; i++) if (h[i] > 0) present.push(i);
  // Usually the table is monotonic (windowing is), so index order is value order; otherwise sort.
  present.sort((a, b) => lut[a] - lut[b] || a - b);
  const sortedKs = [...ks].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let cum = 0;
  let j = 0;
  for (const idx of present) {
    cum += h[idx];
    while (j < sortedKs.length && sortedKs[j] < cum) out.set(sortedKs[j++], lut[idx]);
    if (j === sortedKs.length) break;
  }
  return out;
}

const COARSE_BINS = 65536;

function orderStatsFloat(data: Float32Array, ks: number[]): Map<number, number> {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Map<number, number>();
  if (!(max > min)) {
    for (const k of ks) out.set(k, min);
    return out;
  }
  const scale = COARSE_BINS / (max - min);
  const bin = (v: number) => Math.min(COARSE_BINS - 1, Math.floor((v - min) * scale));
  const counts = new Uint32Array(COARSE_BINS);
  for (let i = 0; i < data.length; i++) counts[bin(data[i])]++;
  // For each wanted rank: which bin holds it, and its rank within that bin.
  const starts = new Float64Array(COARSE_BINS);
  let cum = 0;
  for (let b = 0; b < COARSE_BINS; b++) {
    starts[b] = cum;
    cum += counts[b];
  }
  const binOf = new Map<number, number>();
  for (const k of ks) {
    let lo = 0;
    let hi = COARSE_BINS - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    binOf.set(k, lo);
  }
  // Gather only the values of the bins that hold a wanted rank, then sort those few.
  const slotOfBin = new Int32Array(COARSE_BINS).fill(-1);
  const slots: Float32Array[] = [];
  for (const b of new Set(binOf.values())) {
    slotOfBin[b] = slots.length;
    slots.push(new Float32Array(counts[b]));
  }
  const fill = new Uint32Array(slots.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const s = slotOfBin[bin(v)];
    if (s >= 0) slots[s][fill[s]++] = v;
  }
  for (const s of slots) s.sort();
  for (const k of ks) {
    const b = binOf.get(k)!;
    out.set(k, slots[slotOfBin[b]][k - starts[b]]);
  }
  return out;
}
