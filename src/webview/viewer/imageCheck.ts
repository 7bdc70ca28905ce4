/**
 * The image message is the largest thing the host sends and the one whose shape matters most: check
 * it before anything allocates canvases, and accept pixel data that lost its typed-array class on the
 * way (a plain array or an ArrayBuffer) by rebuilding the array the header describes.
 */
import type { PixelData, XrayImage } from './types';

const MAX_PIXELS = 100_000_000;

export function checkImage(raw: unknown): { image: XrayImage } | { problem: string } {
  if (typeof raw !== 'object' || raw === null) return { problem: 'no image in the message' };
  const img = raw as XrayImage;
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    return { problem: `invalid size ${String(width)} x ${String(height)}` };
  if (width * height > MAX_PIXELS)
    return { problem: `${width} x ${height} is over the viewer's limit of ${MAX_PIXELS / 1e6} megapixels` };
  const data = toPixelData(img.data, img.bitsStored, img.signed);
  if (!data) return { problem: 'pixel data is missing or of an unsupported type' };
  if (data.length !== width * height)
    return { problem: `pixel data holds ${data.length} samples, expected ${width * height}` };
  const slope = Number.isFinite(img.rescale?.slope) && img.rescale.slope !== 0 ? img.rescale.slope : 1;
  const intercept = Number.isFinite(img.rescale?.intercept) ? img.rescale.intercept : 0;
  return {
    image: {
      ...img,
      data,
      rescale: { slope, intercept, unit: img.rescale?.unit },
      windows: Array.isArray(img.windows) ? img.windows : [],
      source: {
        format: img.source?.format ?? 'png',
        encoding: img.source?.encoding ?? '',
        transferSyntaxUid: img.source?.transferSyntaxUid,
        notices: Array.isArray(img.source?.notices) ? img.source.notices : [],
      },
      pixelSpacing:
        Array.isArray(img.pixelSpacing) &&
        img.pixelSpacing.length === 2 &&
        img.pixelSpacing.every((v) => Number.isFinite(v) && v > 0)
          ? img.pixelSpacing
          : undefined,
    },
  };
}

function toPixelData(data: unknown, bits: number, signed: boolean): PixelData | undefined {
  if (
    data instanceof Uint8Array ||
    data instanceof Uint16Array ||
    data instanceof Int16Array ||
    data instanceof Float32Array
  )
    return data;
  const Ctor = bits === 32 ? Float32Array : bits > 8 ? (signed ? Int16Array : Uint16Array) : Uint8Array;
  if (data instanceof ArrayBuffer) return data.byteLength % Ctor.BYTES_PER_ELEMENT === 0 ? new Ctor(data) : undefined;
  if (Array.isArray(data)) return Ctor.from(data);
  return undefined;
}

/**
 * The full image a reduced copy stands for, checked against the copy: whole numbers, and the copy's
 * size what block means of that factor give (so readout and placement cannot drift).
 */
export function checkReducedFrom(
  raw: unknown,
  copy: { width: number; height: number },
): { width: number; height: number; factor: number } | { problem: string } {
  if (typeof raw !== 'object' || raw === null) return { problem: 'the full image size is missing' };
  const { width, height, factor } = raw as { width: unknown; height: unknown; factor: unknown };
  if (!isCount(width) || !isCount(height) || !isCount(factor) || factor < 2)
    return { problem: `invalid full size ${String(width)} x ${String(height)} / ${String(factor)}` };
  if (width * height > MAX_PIXELS)
    return { problem: `${width} x ${height} is over the viewer's limit of ${MAX_PIXELS / 1e6} megapixels` };
  if (Math.ceil(width / factor) !== copy.width || Math.ceil(height / factor) !== copy.height)
    return { problem: `a ${copy.width} x ${copy.height} copy does not reduce ${width} x ${height} by ${factor}` };
  return { width, height, factor };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}
