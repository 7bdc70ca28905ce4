/**
 * Exact raster edits: crop, quarter-turn rotation and writing a few pixel values. Lookup-table rasters
 * stay lookup-table rasters (only their integer samples move), so a 16-bit radiograph is copied as 2
 * bytes a pixel and later pointwise steps still cost one table rewrite.
 */
import type { Affine } from '../image/types';
import { carryCrop, carryTurn, lutMonotone } from './analysis';
import { materialize, type IntegerSamples, type Raster } from './raster';
import type { Rect } from './state';

type Pixels = IntegerSamples | Float32Array | Uint8Array;

function like<T extends Pixels>(src: T, n: number): T {
  return new (src.constructor as new (n: number) => T)(n);
}

/**
 * Pixel arrays this module made (crop and turn copies): no decoder, caller or cache outside the pipeline
 * holds them, so a pipeline that keeps no earlier state (PipelineState.scratch) may overwrite them.
 */
const madeHere = new WeakSet<object>();

/** The pixels of `rect` (which must lie inside the w-wide image), row by row. */
export function cropPixels<T extends Pixels>(src: T, w: number, rect: Rect): T {
  const out = like(src, rect.width * rect.height);
  madeHere.add(out);
  for (let y = 0; y < rect.height; y++) {
    const from = (rect.y + y) * w + rect.x;
    out.set(src.subarray(from, from + rect.width) as ArrayLike<number>, y * rect.width);
  }
  return out;
}

export function cropRaster(r: Raster, rect: Rect): Raster {
  const out: Raster =
    r.kind === 'float'
      ? { kind: 'float', width: rect.width, height: rect.height, data: cropPixels(r.data, r.width, rect) }
      : {
          kind: 'lut',
          width: rect.width,
          height: rect.height,
          samples: cropPixels(r.samples, r.width, rect),
          lut: r.lut,
          lutOffset: r.lutOffset,
        };
  carryCrop(r, out, rect);
  return out;
}

export type Turn = 'cw' | 'ccw';

/**
 * Quarter turn of a w x h image (output h x w). Clockwise: input pixel (x, y) goes to (h-1-y, x);
 * counter-clockwise: to (y, w-1-x). In 64 x 64 tiles so both reads and writes stay within cache lines,
 * each tile by a top-level function that moves four columns at a time (the four reads share a cache
 * line): 20% faster than one column at a time inline (2380 x 1923 16-bit: 12.0 vs 15.3 ms).
 */
export function rotatePixels<T extends Pixels>(src: T, w: number, h: number, turn: Turn): T {
  const out = like(src, w * h);
  madeHere.add(out);
  const T = 64;
  // cw: (x, y) -> index x*h + h-1-y; ccw: (w-1-x)*h + y. Both: base + x*colStep + y*rowStep.
  const base = turn === 'cw' ? h - 1 : (w - 1) * h;
  const colStep = turn === 'cw' ? h : -h;
  const rowStep = turn === 'cw' ? -1 : 1;
  for (let y0 = 0; y0 < h; y0 += T) {
    const y1 = Math.min(h, y0 + T);
    for (let x0 = 0; x0 < w; x0 += T) turnTile(src, out, w, x0, Math.min(w, x0 + T), y0, y1, base, colStep, rowStep);
  }
  return out;
}

function turnTile(
  src: Pixels,
  out: Pixels,
  w: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  base: number,
  colStep: number,
  rowStep: number,
): void {
  let x = x0;
  for (; x + 3 < x1; x += 4) {
    const o0 = base + x * colStep;
    const o1 = o0 + colStep;
    const o2 = o1 + colStep;
    const o3 = o2 + colStep;
    for (let y = y0; y < y1; y++) {
      const i = y * w + x;
      const d = y * rowStep;
      out[o0 + d] = src[i];
      out[o1 + d] = src[i + 1];
      out[o2 + d] = src[i + 2];
      out[o3 + d] = src[i + 3];
    }
  }
  for (; x < x1; x++) {
    const o = base + x * colStep;
    for (let y = y0; y < y1; y++) out[o + y * rowStep] = src[y * w + x];
  }
}

export function rotateRaster(r: Raster, turn: Turn): Raster {
  const { width: w, height: h } = r;
  const out: Raster =
    r.kind === 'float'
      ? { kind: 'float', width: h, height: w, data: rotatePixels(r.data, w, h, turn) }
      : // The sample histogram does not depend on the orientation.
        {
          kind: 'lut',
          width: h,
          height: w,
          samples: rotatePixels(r.samples, w, h, turn),
          lut: r.lut,
          lutOffset: r.lutOffset,
          ...(r.histogram ? { histogram: r.histogram } : {}),
        };
  carryTurn(r, out, turn);
  return out;
}

/** Output pixel coordinates -> input pixel coordinates of a quarter turn of a w x h image (continuous). */
export function turnAffine(w: number, h: number, turn: Turn): Affine {
  // cw: output (x', y') came from input (y', h - x'); ccw: from (w - y', x').
  return turn === 'cw' ? [0, 1, 0, -1, 0, h] : [0, -1, w, 1, 0, 0];
}

/** The rectangle after a quarter turn of the w x h image that holds it. */
export function turnRect(r: Rect, w: number, h: number, turn: Turn): Rect {
  return turn === 'cw'
    ? { x: h - r.y - r.height, y: r.x, width: r.height, height: r.width }
    : { x: r.y, y: w - r.x - r.width, width: r.height, height: r.width };
}

/**
 * The raster with some pixels set to new values. A lookup-table raster keeps its table when the table
 * is monotone: each value is written as the sample whose table entry is nearest, which is exact for
 * values the table holds (the black level after windowing) and within one table step otherwise. Other
 * rasters become float.
 *
 * A copy, never touching its input, unless `inPlace` (the pipeline keeps no earlier state) and the
 * samples are a copy this module made: then they are overwritten (saves a 10 MB copy per image).
 */
export function writeValues(
  r: Raster,
  index: ArrayLike<number>,
  values: ArrayLike<number>,
  exact = false,
  inPlace = false,
): Raster {
  if (r.kind === 'lut' && lutMonotone(r.lut)) {
    const { lut, lutOffset } = r;
    const inverse = nearestSample(lut);
    // Every new sample first: an exact write that cannot be exact must leave the pixels untouched.
    const news = new Int32Array(index.length);
    let ok = true;
    for (let k = 0; k < index.length && ok; k++) {
      const s = inverse(values[k]);
      if (exact && lut[s] !== values[k]) ok = false;
      news[k] = s - lutOffset;
    }
    if (ok) {
      const samples = inPlace && madeHere.has(r.samples) ? r.samples : r.samples.slice();
      for (let k = 0; k < index.length; k++) samples[index[k]] = news[k];
      return { kind: 'lut', width: r.width, height: r.height, samples, lut, lutOffset };
    }
  }
  const data = r.kind === 'float' ? (inPlace && madeHere.has(r.data) ? r.data : r.data.slice()) : materialize(r).data;
  for (let k = 0; k < index.length; k++) data[index[k]] = values[k];
  return { kind: 'float', width: r.width, height: r.height, data };
}

/** For a monotone table: value -> index of the nearest entry (binary search). */
function nearestSample(lut: Float32Array): (v: number) => number {
  const n = lut.length;
  const up = lut[n - 1] >= lut[0];
  return (v) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (up ? lut[mid] < v : lut[mid] > v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && Math.abs(lut[lo - 1] - v) <= Math.abs(lut[lo] - v)) return lo - 1;
    return lo;
  };
}
