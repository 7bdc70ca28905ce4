/**
 * The image a pipeline works on. Steps see one of two representations:
 *
 * - `lut`: the decoder's integer samples plus a lookup table from sample to value. Every pointwise step
 *   (windowing, inversion, equalisation, scaling) only rewrites the 256- or 65536-entry table, so a
 *   full-resolution radiograph is read exactly once, by the first geometric step, which resamples
 *   through the table. This is what keeps a 5-megapixel 16-bit image well under the time budget.
 * - `float`: materialised values, after a geometric step or for float-valued sources.
 *
 * Steps that need real pixels (crop detection, CLAHE, text masking...) call `materialize`.
 */
import type { PixelData, XrayImage } from '../image/types';

export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

export type IntegerSamples = Uint8Array | Uint16Array | Int16Array;

export type Raster =
  | { kind: 'float'; width: number; height: number; data: Float32Array }
  | {
      kind: 'lut';
      width: number;
      height: number;
      samples: IntegerSamples;
      /** value of sample s = lut[s + lutOffset] (offset 32768 for signed 16-bit). */
      lut: Float32Array;
      lutOffset: number;
      /** Count of each sample, indexed like lut; computed once on demand and shared by later steps. */
      histogram?: Uint32Array;
    };

export function isIntegerSamples(data: PixelData): data is IntegerSamples {
  return data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Int16Array;
}

/** Modality values (stored * slope + intercept) of a decoded image, without touching its pixels when they are integers. */
export function rasterFromImage(image: XrayImage): Raster {
  const { width, height, data } = image;
  const { slope, intercept } = image.rescale;
  if (isIntegerSamples(data)) {
    const size = data instanceof Uint8Array ? 256 : 65536;
    const lutOffset = data instanceof Int16Array ? 32768 : 0;
    const lut = new Float32Array(size);
    for (let i = 0; i < size; i++) lut[i] = (i - lutOffset) * slope + intercept;
    return { kind: 'lut', width, height, samples: data, lut, lutOffset };
  }
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = data[i] * slope + intercept;
    // NaN/Inf samples (float TIFF no-data) would poison every statistic downstream; treat them as no signal.
    out[i] = Number.isFinite(v) ? v : 0;
  }
  return { kind: 'float', width, height, data: out };
}

export function materialize(r: Raster): FloatImage {
  if (r.kind === 'float') return { width: r.width, height: r.height, data: r.data };
  const { samples, lut, lutOffset } = r;
  const out = new Float32Array(r.width * r.height);
  if (lutOffset === 0) for (let i = 0; i < out.length; i++) out[i] = lut[samples[i]];
  else for (let i = 0; i < out.length; i++) out[i] = lut[samples[i] + lutOffset];
  return { width: r.width, height: r.height, data: out };
}

export function sampleHistogram(r: Extract<Raster, { kind: 'lut' }>): Uint32Array {
  if (r.histogram) return r.histogram;
  // Four interleaved sub-histograms: neighbouring pixels of a radiograph often share a value, and
  // incrementing one counter back to back serialises on the store; this roughly halves the time.
  const size = r.lut.length;
  const { samples, lutOffset } = r;
  const n = r.width * r.height;
  const sub = new Uint32Array(4 * size);
  const o1 = size + lutOffset;
  const o2 = 2 * size + lutOffset;
  const o3 = 3 * size + lutOffset;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    sub[samples[i] + lutOffset]++;
    sub[samples[i + 1] + o1]++;
    sub[samples[i + 2] + o2]++;
    sub[samples[i + 3] + o3]++;
  }
  for (; i < n; i++) sub[samples[i] + lutOffset]++;
  const h = new Uint32Array(size);
  for (let j = 0; j < size; j++) h[j] = sub[j] + sub[j + size] + sub[j + 2 * size] + sub[j + 3 * size];
  r.histogram = h;
  return h;
}

/** Smallest and largest value present (not merely representable). */
export function valueRange(r: Raster): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  if (r.kind === 'float') {
    const d = r.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    const h = sampleHistogram(r);
    const lut = r.lut;
    for (let i = 0; i < h.length; i++) {
      if (h[i] === 0) continue;
      const v = lut[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min > max) return { min: 0, max: 0 };
  return { min, max };
}

/**
 * Applies a pointwise function to every value. On a lut raster it runs once per table entry (at most
 * 65536 calls), on a float raster once per pixel: float rasters are normally already model-sized.
 */
export function mapValues(r: Raster, f: (v: number) => number): Raster {
  if (r.kind === 'lut') {
    const lut = new Float32Array(r.lut.length);
    for (let i = 0; i < lut.length; i++) lut[i] = f(r.lut[i]);
    return { ...r, lut };
  }
  const out = new Float32Array(r.data.length);
  const d = r.data;
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]);
  return { kind: 'float', width: r.width, height: r.height, data: out };
}

/** Linear map with clamping, written out so full-resolution float sources avoid a call per pixel. */
export function mapLinearClamped(r: Raster, scale: number, offset: number, lo: number, hi: number): Raster {
  const src = r.kind === 'lut' ? r.lut : r.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * scale + offset;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return r.kind === 'lut' ? { ...r, lut: out } : { kind: 'float', width: r.width, height: r.height, data: out };
}

/** Mean value over an axis-aligned rectangle (clamped to the image). */
export function rectMean(r: Raster, x0: number, y0: number, w: number, h: number): number {
  const xa = Math.max(0, Math.min(r.width, x0));
  const ya = Math.max(0, Math.min(r.height, y0));
  const xb = Math.max(xa, Math.min(r.width, x0 + w));
  const yb = Math.max(ya, Math.min(r.height, y0 + h));
  let sum = 0;
  for (let y = ya; y < yb; y++) {
    const row = y * r.width;
    if (r.kind === 'float') for (let x = xa; x < xb; x++) sum += r.data[row + x];
    else for (let x = xa; x < xb; x++) sum += r.lut[r.samples[row + x] + r.lutOffset];
  }
  const n = (xb - xa) * (yb - ya);
  return n > 0 ? sum / n : 0;
}
