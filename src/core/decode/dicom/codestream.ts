/**
 * Just enough of the JPEG, JPEG-LS and JPEG 2000 codestream headers to decide, before any decoder
 * allocates an image, what a frame claims to be: its size, sample precision, component count and
 * (for JPEG) coding process. A frame whose header disagrees with the DICOM attributes, or that uses a
 * process no decoder here handles, is refused with a message that says which.
 */
import { XrayError } from '../../errors';

export type JpegProcess =
  'baseline' | 'extended' | 'progressive' | 'lossless' | 'jpeg-ls' | 'arithmetic' | 'hierarchical';

export interface CodestreamHeader {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** JPEG family only. */
  process?: JpegProcess;
  /** JPEG family only: the frame header's marker (0xC0 for SOF0 ... 0xF7 for JPEG-LS). */
  marker?: number;
  /** JPEG family only: an EOI marker ends the data (trailing padding allowed). */
  hasEnd?: boolean;
  /** JPEG 2000 only: the first component is signed. */
  signed?: boolean;
}

function corrupt(name: string, what: string): XrayError {
  return new XrayError('CORRUPT', `${name} is not readable: ${what}.`);
}

function truncated(name: string, what: string): XrayError {
  return new XrayError('TRUNCATED', `${name} is truncated: ${what}.`);
}

const SOF_PROCESS: Record<number, JpegProcess> = {
  0xc0: 'baseline',
  0xc1: 'extended',
  0xc2: 'progressive',
  0xc3: 'lossless',
  0xc5: 'hierarchical',
  0xc6: 'hierarchical',
  0xc7: 'hierarchical',
  0xc9: 'arithmetic',
  0xca: 'arithmetic',
  0xcb: 'arithmetic',
  0xcd: 'arithmetic',
  0xce: 'arithmetic',
  0xcf: 'arithmetic',
  0xf7: 'jpeg-ls',
};

/** Reads markers from SOI up to the frame header (SOFn, or SOF55 for JPEG-LS). */
export function readJpegHeader(data: Uint8Array, name: string): CodestreamHeader {
  if (data.length < 4) throw truncated(name, `its JPEG data is only ${data.length} bytes`);
  if (data[0] !== 0xff || data[1] !== 0xd8)
    throw corrupt(name, 'its compressed frame does not start with a JPEG start-of-image marker');
  let p = 2;
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    while (p < data.length && data[p] !== 0xff) p++;
    while (p < data.length && data[p] === 0xff) p++;
    if (p >= data.length) throw truncated(name, 'its JPEG data ends before the frame header');
    const marker = data[p++];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9) throw corrupt(name, 'its JPEG data ends (EOI) before any frame header');
    if (marker === 0xda) throw corrupt(name, 'its JPEG scan starts before any frame header');
    if (p + 2 > data.length) throw truncated(name, 'its JPEG data ends inside a marker');
    const length = (data[p] << 8) | data[p + 1];
    if (length < 2) throw corrupt(name, `a JPEG marker segment has an impossible length (${length})`);
    if (p + length > data.length) throw truncated(name, 'its JPEG data ends inside a marker segment');
    const process = SOF_PROCESS[marker];
    if (process) {
      if (length < 8) throw corrupt(name, 'its JPEG frame header is too short');
      const precision = data[p + 2];
      const height = (data[p + 3] << 8) | data[p + 4];
      const width = (data[p + 5] << 8) | data[p + 6];
      const components = data[p + 7];
      if (length < 8 + 3 * components) throw corrupt(name, 'its JPEG frame header is shorter than its component list');
      return { width, height, precision, components, process, marker, hasEnd: hasJpegEnd(data) };
    }
    p += length;
  }
}

/** EOI within the last few bytes (fragments are padded to even length, sometimes more). */
function hasJpegEnd(data: Uint8Array): boolean {
  for (let i = data.length - 2; i >= Math.max(0, data.length - 16); i--)
    if (data[i] === 0xff && data[i + 1] === 0xd9) return true;
  return false;
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];

/** JPEG 2000: a raw codestream (SOC, SIZ) or a JP2 file whose jp2c box holds one. */
export function readJ2kHeader(data: Uint8Array, name: string): CodestreamHeader {
  let p = 0;
  if (JP2_SIGNATURE.every((b, i) => data[i] === b)) p = jp2Codestream(data, name);
  if (p + 4 > data.length) throw truncated(name, 'its JPEG 2000 data ends before its header');
  if (data[p] !== 0xff || data[p + 1] !== 0x4f)
    throw corrupt(name, 'its compressed frame does not start with a JPEG 2000 codestream marker');
  if (data[p + 2] !== 0xff || data[p + 3] !== 0x51)
    throw corrupt(name, 'its JPEG 2000 codestream has no image size header (SIZ) where one must be');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const s = p + 4;
  if (s + 38 + 3 > data.length) throw truncated(name, 'its JPEG 2000 data ends inside the image size header');
  const lsiz = view.getUint16(s);
  const xsiz = view.getUint32(s + 4);
  const ysiz = view.getUint32(s + 8);
  const xo = view.getUint32(s + 12);
  const yo = view.getUint32(s + 16);
  const components = view.getUint16(s + 36);
  if (xo >= xsiz || yo >= ysiz) throw corrupt(name, 'its JPEG 2000 image offset lies outside the image');
  if (lsiz !== 38 + 3 * components || s + lsiz > data.length)
    throw corrupt(name, 'its JPEG 2000 image size header is inconsistent');
  const ssiz = data[s + 38];
  return { width: xsiz - xo, height: ysiz - yo, precision: (ssiz & 0x7f) + 1, components, signed: (ssiz & 0x80) !== 0 };
}

/** Offset of the codestream inside a JP2 file (the 'jp2c' box). */
function jp2Codestream(data: Uint8Array, name: string): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  while (p + 8 <= data.length) {
    let size = view.getUint32(p);
    const type = String.fromCharCode(data[p + 4], data[p + 5], data[p + 6], data[p + 7]);
    let header = 8;
    if (size === 1) {
      if (p + 16 > data.length) break;
      size = Number(view.getBigUint64(p + 8));
      header = 16;
    } else if (size === 0) {
      size = data.length - p;
    }
    if (type === 'jp2c') return p + header;
    if (size < header) break;
    p += size;
  }
  throw corrupt(name, 'its JP2 data has no codestream box');
}

export interface ExpectedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/** The frame header must describe the image the DICOM attributes declare. */
export function checkAgainstLayout(h: CodestreamHeader, want: ExpectedFrame, kind: string, name: string): void {
  if (h.width !== want.columns || h.height !== want.rows) {
    throw new XrayError(
      'CORRUPT',
      `${name} is not readable: its ${kind} frame is ${h.width} × ${h.height} pixels but the file declares ${want.columns} × ${want.rows}.`,
    );
  }
  if (h.components !== want.samplesPerPixel) {
    throw new XrayError(
      'CORRUPT',
      `${name} is not readable: its ${kind} frame has ${h.components} component(s) but the file declares ${want.samplesPerPixel} sample(s) per pixel.`,
    );
  }
  if (h.precision < 2 || h.precision > 16) {
    throw new XrayError('CORRUPT', `${name} is not readable: its ${kind} frame claims ${h.precision}-bit samples.`);
  }
}
