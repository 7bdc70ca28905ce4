/**
 * PNG, JPEG and TIFF through sharp (libvips). Greyscale stays at its stored depth (8 or 16 bits);
 * colour is converted to grey here rather than by libvips, so the weights are known and a colour file
 * whose channels are all equal loses nothing.
 */
import sharp from 'sharp';
import { XrayError } from '../../errors';
import type { ImageFormat, PixelData, XrayImage } from '../../image/types';
import { checkPixelLimit, frameOutOfRange, libraryText, requestedFrame } from '../failures';
import { colourToGrey, exactCopy, hasTransparency, minMax, rgb8ToGrey, takeChannel, type IntSamples } from '../pixels';
import { DEFAULT_DECODE_TIMEOUT_MS, type DecodeContext, type ImageDecoder } from '../registry';
import { describeContent, rasterKind, type RasterKind } from '../sniff';
import { rasterHeader } from './header';
import { decodeJpegWasm } from './jpegWasm';
import { jpegComplete, pngStructure, tiffComplete } from './structure';

// libvips' operation cache keeps recent results keyed by their arguments; a decoder reads each file's bytes
// once, so it only costs: turned off, decoding a 224x224 chest JPEG took 3.0-4.5 CPU ms instead of 4.7-5.3
// (100 images, three runs each, interleaved; bench:vs-pytorch).
sharp.cache(false);

const LABEL: Record<RasterKind, string> = { png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF' };
/** File extensions of the raster formats (the decoder registry's format guess uses them too). */
export const RASTER_EXTENSIONS: Readonly<Record<string, RasterKind>> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
};

/** The header fields decoding uses: from rasterHeader, or from libvips for the rest. */
interface HeaderInfo {
  width: number;
  height: number;
  depth: string;
  channels: number;
  pages?: number;
  orientation?: number;
  space?: string;
  isPalette?: boolean;
  significantBits?: number[];
  plainJpeg?: boolean;
}

/** What libvips holds the samples as, collapsed to the three shapes we return. */
type Depth = 'uchar' | 'ushort' | 'float';

function depthOf(vipsDepth: string): Depth | undefined {
  if (vipsDepth === 'uchar' || vipsDepth === 'ushort') return vipsDepth;
  if (vipsDepth === 'float' || vipsDepth === 'double') return 'float';
  return undefined;
}

const SAMPLE_NAMES: Record<string, string> = {
  char: 'signed 8-bit',
  short: 'signed 16-bit',
  int: 'signed 32-bit',
  uint: 'unsigned 32-bit',
  complex: 'complex',
  dpcomplex: 'complex',
};

export const rasterDecoder: ImageDecoder = {
  id: 'raster',
  description: 'PNG, JPEG or TIFF image',
  extensions: Object.keys(RASTER_EXTENSIONS),
  sniff: (bytes) => rasterKind(bytes) !== undefined,
  decode: decodeRaster,
  unrecognised(bytes, ctx) {
    const ext = ctx.name.slice(ctx.name.lastIndexOf('.') + 1).toLowerCase();
    const label = LABEL[RASTER_EXTENSIONS[ext] ?? 'png'];
    return new XrayError(
      'UNSUPPORTED_FORMAT',
      `${ctx.name} is not a readable ${label} image (${describeContent(bytes)}).`,
    );
  },
};

