/**
 * A reduced copy of a decoded image, for showing something at once while the full-resolution pixels
 * are still on their way to a viewer (a 2048 x 2500 16-bit radiograph is 10 MB, which takes most of a
 * second to cross VS Code's webview channel in code-server and longer over a remote link).
 *
 * Pure and synchronous: the extension host calls it on the image the engine returned. Each output
 * sample is the mean of an f x f block of stored values (area averaging, the edge blocks partial),
 * kept in the input's sample type, so the copy still holds real modality values: window/level presets
 * and the pixel readout work on it, approximately.
 */
import { XrayError } from '../core/errors';
import type { PixelData, XrayImage } from '../core/image/types';

export interface ReducedImage {
  /** The copy: same metadata as the input, `width`/`height`/`data`/`range` those of the copy. */
  image: XrayImage;
  /** Full-resolution pixels per copy pixel, along each axis (the last row/column may cover fewer). */
  factor: number;
}

/**
 * The copy whose longer side is at most `maxSide`, by the smallest integer factor that gets there;
 * undefined when the image is already that small (factor 1: nothing to gain).
 */
export function reduceImage(image: XrayImage, maxSide: number): ReducedImage | undefined {
  if (!(maxSide >= 1))
    throw new XrayError('INTERNAL', `A reduced image needs a size of at least 1 pixel, not ${maxSide}.`);
  const { width, height, data } = image;
  if (data.length !== width * height)
    throw new XrayError(
      'CORRUPT',
      `The image's pixel data holds ${data.length} samples for ${width} x ${height} pixels.`,
    );
  const factor = Math.ceil(Math.max(width, height) / Math.floor(maxSide));
  if (factor < 2) return undefined;
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const out = blockMeans(data, width, height, factor, w, h);
  return { image: { ...image, width: w, height: h, data: out, range: modalityRange(out, image.rescale) }, factor };
}

function blockMeans(data: PixelData, width: number, height: number, f: number, w: number, h: number): PixelData {
  const out = newLike(data, w * h);
  // One row of block sums at a time: the input is read once, in order.
  const sums = new Float64Array(w);
  const counts = new Float64Array(w);
  const round = !(data instanceof Float32Array);
  for (let by = 0; by < h; by++) {
    sums.fill(0);
    counts.fill(0);
    const y1 = Math.min(height, (by + 1) * f);
    for (let y = by * f; y < y1; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const v = data[row + x];
        // NaN (float "no data") would spread over the whole block; it counts as absent instead.
        if (v !== v) continue;
        const bx = (x / f) | 0;
        sums[bx] += v;
        counts[bx]++;
      }
    }
    const o = by * w;
    for (let bx = 0; bx < w; bx++)
      out[o + bx] = counts[bx] ? (round ? Math.round(sums[bx] / counts[bx]) : sums[bx] / counts[bx]) : NaN;
  }
  return out;
}

function newLike(data: PixelData, n: number): PixelData {
  if (data instanceof Uint8Array) return new Uint8Array(n);
  if (data instanceof Uint16Array) return new Uint16Array(n);
  if (data instanceof Int16Array) return new Int16Array(n);
  return new Float32Array(n);
}

function modalityRange(data: PixelData, rescale: XrayImage['rescale']): { min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return { min: NaN, max: NaN };
  const a = lo * rescale.slope + rescale.intercept;
  const b = hi * rescale.slope + rescale.intercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}
