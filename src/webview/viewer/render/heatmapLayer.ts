/**
 * The anomaly map as a small coloured canvas (drawn through toImage so it registers with the image
 * pixels) plus its threshold outline. Colouring and outlining are redone only when the colormap or the
 * threshold changes.
 */
import type { Colormap } from '../../../protocol/viewer';
import { isolines } from '../contour';
import type { AnomalyMap } from '../types';
import { colormapLut } from './colormaps';

export class HeatmapLayer {
  readonly canvas: HTMLCanvasElement;
  private painted = '';
  private threshold = NaN;
  private segs: Float32Array = new Float32Array(0);

  constructor(readonly map: AnomalyMap) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = map.width;
    this.canvas.height = map.height;
  }

  /** Colours the map; `floor` makes low values transparent (see colormaps.floorAlpha). */
  paint(colormap: Colormap, floor = 0): void {
    const key = `${colormap}@${floor}`;
    if (key === this.painted) return;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(this.map.width, this.map.height);
    const px = new Uint32Array(img.data.buffer);
    const lut = colormapLut(colormap, floor);
    const d = this.map.data;
    for (let i = 0; i < px.length; i++) {
      const v = d[i];
      // NaN (no data) stays transparent.
      px[i] = v === v ? lut[Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255)] : 0;
    }
    ctx.putImageData(img, 0, 0);
    this.painted = key;
  }

  /** Outline segments in map pixel coordinates for this threshold (cached). */
  segments(threshold: number): Float32Array {
    if (threshold !== this.threshold) {
      this.segs = isolines(this.map.data, this.map.width, this.map.height, threshold);
      this.threshold = threshold;
    }
    return this.segs;
  }

  private top?: { share: number; level: number; segs: Float32Array };

  /** This image's own hottest `share` of the map (topLevel) and its outline segments (cached). */
  topRegion(share = TOP_SHARE): { level: number; segs: Float32Array } {
    if (this.top?.share !== share) {
      const level = topLevel(this.map, share);
      this.top = {
        share,
        level,
        segs: Number.isFinite(level)
          ? isolines(this.map.data, this.map.width, this.map.height, level)
          : new Float32Array(0),
      };
    }
    return this.top;
  }
}

/**
 * The share of the map drawn as "where the model looks" whatever the score: its hottest 5%, outlined even
 * when every value is far below the threshold, so a below-threshold image still shows its top regions.
 */
export const TOP_SHARE = 0.05;

/** The map value above which its hottest `share` lies (NaN ignored); NaN for a map with no values. */
export function topLevel(map: AnomalyMap, share = TOP_SHARE): number {
  const vals: number[] = [];
  for (const v of map.data) if (v === v) vals.push(v);
  if (vals.length === 0) return NaN;
  vals.sort((a, b) => a - b);
  const level = vals[Math.min(vals.length - 1, Math.floor((1 - share) * vals.length))];
  // A flat map has no top region: nothing stands out to outline.
  return level > vals[0] ? level : NaN;
}

/** Sum and max of the received map, reported back to the host as proof of what arrived. */
export function mapStats(map: AnomalyMap): { sum: number; max: number } {
  let sum = 0;
  let max = -Infinity;
  const d = map.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v === v) {
      sum += v;
      if (v > max) max = v;
    }
  }
  return { sum, max: max === -Infinity ? NaN : max };
}

/**
 * Bilinear map value at continuous map coordinates (pixel centres at +0.5), matching the smoothed
 * overlay on screen; undefined outside the map.
 */
export function sampleMap(map: AnomalyMap, mx: number, my: number): number | undefined {
  if (!(mx >= 0 && my >= 0 && mx < map.width && my < map.height)) return undefined;
  const x = Math.min(Math.max(mx - 0.5, 0), map.width - 1);
  const y = Math.min(Math.max(my - 0.5, 0), map.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, map.width - 1);
  const y1 = Math.min(y0 + 1, map.height - 1);
  const fx = x - x0;
  const fy = y - y0;
  const d = map.data;
  const w = map.width;
  const top = d[y0 * w + x0] * (1 - fx) + d[y0 * w + x1] * fx;
  const bottom = d[y1 * w + x0] * (1 - fx) + d[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/** The map's region at or above a threshold, placed on the image: what the outline encloses. */
export interface HotRegion {
  /** Map pixels at or above the threshold. */
  pixels: number;
  /** Mean position of those pixels' centres, in image pixel coordinates. */
  centroid: [number, number];
  /** Image-space bounding box [x0, y0, x1, y1] of those pixels (their full extent, not centres). */
  bounds: [number, number, number, number];
}

/**
 * Where the above-threshold part of the map lands on the image, through toImage. This is how a test
 * (or a person reading the report) checks that the overlay registers with the pixels that caused it.
 */
export function hotRegion(map: AnomalyMap, threshold: number): HotRegion | undefined {
  const { width: w, height: h, data: d, toImage: m } = map;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!(d[y * w + x] >= threshold)) continue;
      n++;
      sx += x + 0.5;
      sy += y + 0.5;
      if (x < x0) x0 = x;
      if (x + 1 > x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y + 1 > y1) y1 = y + 1;
    }
  }
  if (n === 0) return undefined;
  const cx = sx / n;
  const cy = sy / n;
  const corners = [
    [x0, y0],
    [x1, y0],
    [x0, y1],
    [x1, y1],
  ].map(([x, y]) => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]]);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return {
    pixels: n,
    centroid: [m[0] * cx + m[1] * cy + m[2], m[3] * cx + m[4] * cy + m[5]],
    bounds: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}