async function decodeRaster(bytes: Uint8Array, ctx: DecodeContext): Promise<XrayImage> {
  const kind = rasterKind(bytes);
  if (!kind) throw rasterDecoder.unrecognised(bytes, ctx);
  const label = LABEL[kind];
  const frame = requestedFrame(ctx.options.frame);
  const notices: string[] = [];

  const meta: HeaderInfo = (frame === 0 && rasterHeader(kind, bytes)) || (await libvipsHeader(kind, bytes, ctx, frame));
  const pages = meta.pages ?? 1;
  if (frame >= pages) throw frameOutOfRange(ctx.name, frame, pages);
  checkPixelLimit(ctx.name, meta.width, meta.height, ctx.limits);

  const depth = depthOf(meta.depth);
  if (!depth) {
    // libvips casts 16-bit grey to unsigned on output, so signed samples would silently lose their negatives.
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${ctx.name} stores ${SAMPLE_NAMES[meta.depth] ?? meta.depth} samples; ${label} images must be 8- or 16-bit unsigned or floating point.`,
    );
  }
  const colour = meta.channels >= 3;
  const orient = meta.orientation !== undefined && meta.orientation !== 1;
  if (orient) notices.push(`Rotated/flipped upright as the file's EXIF orientation (${meta.orientation}) asks.`);

  // Small plain JPEGs skip sharp's per-call cost (jpegWasm.ts); the same samples either way.
  const wasm = meta.plainJpeg && frame === 0 && !orient ? await decodeJpegWasm(bytes, meta) : undefined;
  const { data: raw, info } = wasm
    ? { data: wasm.samples, info: { width: wasm.width, height: wasm.height, channels: wasm.channels } }
    : await sharpPixels(kind, bytes, ctx, { frame, orient, depth, colour });
  const pixels = info.width * info.height;
  const channels = info.channels;
  let data: PixelData;
  let range: { min: number; max: number } | undefined;
  if (depth === 'float') {
    const all = new Float32Array(exactBuffer(raw));
    data = channels === 1 ? all : floatChannel0(all, pixels, channels);
    if (channels >= 3) notices.push('Colour image read as its first channel.');
  } else {
    const make = depth === 'ushort' ? (n: number) => new Uint16Array(n) : (n: number) => new Uint8Array(n);
    const all: IntSamples = depth === 'ushort' ? new Uint16Array(exactBuffer(raw)) : new Uint8Array(exactBuffer(raw));
    const opaque = depth === 'ushort' ? 0xffff : 0xff;
    const alphaAt = channels === 2 || channels === 4 ? channels - 1 : -1;
    if (alphaAt >= 0 && hasTransparency(all, pixels, channels, alphaAt, opaque))
      notices.push('Transparency (alpha channel) ignored.');
    if (channels === 1) data = all;
    else if (channels === 2) data = takeChannel(all, pixels, 2, 0, make);
    else if (channels === 3 && all instanceof Uint8Array) {
      const g = rgb8ToGrey(all, pixels);
      data = g.grey;
      range = { min: g.min, max: g.max };
      if (!g.channelsIdentical)
        notices.push('Colour image converted to grey (0.299 R + 0.587 G + 0.114 B); the colour channels differed.');
    } else {
      const g = colourToGrey(all, pixels, channels, false, make);
      data = g.grey;
      if (!g.channelsIdentical)
        notices.push('Colour image converted to grey (0.299 R + 0.587 G + 0.114 B); the colour channels differed.');
    }
  }

  range ??= minMax(data);
  const bits = depth === 'uchar' ? 8 : depth === 'ushort' ? 16 : 32;
  const bitsStored =
    kind === 'png' && bits === 16
      ? pngSignificantBits(meta.significantBits ?? pngStructure(bytes).significantBits, range.max)
      : bits;
  const format: ImageFormat = kind;
  return {
    width: info.width,
    height: info.height,
    data,
    bitsStored,
    signed: depth === 'float' && range.min < 0,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range,
    source: {
      format,
      encoding: `${label} ${bits === 32 ? 'floating-point' : `${bits}-bit`} ${describeChannels(meta.channels, meta.space, meta.isPalette)}`,
      notices,
    },
    ...(pages > 1 ? { frame: { index: frame, count: pages } } : {}),
  };
}

/** The samples as libvips decodes them: grey or RGB(A), at the stored depth. */
async function sharpPixels(
  kind: RasterKind,
  bytes: Uint8Array,
  ctx: DecodeContext,
  o: { frame: number; orient: boolean; depth: Depth; colour: boolean },
): Promise<{ data: Uint8Array; info: { width: number; height: number; channels: number } }> {
  let pipeline = sharp(bytes, {
    limitInputPixels: ctx.limits.maxPixels,
    failOn: 'error',
    page: o.frame,
    autoOrient: o.orient,
  });
  // Both the colourspace and the raw depth are needed; either alone silently drops 16-bit data to 8.
  if (o.depth === 'ushort') pipeline = pipeline.toColourspace(o.colour ? 'rgb16' : 'grey16').raw({ depth: 'ushort' });
  else if (o.depth === 'uchar') pipeline = pipeline.toColourspace(o.colour ? 'srgb' : 'b-w').raw();
  else pipeline = pipeline.toColourspace(o.colour ? 'srgb' : 'b-w').raw({ depth: 'float' });
  const timeoutMs = ctx.options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  pipeline = pipeline.timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
  return guard(kind, bytes, ctx, () => pipeline.toBuffer({ resolveWithObject: true }));
}

/** The header as libvips reads it: for what rasterHeader leaves unanswered (TIFF, EXIF, palette, other pages). */
async function libvipsHeader(
  kind: RasterKind,
  bytes: Uint8Array,
  ctx: DecodeContext,
  frame: number,
): Promise<HeaderInfo> {
  // Header only: no pixel is decoded until the size is known to be within limits.
  const read = (page: number) =>
    guard(kind, bytes, ctx, () => sharp(bytes, { limitInputPixels: false, failOn: 'error', page }).metadata());
  const first = await read(0);
  const pages = first.pages ?? 1;
  // Pages of a TIFF may differ in size and depth.
  const meta = frame === 0 || frame >= pages ? first : await read(frame);
  return { ...meta, pages };
}

/**
 * 16-bit PNGs from 12-bit detectors sometimes carry sBIT = 12. PNG says such samples are scaled up to
 * 16 bits, but many exporters store them unscaled; only in that case (every value fits in sBIT bits)
 * is reporting fewer bits true.
 */
function pngSignificantBits(significantBits: number[] | undefined, max: number): number {
  const sbit = significantBits?.[0];
  return sbit !== undefined && sbit >= 1 && sbit < 16 && max < 2 ** sbit ? sbit : 16;
}

function describeChannels(channels: number, space?: string, palette?: boolean): string {
  if (palette) return 'palette';
  if (space === 'cmyk') return 'CMYK';
  return ['', 'grey', 'grey + alpha', 'RGB', 'RGBA'][channels] ?? `${channels}-channel`;
}

function floatChannel0(all: Float32Array, pixels: number, stride: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0, p = 0; i < pixels; i++, p += stride) out[i] = all[p];
  return out;
}

