/**
 * What the raster decoder needs to know before it decodes (size, sample depth, channels, orientation),
 * read from the PNG or JPEG header here instead of by a separate libvips call: that call cost about as
 * much as decoding a small image (sharp's per-call overhead), and scoring decodes every file once.
 *
 * Only the plain cases are answered: 8- or 16-bit PNG without transparency chunk or EXIF, 8-bit
 * Huffman JPEG with 1 or 3 components and no EXIF. Anything else (palette, sub-byte or 12-bit samples,
 * tRNS, CMYK, EXIF orientation, TIFF, a header this parser does not follow) returns undefined and the
 * caller asks libvips, so an unusual file is read exactly as before.
 */
import type { RasterKind } from '../sniff';

export interface RasterHeader {
  width: number;
  height: number;
  /** libvips' sample format name, as sharp's metadata reports it. */
  depth: 'uchar' | 'ushort';
  /** Channels libvips will hand back (grey 1, grey + alpha 2, RGB 3, RGBA 4). */
  channels: number;
  /** PNG sBIT per channel, when present. */
  significantBits?: number[];
  /**
   * JPEG only: sequential (not progressive) and without an ICC profile, i.e. a file that libjpeg-turbo
   * alone decodes exactly as sharp does (jpegWasm.ts may take it).
   */
  plainJpeg?: boolean;
}

export function rasterHeader(kind: RasterKind, bytes: Uint8Array): RasterHeader | undefined {
  if (kind === 'png') return pngHeader(bytes);
  if (kind === 'jpeg') return jpegHeader(bytes);
  return undefined;
}

/** Channels by PNG colour type; palette (3) is left to libvips. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function pngHeader(bytes: Uint8Array): RasterHeader | undefined {
  if (bytes.length < 33) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || chunkType(bytes, 12) !== 'IHDR') return undefined;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const channels = PNG_CHANNELS[bytes[25]];
  if (width === 0 || height === 0 || channels === undefined || (bitDepth !== 8 && bitDepth !== 16)) return undefined;
  let significantBits: number[] | undefined;
  // Every chunk header, to the end: tRNS adds an alpha channel and eXIf may carry an orientation.
  for (let at = 33; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = chunkType(bytes, at + 4);
    if (type === 'tRNS' || type === 'eXIf') return undefined;
    if (type === 'sBIT' && length >= 1 && length <= 4 && at + 8 + length <= bytes.length)
      significantBits = Array.from(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return { width, height, depth: bitDepth === 16 ? 'ushort' : 'uchar', channels, significantBits };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Start-of-frame markers of 8-bit Huffman JPEG: baseline, extended sequential, progressive. */
const HUFFMAN_SOF = new Set([0xc0, 0xc1, 0xc2]);

function jpegHeader(bytes: Uint8Array): RasterHeader | undefined {
  let at = 2;
  let icc = false;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2) return undefined;
    const body = at + 4;
    if (marker === 0xe1 && isExif(bytes, body, length - 2)) return undefined;
    if (marker === 0xe2 && isIcc(bytes, body, length - 2)) icc = true;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (!HUFFMAN_SOF.has(marker) || body + 6 > bytes.length) return undefined;
      const precision = bytes[body];
      const height = (bytes[body + 1] << 8) | bytes[body + 2];
      const width = (bytes[body + 3] << 8) | bytes[body + 4];
      const components = bytes[body + 5];
      if (precision !== 8 || width === 0 || height === 0 || (components !== 1 && components !== 3)) return undefined;
      return { width, height, depth: 'uchar', channels: components, plainJpeg: marker !== 0xc2 && !icc };
    }
    // Entropy-coded data before a frame header, or the end of the image: not a file to guess about.
    if (marker === 0xda || marker === 0xd9) return undefined;
    at += 2 + length;
  }
  return undefined;
}

function isExif(bytes: Uint8Array, at: number, length: number): boolean {
  return length >= 4 && chunkType(bytes, at) === 'Exif';
}

/** APP2 "ICC_PROFILE": sharp converts such a file to sRGB through the profile. */
function isIcc(bytes: Uint8Array, at: number, length: number): boolean {
  return (
    length >= 11 && chunkType(bytes, at) === 'ICC_' && chunkType(bytes, at + 4) === 'PROF' && bytes[at + 8] === 0x49
  );
}
