/**
 * Whole-image loops shared by the decoders. They run over millions of samples, so they are plain
 * indexed loops with no per-pixel callbacks.
 */
import type { PixelData } from '../image/types';

export type IntSamples = Uint8Array | Uint16Array | Int16Array;

export function minMax(data: PixelData): { min: number; max: number } {
  const n = data.length;
  if (n === 0) return { min: 0, max: 0 };
  let min = data[0];
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = data[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}

/** Stored-value range mapped through the rescale; a negative slope swaps the ends. */
export function modalityRange(stored: { min: number; max: number }, slope: number, intercept: number): { min: number; max: number } {
  const a = stored.min * slope + intercept;
  const b = stored.max * slope + intercept;
  return a <= b ? { min: a, max: b } : { min: b, max: a };
}

export interface GreyResult<T extends IntSamples> {
  grey: T;
  /** True when every pixel had R = G = B, i.e. nothing was lost by taking one channel. */
  channelsIdentical: boolean;
}

/**
 * Colour samples to one grey sample per pixel (ITU-R BT.601 luma, the weights DICOM uses for YBR).
 * `planar` is DICOM Planar Configuration 1 (all R, then all G, then all B); otherwise interleaved with
 * `stride` samples per pixel (extra samples such as alpha are ignored).
 */
export function colourToGrey<T extends IntSamples>(src: T, pixels: number, stride: number, planar: boolean, make: (n: number) => T): GreyResult<T> {
  const grey = make(pixels);
  const gOff = planar ? pixels : 1;
  const bOff = planar ? 2 * pixels : 2;
  const step = planar ? 1 : stride;
  let identical = true;
  for (let i = 0, p = 0; i < pixels; i++, p += step) {
    const r = src[p];
    const g = src[p + gOff];
    const b = src[p + bOff];
    if (r === g && g === b) {
      grey[i] = r;
    } else {
      identical = false;
      // Fixed-point weights 0.299/0.587/0.114 * 65536; doubles keep 16-bit products exact.
      grey[i] = (r * 19595 + g * 38470 + b * 7471 + 32768) / 65536;
    }
  }
  return { grey, channelsIdentical: identical };
}

/** Every `stride`-th sample starting at `offset` (one channel out of interleaved samples). */
export function takeChannel<T extends IntSamples>(src: T, pixels: number, stride: number, offset: number, make: (n: number) => T): T {
  const out = make(pixels);
  for (let i = 0, p = offset; i < pixels; i++, p += stride) out[i] = src[p];
  return out;
}

/** Whether any pixel of an interleaved alpha channel is less than fully opaque. */
export function hasTransparency(src: IntSamples, pixels: number, stride: number, alphaOffset: number, opaque: number): boolean {
  for (let i = 0, p = alphaOffset; i < pixels; i++, p += stride) if (src[p] !== opaque) return true;
  return false;
}
