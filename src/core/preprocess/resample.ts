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
 * A source that produces its values one row at a time, never holding the whole image: a pointwise-
 * per-row step (CLAHE) feeding the resampling directly, so its full-resolution output is never stored.
 * `row(y)` gives row y (srcW values) in a buffer the source may reuse: valid until its next call.
 * Rows are requested in increasing order.
 */
export interface RowSource {
  kind: 'rows';
  width: number;
  height: number;
  row(y: number): Float32Array;
  /**
   * Optional: rows already shrunk along x with these taps, with reduceFloat's exact arithmetic (so the
   * result is the same bit for bit); the function's buffer is valid until its next call.
   */
  shrunk?(taps: Taps): (y: number) => Float32Array;
  /** Optional: called once the consumer is done with the source (it may release what it holds). */
  done?(): void;
}

/**
 * Resamples `src` to dstW x dstH and writes it into `dst` (row stride `dstStride`) at (dstX, dstY);
 * resizePad uses the offset to write straight into the padded canvas.
 *
 * Along x first: each source row is read once (through the lookup table when there is one) and
 * shrunk to dstW values straight away, so the full-resolution row never leaves the L1 cache and the
 * intermediate image is only dstW wide. Then each output row sums its few weighted shrunk rows, kept
 * in a small ring (consecutive output rows share their boundary source rows). Every resize, joined
 * with CLAHE or not, goes through here, so the joined and separate paths give identical values.
 */
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
  const hz = buildTaps(srcW, dstW);
  const v = buildTaps(src.height, dstH);
  let window = 1;
  for (let y = 0; y < dstH; y++) window = Math.max(window, v.count[y]);
  // Source rows needed by one output row are consecutive, and both ends only move forward, so a ring
  // one longer than the widest window never evicts a row that is still needed.
  const slots = window + 1;
  const ring = new Float32Array(slots * dstW);
  const inSlot = new Int32Array(slots).fill(-1);
  const { start, count, offset, weight } = hz;
  const shrunk = src.kind === 'rows' ? src.shrunk?.(hz) : undefined;
  const shrinkRow = (sy: number, o: number): void => {
    if (shrunk) {
      ring.set(shrunk(sy), o);
    } else if (src.kind === 'rows') {
      reduceFloat(src.row(sy), 0, ring, o, dstW, start, count, offset, weight);
    } else if (src.kind === 'lut') {
      const { samples, lut, lutOffset } = src;
      // One loop per sample type: a loop fed several typed-array types goes megamorphic (see pixels.ts).
      if (lutOffset === 0 && samples instanceof Uint8Array)
        reduceLutU8(samples, sy * srcW, lut, ring, o, dstW, start, count, offset, weight);
      else if (lutOffset === 0 && samples instanceof Uint16Array)
        reduceLutU16(samples, sy * srcW, lut, ring, o, dstW, start, count, offset, weight);
      else reduceLutAny(samples, sy * srcW, lut, lutOffset, ring, o, dstW, start, count, offset, weight);
    } else {
      reduceFloat(src.data, sy * srcW, ring, o, dstW, start, count, offset, weight);
    }
  };
  const vStart = v.start;
  const vWeight = v.weight;
  for (let y = 0; y < dstH; y++) {
    const c = v.count[y];
    const w0 = v.offset[y];
    for (let k = 0; k < c; k++) {
      const sy = vStart[y] + k;
      const slot = sy % slots;
      if (inSlot[slot] !== sy) {
        shrinkRow(sy, slot * dstW);
        inSlot[slot] = sy;
      }
    }
    const o = (dstY + y) * dstStride + dstX;
    const r0 = (vStart[y] % slots) * dstW;
    // Each pixel's sum runs from 0 in tap order in doubles, as it always has (same values, -0 included);
    // one or two taps (enlarging, or shrinking by less than 2) get loops without the inner tap loop.
    if (c === 1) {
      const a0 = vWeight[w0];
      for (let x = 0; x < dstW; x++) dst[o + x] = 0 + a0 * ring[r0 + x];
    } else if (c === 2) {
      const a0 = vWeight[w0];
      const a1 = vWeight[w0 + 1];
      const r1 = ((vStart[y] + 1) % slots) * dstW;
      for (let x = 0; x < dstW; x++) dst[o + x] = 0 + a0 * ring[r0 + x] + a1 * ring[r1 + x];
    } else {
      for (let x = 0; x < dstW; x++) {
        let a = 0;
        for (let k = 0; k < c; k++) a += vWeight[w0 + k] * ring[((vStart[y] + k) % slots) * dstW + x];
        dst[o + x] = a;
      }
    }
  }
  if (src.kind === 'rows') src.done?.();
}

// The three bodies are identical but for the sample type (and the table offset of signed samples).
function reduceLutU8(
  samples: Uint8Array,
  base: number,
  lut: Float32Array,
  out: Float32Array,
  o: number,
  n: number,
  start: Int32Array,
  count: Int32Array,
  offset: Int32Array,
  weight: Float32Array,
): void {
  for (let x = 0; x < n; x++) {
    const s0 = base + start[x];
    const w0 = offset[x];
    const c = count[x];
    let a = 0;
    for (let k = 0; k < c; k++) a += weight[w0 + k] * lut[samples[s0 + k]];
    out[o + x] = a;
  }
}

function reduceLutU16(
  samples: Uint16Array,
  base: number,
  lut: Float32Array,
  out: Float32Array,
  o: number,
  n: number,
  start: Int32Array,
  count: Int32Array,
  offset: Int32Array,
  weight: Float32Array,
): void {
  for (let x = 0; x < n; x++) {
    const s0 = base + start[x];
    const w0 = offset[x];
    const c = count[x];
    let a = 0;
    for (let k = 0; k < c; k++) a += weight[w0 + k] * lut[samples[s0 + k]];
    out[o + x] = a;
  }
}

function reduceLutAny(
  samples: Uint8Array | Uint16Array | Int16Array,
  base: number,
  lut: Float32Array,
  lutOffset: number,
  out: Float32Array,
  o: number,
  n: number,
  start: Int32Array,
  count: Int32Array,
  offset: Int32Array,
  weight: Float32Array,
): void {
  for (let x = 0; x < n; x++) {
    const s0 = base + start[x];
    const w0 = offset[x];
    const c = count[x];
    let a = 0;
    for (let k = 0; k < c; k++) a += weight[w0 + k] * lut[samples[s0 + k] + lutOffset];
    out[o + x] = a;
  }
}

function reduceFloat(
  data: Float32Array,
  base: number,
  out: Float32Array,
  o: number,
  n: number,
  start: Int32Array,
  count: Int32Array,
  offset: Int32Array,
  weight: Float32Array,
): void {
  for (let x = 0; x < n; x++) {
    const s0 = base + start[x];
    const w0 = offset[x];
    const c = count[x];
    let a = 0;
    for (let k = 0; k < c; k++) a += weight[w0 + k] * data[s0 + k];
    out[o + x] = a;
  }
}
