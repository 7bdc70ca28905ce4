/**
 * One decoded frame's bytes to one grey stored value per pixel: Bits Stored / High Bit masking, two's
 * complement sign, and colour photometric interpretations reduced to grey. The result always owns a
 * fresh, exactly-sized buffer (never a view into the file), so the file bytes can be released.
 */
import { XrayError } from '../../errors';
import type { PixelData } from '../../image/types';
import { colourToGrey, exactCopy, takeChannel } from '../pixels';
import type { SampleFormat } from './attributes';
import { samplesPerFrame, type DecodedFrame, type FrameLayout } from './codecs';

/** Colour interpretations reduced to grey; PALETTE COLOR and the retired ones are refused. */
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422']);

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface GreyFrame {
  data: PixelData;
  /** Monochrome interpretation after any colour conversion. */
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  bitsStored: number;
  signed: boolean;
  notices: string[];
}

export function toGreyFrame(frame: DecodedFrame, layout: FrameLayout, sample: SampleFormat, name: string): GreyFrame {
  const bitsAllocated = frame.bitsAllocated ?? layout.bitsAllocated;
  const photometric = (frame.photometric ?? layout.photometric).toUpperCase();
  const planar = (frame.planarConfiguration ?? layout.planarConfiguration) === 1;
  const pixels = layout.rows * layout.columns;
  const spp = layout.samplesPerPixel;
  const samples = copySamples(
    frame.bytes,
    bitsAllocated,
    samplesPerFrame(photometric, layout.rows, layout.columns, spp),
    name,
  );
  const fmt: SampleFormat = { ...sample, bitsAllocated };
  if (fmt.bitsStored > bitsAllocated) fmt.bitsStored = bitsAllocated;
  if (fmt.highBit >= bitsAllocated) fmt.highBit = bitsAllocated - 1;

  if (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2') {
    if (spp !== 1) throw new XrayError('CORRUPT', `${name} is ${photometric} but has ${spp} samples per pixel.`);
    const m = frame.values ? clampToSampleFormat(samples, fmt) : applySampleFormat(samples, fmt);
    return { data: m.data, photometric, bitsStored: m.bitsStored, signed: m.signed, notices: [] };
  }

  if (!COLOUR.has(photometric)) {
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} uses the ${photometric} photometric interpretation, which cannot be shown.`,
    );
  }
  if (spp !== 3) throw new XrayError('CORRUPT', `${name} is ${photometric} but has ${spp} sample(s) per pixel.`);
  const make = bitsAllocated === 16 ? (n: number) => new Uint16Array(n) : (n: number) => new Uint8Array(n);
  let grey: Uint8Array | Uint16Array;
  let notice: string;
  switch (photometric) {
    case 'RGB': {
      const g = colourToGrey(samples, pixels, 3, planar, make);
      grey = g.grey;
      notice = g.channelsIdentical
        ? 'Colour (RGB) image with equal channels; read as grey.'
        : 'Colour (RGB) image converted to grey (0.299 R + 0.587 G + 0.114 B).';
      break;
    }
    case 'YBR_FULL':
      grey = planar ? samples.slice(0, pixels) : takeChannel(samples, pixels, 3, 0, make);
      notice = `Colour (${photometric}) image shown as its luminance (Y).`;
      break;
    case 'YBR_FULL_422':
      grey = luminance422(samples, layout.columns, layout.rows, make);
      notice = `Colour (${photometric}) image shown as its luminance (Y).`;
      break;
    default:
      throw new XrayError('INTERNAL', `No grey conversion for ${photometric}.`);
  }
  // Colour samples are unsigned and use all their bits in practice; masking would only lose data.
  return { data: grey, photometric: 'MONOCHROME2', bitsStored: bitsAllocated, signed: false, notices: [notice] };
}

/** Exactly-sized copy of the samples, as 8- or 16-bit unsigned integers in host order. */
function copySamples(bytes: Uint8Array, bitsAllocated: number, count: number, name: string): Uint8Array | Uint16Array {
  const need = count * (bitsAllocated / 8);
  if (bytes.length < need) {
    throw new XrayError(
      'TRUNCATED',
      `${name} has too little pixel data for its frame (${bytes.length} of ${need} bytes).`,
    );
  }
  const copy = exactCopy(bytes.subarray(0, need));
  if (bitsAllocated === 8) return copy;
  const out = new Uint16Array(copy.buffer);
  if (!HOST_LITTLE_ENDIAN) for (let i = 0; i < out.length; i++) out[i] = ((out[i] & 0xff) << 8) | (out[i] >> 8);
  return out;
}

/**
 * Keeps bits [highBit - bitsStored + 1, highBit] (PS3.5 8.1.1: other bits may hold overlays or junk)
 * and sign-extends when Pixel Representation is 1. Works in place where the sample width allows.
 */
export function applySampleFormat(
  samples: Uint8Array | Uint16Array,
  f: SampleFormat,
): { data: PixelData; bitsStored: number; signed: boolean } {
  const shift = f.highBit + 1 - f.bitsStored;
  const bs = f.bitsStored;
  const full = shift === 0 && bs === f.bitsAllocated;
  if (!f.signed) {
    if (!full) {
      if (samples instanceof Uint16Array) maskU16(samples, shift, bs);
      else maskU8(samples, shift, bs);
    }
    return { data: samples, bitsStored: bs, signed: false };
  }
  if (samples instanceof Uint16Array) {
    const out = new Int16Array(samples.buffer, samples.byteOffset, samples.length);
    // Reinterpreting the bits is the whole job when all 16 are stored.
    if (!full) signExtend16(samples, out, shift, bs);
    return { data: out, bitsStored: bs, signed: true };
  }
  // PixelData has no Int8Array, so signed 8-bit widens to 16.
  const out = new Int16Array(samples.length);
  signExtend8(samples, out, shift, bs);
  return { data: out, bitsStored: bs, signed: true };
}

/**
 * For codec output (pixel values, not stored words): values are kept and clamped to the Bits Stored
 * range, so a lossy codec's overshoot past the top stays white instead of wrapping round to black.
 * Signed values may come as 16-bit two's complement or as Bits Stored two's complement; both are read.
 */
export function clampToSampleFormat(
  samples: Uint8Array | Uint16Array,
  f: SampleFormat,
): { data: PixelData; bitsStored: number; signed: boolean } {
  const bs = f.bitsStored;
  if (!f.signed) {
    const max = 2 ** bs - 1;
    for (let i = 0; i < samples.length; i++) if (samples[i] > max) samples[i] = max;
    return { data: samples, bitsStored: bs, signed: false };
  }
  const out =
    samples instanceof Uint16Array
      ? new Int16Array(samples.buffer, samples.byteOffset, samples.length)
      : new Int16Array(samples.length);
  const lo = -(2 ** (bs - 1));
  const hi = 2 ** (bs - 1) - 1;
  const width = samples instanceof Uint16Array ? 16 : 8;
  const up = 32 - bs;
  const upWord = 32 - width;
  for (let i = 0; i < samples.length; i++) {
    const w = samples[i];
    const asWord = (w << upWord) >> upWord;
    const v = asWord >= lo && asWord <= hi ? asWord : w < 2 ** bs ? (w << up) >> up : asWord < lo ? lo : hi;
    out[i] = v;
  }
  return { data: out, bitsStored: bs, signed: true };
}

// One loop per array type keeps each monomorphic (see minMax in ../pixels.ts).
function maskU16(s: Uint16Array, shift: number, bits: number): void {
  const mask = (1 << bits) - 1;
  for (let i = 0; i < s.length; i++) s[i] = (s[i] >>> shift) & mask;
}

function maskU8(s: Uint8Array, shift: number, bits: number): void {
  const mask = (1 << bits) - 1;
  for (let i = 0; i < s.length; i++) s[i] = (s[i] >>> shift) & mask;
}

/** `out` may alias `s` (same buffer): each index is read before it is written. */
function signExtend16(s: Uint16Array, out: Int16Array, shift: number, bits: number): void {
  const up = 32 - bits;
  for (let i = 0; i < s.length; i++) out[i] = ((s[i] >>> shift) << up) >> up;
}

function signExtend8(s: Uint8Array, out: Int16Array, shift: number, bits: number): void {
  const up = 32 - bits;
  for (let i = 0; i < s.length; i++) out[i] = ((s[i] >>> shift) << up) >> up;
}

/** YBR_FULL_422 uncompressed: each pair of pixels is stored Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2). */
function luminance422<T extends Uint8Array | Uint16Array>(
  src: T,
  columns: number,
  rows: number,
  make: (n: number) => T,
): T {
  const out = make(columns * rows);
  const pairsPerRow = Math.ceil(columns / 2);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      out[y * columns + x] = src[(y * pairsPerRow + (x >> 1)) * 4 + (x & 1)];
    }
  }
  return out;
}
