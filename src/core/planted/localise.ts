/**
 * How well a map points at a known region, on the image's own pixel grid (values NaN where the map does
 * not reach, e.g. a crop the model never saw):
 *
 *   pointing game   the map's hottest pixel lies in the region, grown by a tolerance (Zhang et al. 2018,
 *                   "Top-down neural attention by excitation backprop": 15 px at 224; here a share of the
 *                   image side, by default half a backbone patch, since the map is that coarse)
 *   pixel AUROC     the map's values rank the region's pixels above the others (covered pixels only)
 *   PRO             per-region overlap averaged over false-positive rates 0..maxFpr, normalised to [0, 1]
 *                   (Bergmann et al. 2021, MVTec AD): with one region per image, the share of the region
 *                   above each threshold, integrated over the share of the rest above it
 *   border share    of the map's hottest tenth, the share of its summed value on the image's outer 5% each
 *                   side (scripts/models/experiments/heatmap.ts measures the same on unplanted images)
 */
import { XrayError } from '../errors';

export interface MapOnImage {
  width: number;
  height: number;
  /** Row-major map values on the image grid; NaN where the map does not reach. */
  values: Float32Array;
}

/** Index of the hottest covered pixel, or -1 when none is covered. */
export function peakIndex(values: Float32Array): number {
  let at = -1;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i] && (at < 0 || values[i] > values[at])) at = i;
  return at;
}

/** The region grown by `radius` pixels (a disc), for a pointing-game tolerance. */
export function grow(region: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const r = Math.max(0, Math.round(radius));
  if (r === 0) return region.slice();
  const out = new Uint8Array(region.length);
  const offsets: [number, number][] = [];
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) offsets.push([dx, dy]);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!region[y * width + x]) continue;
      // Only boundary pixels can grow the region past itself.
      const inner =
        x > 0 &&
        y > 0 &&
        x < width - 1 &&
        y < height - 1 &&
        region[y * width + x - 1] &&
        region[y * width + x + 1] &&
        region[(y - 1) * width + x] &&
        region[(y + 1) * width + x];
      if (inner) {
        out[y * width + x] = 1;
        continue;
      }
      for (const [dx, dy] of offsets) {
        const u = x + dx;
        const v = y + dy;
        if (u >= 0 && v >= 0 && u < width && v < height) out[v * width + u] = 1;
      }
    }
  return out;
}

/** Whether the map's hottest pixel falls in the region grown by `tolerance` (a share of the image's shorter side). */
export function pointingHit(map: MapOnImage, region: Uint8Array, tolerance: number): boolean {
  checkSizes(map, region);
  const at = peakIndex(map.values);
  if (at < 0) return false;
  if (region[at]) return true;
  const r = tolerance * Math.min(map.width, map.height);
  const x = at % map.width;
  const y = Math.floor(at / map.width);
  const ri = Math.ceil(r);
  for (let v = Math.max(0, y - ri); v <= Math.min(map.height - 1, y + ri); v++)
    for (let u = Math.max(0, x - ri); u <= Math.min(map.width - 1, x + ri); u++)
      if (region[v * map.width + u] && (u - x) ** 2 + (v - y) ** 2 <= r * r) return true;
  return false;
}

/**
 * Pixel AUROC and PRO (up to maxFpr) of the map against the region, over covered pixels; undefined when the
 * region or the rest has no covered pixel. The two sides sorted apart (typed sorts, no comparator: a
 * 2500x2048 map is 5 million pixels) and walked together from the top, ties taken together.
 */
export function pixelScores(
  map: MapOnImage,
  region: Uint8Array,
  maxFpr = 0.3,
): { auroc: number; pro: number } | undefined {
  checkSizes(map, region);
  if (!(maxFpr > 0 && maxFpr <= 1)) throw new XrayError('INTERNAL', `maxFpr must be in (0, 1], got ${maxFpr}`);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < map.values.length; i++) if (map.values[i] === map.values[i]) region[i] ? pos++ : neg++;
  if (pos === 0 || neg === 0) return undefined;
  const P = new Float64Array(pos);
  const N = new Float64Array(neg);
  pos = 0;
  neg = 0;
  for (let i = 0; i < map.values.length; i++) {
    const v = map.values[i];
    if (v === v) region[i] ? (P[pos++] = v) : (N[neg++] = v);
  }
  P.sort();
  N.sort();
  let p = pos - 1;
  let n = neg - 1;
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let pro = 0;
  let prevFpr = 0;
  let prevTpr = 0;
  while (p >= 0 || n >= 0) {
    // The next threshold: the larger of the two sides' current values; take every pixel at it.
    const s = p < 0 ? N[n] : n < 0 ? P[p] : Math.max(P[p], N[n]);
    while (p >= 0 && P[p] === s) {
      tp++;
      p--;
    }
    while (n >= 0 && N[n] === s) {
      fp++;
      n--;
    }
    const fpr = fp / neg;
    const tpr = tp / pos;
    auc += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
    if (prevFpr < maxFpr) {
      // Trapezoid up to maxFpr, interpolating the last segment.
      const end = Math.min(fpr, maxFpr);
      const tEnd = fpr > prevFpr ? prevTpr + ((tpr - prevTpr) * (end - prevFpr)) / (fpr - prevFpr) : tpr;
      pro += ((end - prevFpr) * (prevTpr + tEnd)) / 2;
    }
    prevFpr = fpr;
    prevTpr = tpr;
  }
  return { auroc: auc, pro: pro / maxFpr };
}

/** Outer band of the image: `share` of each side (heatmap.ts: 5%). */
export function borderBand(width: number, height: number, share = 0.05): Uint8Array {
  const m = new Uint8Array(width * height);
  const bx = Math.max(1, Math.round(share * width));
  const by = Math.max(1, Math.round(share * height));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (x < bx || x >= width - bx || y < by || y >= height - by) m[y * width + x] = 1;
  return m;
}

/** Of the hottest `top` share of covered pixels, the share of their summed value inside `zone` (heatmap.ts's measure). */
export function topShareIn(map: MapOnImage, zone: Uint8Array, top = 0.1): number {
  checkSizes(map, zone);
  const covered: number[] = [];
  for (const v of map.values) if (v === v) covered.push(v);
  if (covered.length === 0) return NaN;
  covered.sort((a, b) => a - b);
  const cut = covered[Math.min(covered.length - 1, Math.floor((1 - top) * covered.length))];
  let mass = 0;
  let inZone = 0;
  for (let i = 0; i < map.values.length; i++) {
    const v = map.values[i];
    if (!(v >= cut)) continue;
    mass += v;
    if (zone[i]) inZone += v;
  }
  return mass > 0 ? inZone / mass : 0;
}

function checkSizes(map: MapOnImage, mask: Uint8Array): void {
  if (map.values.length !== map.width * map.height || mask.length !== map.values.length)
    throw new XrayError('INTERNAL', `map ${map.width}x${map.height} and mask of ${mask.length} pixels differ`);
}
