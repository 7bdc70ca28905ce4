/**
 * Separable resampling with precomputed taps. Coordinates are continuous with pixel i covering
 * [i, i+1), so destination pixel x covers source [x*r, (x+1)*r) with r = srcLength / dstLength; this is
 * what makes the recorded affines exact.
 *
 * Shrinking uses area averaging (each source pixel weighted by its overlap, like OpenCV's INTER_AREA)
 * so thin structures are not aliased away; enlarging uses bilinear interpolation with half-pixel centres
 * (OpenCV's INTER_LINEAR). The first (vertical) pass reads the full-resolution raster once, through the
 * lookup table when there is one, and shrinks it before anything else touches it.
 */
import type { Raster } from './raster';

export interface Taps {
  /** First source index of each destination pixel. */
  start: Int32Array;
  count: Int32Array;
  /** Offset of each destination pixel's weights in `weight`. */
  offset: Int32Array;
  weight: Float32Array;
}

export function buildTaps(srcLength: number, dstLength: number): Taps {
  return dstLength <= srcLength ? areaTaps(srcLength, dstLength) : bilinearTaps(srcLength, dstLength);
}

function areaTaps(n: number, m: number): Taps {
  const r = n / m;
  const start = new Int32Array(m);
  const count = new Int32Array(m);
  const offset = new Int32Array(m);
  const weights: number[] = [];
  for (let x = 0; x < m; x++) {
    const a = x * r;
    const b = (x + 1) * r;
    const i0 = Math.floor(a);
    const i1 = Math.min(n, Math.ceil(b - 1e-9));
    start[x] = i0;
    offset[x] = weights.length;
    let total = 0;
    const first = weights.length;
    for (let i = i0; i < i1; i++) {
      const w = Math.min(i + 1, b) - Math.max(i, a);
      weights.push(w);
      total += w;
    }
    // Renormalise so rounding in a and b never brightens or darkens a flat region.
    for (let k = first; k < weights.length; k++) weights[k] /= total;
    count[x] = i1 - i0;
  }
  return { start, count, offset, weight: Float32Array.from(weights) };
}

function bilinearTaps(n: number, m: number): Taps {
  const r = n / m;
  const start = new Int32Array(m);
  const count = new Int32Array(m);
  const offset = new Int32Array(m);
  const weight = new Float32Array(2 * m);
  for (let x = 0; x < m; x++) {
    const c = (x + 0.5) * r - 0.5;
    const i0 = Math.floor(c);
    const f = c - i0;
    offset[x] = 2 * x;
    if (i0 < 0 || i0 >= n - 1 || f === 0) {
      // Beyond the outer sample centres (or exactly on a sample): one clamped tap.
      start[x] = Math.min(n - 1, Math.max(0, i0));
      count[x] = 1;
      weight[2 * x] = 1;
    } else {
      start[x] = i0;
      count[x] = 2;
      weight[2 * x] = 1 - f;
      weight[2 * x + 1] = f;
    }
  }
  return { start, count, offset, weight };
}

/**
 * Resamples `src` to dstW x dstH and writes it into `dst` (row stride `dstStride`) at (dstX, dstY);
 * resizePad uses the offset to write straight into the padded canvas.
 *
 * Rows first: each output row accumulates its few weighted source rows with contiguous loops (the
 * full-resolution image is read once, through the lookup table), then the now short image is
 * resampled along x.
 */
/**
 * A source that produces its values one row at a time, never holding the whole image: a pointwise-
 * per-row step (CLAHE) feeding the resampling directly, so its full-resolution output is never stored.
 * `row(y, out)` writes row y (srcW values) into `out`; rows are requested in increasing order.
 */
export interface RowSource {
  kind: 'rows';
  width: number;
  height: number;
  row(y: number, out: Float32Array): void;
}

export function resampleInto(
  src: Raster | RowSource,
  dstW: number,
  dstH: number,
  dst: Float32Array,
  dstStride: number,
  dstX: number,
  dstY: number,
): void {
  const srcW = src.width;
  const mid = new Float32Array(dstH * srcW);
  const v = buildTaps(src.height, dstH);
  // Row sources: one row buffer, kept while consecutive output rows share their boundary source row.
  const rowBuf = src.kind === 'rows' ? new Float32Array(srcW) : undefined;
  let rowInBuf = -1;
  for (let y = 0; y < dstH; y++) {
    const o = y * srcW;
    for (let k = 0; k < v.count[y]; k++) {
      const w = v.weight[v.offset[y] + k];
      const base = (v.start[y] + k) * srcW;
      if (src.kind === 'rows') {
        const sy = v.start[y] + k;
        if (sy !== rowInBuf) src.row((rowInBuf = sy), rowBuf!);
        const d = rowBuf!;
        for (let x = 0; x < srcW; x++) mid[o + x] += w * d[x];
      } else if (src.kind === 'lut') {
        const { samples, lut, lutOffset } = src;
        if (lutOffset === 0) for (let x = 0; x < srcW; x++) mid[o + x] += w * lut[samples[base + x]];
        else for (let x = 0; x < srcW; x++) mid[o + x] += w * lut[samples[base + x] + lutOffset];
      } else {
        const d = src.data;
        for (let x = 0; x < srcW; x++) mid[o + x] += w * d[base + x];
      }
    }
  }
  const { start, count, offset, weight } = buildTaps(srcW, dstW);
  for (let y = 0; y < dstH; y++) {
    const row = y * srcW;
    const o = (dstY + y) * dstStride + dstX;
    for (let x = 0; x < dstW; x++) {
      const s0 = row + start[x];
      const w0 = offset[x];
      const c = count[x];
      let acc = 0;
      for (let k = 0; k < c; k++) acc += weight[w0 + k] * mid[s0 + k];
      dst[o + x] = acc;
    }
  }
}
