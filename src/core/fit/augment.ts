/**
 * Acquisition augmentations of normal images for fitting: what changes between devices, exposures and
 * patients' positioning but not between normal and abnormal — a gamma and window change, and a crop
 * that changes the field and the aspect ratio (many data sets, this one included, squash images of
 * different shapes to one square size). Fitting the normal model on these as well teaches it that such
 * changes are normal, so new patients' normal images score like the fitting ones.
 */
import type { Rng } from './random';

export interface AugmentOptions {
  /** Gamma drawn log-uniformly in [1/g, g] (default 1.5). */
  gamma?: number;
  /** Contrast factor range around mid-grey (default ±0.15) and brightness shift (default ±0.06). */
  contrast?: number;
  brightness?: number;
  /** Smallest kept share of width and of height (independently; default 0.82). */
  minCrop?: number;
}

/** A copy of a greyscale image ([0, 1], row-major w × h) with one random acquisition change. */
export function augmentAcquisition(
  img: Float32Array,
  w: number,
  h: number,
  rng: Rng,
  o: AugmentOptions = {},
): Float32Array {
  const g = o.gamma ?? 1.5;
  const gamma = Math.exp((2 * rng() - 1) * Math.log(g));
  const contrast = 1 + (2 * rng() - 1) * (o.contrast ?? 0.15);
  const bright = (2 * rng() - 1) * (o.brightness ?? 0.06);
  const min = o.minCrop ?? 0.82;
  const cw = w * (min + (1 - min) * rng());
  const ch = h * (min + (1 - min) * rng());
  const x0 = (w - cw) * rng();
  const y0 = (h - ch) * rng();
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(h - 1, Math.max(0, y0 + ((y + 0.5) * ch) / h - 0.5));
    const iy = Math.min(h - 2, Math.floor(sy));
    const fy = sy - iy;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(w - 1, Math.max(0, x0 + ((x + 0.5) * cw) / w - 0.5));
      const ix = Math.min(w - 2, Math.floor(sx));
      const fx = sx - ix;
      const a = img[iy * w + ix] * (1 - fx) + img[iy * w + ix + 1] * fx;
      const b = img[(iy + 1) * w + ix] * (1 - fx) + img[(iy + 1) * w + ix + 1] * fx;
      let v = a * (1 - fy) + b * fy;
      v = Math.pow(Math.min(1, Math.max(0, v)), gamma);
      v = (v - 0.5) * contrast + 0.5 + bright;
      out[y * w + x] = Math.min(1, Math.max(0, v));
    }
  }
  return out;
}
