/**
 * DICOM RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count and up to 15
 * segment offsets) followed by PackBits-coded segments, one per byte of each sample: for 16-bit grey,
 * segment 0 holds the high bytes and segment 1 the low bytes; for RGB, one segment per colour. Each
 * segment must decode to exactly Rows x Columns bytes. Output is written into a buffer of the declared
 * frame size and nothing past it, so a run-length "bomb" cannot allocate more than the frame.
 */
import { XrayError } from '../../errors';
import type { DecodeBudget } from '../budget';
import type { DecodedFrame, FrameLayout } from './codecs';

export function decodeRle(data: Uint8Array, layout: FrameLayout, budget: DecodeBudget, name: string): DecodedFrame {
  const bytesPerSample = layout.bitsAllocated / 8;
  const spp = layout.samplesPerPixel;
  const expected = spp * bytesPerSample;
  if (data.length < 64) {
    throw new XrayError(
      'TRUNCATED',
      `${name} is truncated: its RLE frame is ${data.length} bytes, shorter than the 64-byte RLE header.`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== expected) {
    throw new XrayError(
      'CORRUPT',
      `${name} is not readable: its RLE header lists ${segments} segments, but ${spp} sample(s) of ${layout.bitsAllocated} bits need ${expected}.`,
    );
  }
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  for (let s = 0; s < segments; s++) {
    const lo = offsets[s];
    const hi = s + 1 < segments ? offsets[s + 1] : data.length;
    if (lo < 64 || lo > hi || hi > data.length) {
      throw new XrayError(
        'CORRUPT',
        `${name} is not readable: RLE segment ${s + 1} has an impossible offset (${lo}).`,
        `offsets ${offsets.join(',')} frame ${data.length}`,
      );
    }
  }

  const pixels = layout.rows * layout.columns;
  // A two-byte replicate run yields at most 128 bytes: a segment too short to fill the image even so
  // is refused before the frame is allocated.
  for (let s = 0; s < segments; s++) {
    const length = (s + 1 < segments ? offsets[s + 1] : data.length) - offsets[s];
    if (length * 64 < pixels) {
      throw new XrayError(
        'CORRUPT',
        `${name} is not readable: RLE segment ${s + 1} is ${length.toLocaleString('en-US')} bytes, too short for ${pixels.toLocaleString('en-US')} pixels.`,
      );
    }
  }
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const sample = Math.floor(s / bytesPerSample);
    // Segments run from most to least significant byte; output is little endian.
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    const end = s + 1 < segments ? offsets[s + 1] : data.length;
    const written = unpackSegment(data, offsets[s], end, out, sample * bytesPerSample + byte, expected, pixels, budget);
    if (written < pixels) {
      throw new XrayError(
        'CORRUPT',
        `${name} is not readable: RLE segment ${s + 1} holds ${written.toLocaleString('en-US')} of the ${pixels.toLocaleString('en-US')} bytes the image needs.`,
      );
    }
  }
  return { bytes: out, planarConfiguration: 0 };
}

/**
 * PackBits: a header byte n in 0..127 copies the next n + 1 bytes; -127..-1 repeats the next byte
 * 1 - n times; -128 does nothing. Writes at most `count` bytes to out[first + k * stride]; returns how
 * many were written. Input past `end` is never read.
 */
function unpackSegment(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  first: number,
  stride: number,
  count: number,
  budget: DecodeBudget,
): number {
  let i = start;
  let k = 0;
  let o = first;
  while (i < end && k < count) {
    budget.tick('decoding RLE');
    const h = src[i++];
    if (h < 128) {
      const n = Math.min(h + 1, end - i, count - k);
      for (let j = 0; j < n; j++, o += stride) out[o] = src[i + j];
      i += h + 1;
      k += n;
    } else if (h > 128) {
      if (i >= end) break;
      const v = src[i++];
      const n = Math.min(257 - h, count - k);
      for (let j = 0; j < n; j++, o += stride) out[o] = v;
      k += n;
    }
  }
  return k;
}
