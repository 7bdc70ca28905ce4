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
  private colormap?: Colormap;
  private threshold = NaN;
  private segs: Float32Array = new Float32Array(0);

  constructor(readonly map: AnomalyMap) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = map.width;
    this.canvas.height = map.height;
  }

  paint(colormap: Colormap): void {
    if (colormap === this.colormap) return;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(this.map.width, this.map.height);
    const px = new Uint32Array(img.data.buffer);
    const lut = colormapLut(colormap);
    const d = this.map.data;
    for (let i = 0; i < px.length; i++) {
      const v = d[i];
      // NaN (no data) stays transparent.
      px[i] = v === v ? lut[Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255)] : 0;
    }
    ctx.putImageData(img, 0, 0);
    this.colormap = colormap;
  }

  /** Outline segments in map pixel coordinates for this threshold (cached). */
  segments(threshold: number): Float32Array {
    if (threshold !== this.threshold) {
      this.segs = isolines(this.map.data, this.map.width, this.map.height, threshold);
      this.threshold = threshold;
    }
    return this.segs;
  }
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
