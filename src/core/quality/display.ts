/**
 * The 8-bit display values that the quality measures read: the file's first window preset, else the whole
 * range its stored bits can hold (a 12-bit image that uses only its lowest levels is dark, as it would be on
 * a plain viewer). Unlike the thumbnail (engine/batch/media.ts), nothing is stretched to the image's own
 * percentiles: that would make every under- or over-exposed image look normal. MONOCHROME1 is inverted.
 */
import type { XrayImage } from '../image/types';

export function displayRange(image: XrayImage): { lo: number; hi: number } {
  const w = image.windows[0];
  if (w && w.width > 0) return { lo: w.center - w.width / 2, hi: w.center + w.width / 2 };
  const { slope, intercept } = image.rescale;
  if (image.data instanceof Float32Array || image.bitsStored >= 32) return { lo: image.range.min, hi: image.range.max };
  const levels = 2 ** image.bitsStored;
  const s0 = image.signed ? -levels / 2 : 0;
  const a = s0 * slope + intercept;
  const b = (s0 + levels - 1) * slope + intercept;
  return { lo: Math.min(a, b), hi: Math.max(a, b) };
}

export function displayGrey(image: XrayImage): Uint8Array {
  const { data } = image;
  const { slope, intercept } = image.rescale;
  const { lo, hi } = displayRange(image);
  const span = hi > lo ? hi - lo : 1;
  const invert = image.photometric === 'MONOCHROME1';
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] * slope + intercept;
    // NaN ("no data" in float images) shows black.
    let t = v === v ? ((v - lo) / span) * 255 : 0;
    t = t > 0 ? (t < 255 ? Math.round(t) : 255) : 0;
    out[i] = invert ? 255 - t : t;
  }
  return out;
}