/**
 * An ArrayBuffer holding exactly these bytes. Typed-array views must be aligned, and an image crosses
 * process boundaries by structured clone, which copies the whole backing buffer, not just the view.
 */
function exactBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return exactCopy(b).buffer as ArrayBuffer;
}

/** Runs a sharp call and turns whatever it throws into an XrayError a person can read. */
async function guard<T>(kind: RasterKind, bytes: Uint8Array, ctx: DecodeContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classify(kind, bytes, ctx, err);
  }
}

function classify(kind: RasterKind, bytes: Uint8Array, ctx: DecodeContext, err: unknown): XrayError {
  if (err instanceof XrayError) return err;
  const text = libraryText(err);
  const label = LABEL[kind];
  if (/exceeds pixel limit/i.test(text)) {
    return new XrayError(
      'TOO_LARGE',
      `${ctx.name} has more pixels than the limit of ${ctx.limits.maxPixels.toLocaleString('en-US')}.`,
      text,
    );
  }
  if (/timeout/i.test(text)) {
    return new XrayError('DECODE_TIMEOUT', `Decoding ${ctx.name} took too long and was stopped.`, text);
  }
  const complete =
    kind === 'png' ? pngStructure(bytes).complete : kind === 'jpeg' ? jpegComplete(bytes) : tiffComplete(bytes);
  if (!complete || /premature end|truncat|unexpected end|end of (file|stream)/i.test(text)) {
    return new XrayError(
      'TRUNCATED',
      `${ctx.name} is truncated: the file ends before the ${label} image data does.`,
      text,
    );
  }
  return new XrayError('CORRUPT', `${ctx.name} is not a readable ${label} image (its data is damaged).`, text);
}
