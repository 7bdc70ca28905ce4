/**
 * The parts of ITU T.81 that the sequential DCT decoder (jpeg-dct.ts) and the lossless decoder
 * (jpeg-lossless.ts) share: the marker walk, the table segments (DQT, DHT, DRI), Huffman decoding, and
 * the reader of entropy-coded data with its restart intervals.
 *
 * Restart intervals are checked strictly. After each interval the data must hold, after any 0xFF fill
 * bytes, the next restart marker in sequence (RST0 to RST7, modulo 8). A missing, repeated or
 * out-of-sequence marker is CORRUPT, naming the marker and the MCU; an interval cut short by the end of
 * the data is TRUNCATED. libjpeg instead resynchronises at the next marker and shows the image with the
 * lost intervals filled in, with a warning no viewer shows: for a radiograph a clear refusal is safer
 * than a silently damaged image.
 *
 * The reader never reads past the data: where the data ends, or a marker interrupts it, it feeds zero
 * bits and counts them, and the end of the interval decides whether that was more than byte padding.
 */
import { XrayError } from '../../errors';

export interface JpegFailures {
  corrupt(what: string): XrayError;
  cutShort(): XrayError;
}

export function jpegFailures(name: string): JpegFailures {
  return {
    corrupt: (what) => new XrayError('CORRUPT', `${name} is not readable: ${what}.`),
    cutShort: () => new XrayError('TRUNCATED', `${name} is truncated: its JPEG data ends before the image does.`),
  };
}

/**
 * The fields of a start-of-frame segment both JPEG decoders check alike: sample precision (checked by
 * `precisionError`, which differs per process), size, and 1 or 3 components whose specs the segment holds.
 * `label` names the frame in the component-count refusal ("JPEG", "JPEG lossless").
 */
export function readFrameHeader(
  seg: Uint8Array,
  fail: JpegFailures,
  name: string,
  label: string,
  precisionError: (precision: number) => string | undefined,
): { precision: number; width: number; height: number; components: number } {
  if (seg.length < 6) throw fail.corrupt('its JPEG frame header is too short');
  const precision = seg[0];
  const height = (seg[1] << 8) | seg[2];
  const width = (seg[3] << 8) | seg[4];
  const n = seg[5];
  const bad = precisionError(precision);
  if (bad) throw fail.corrupt(bad);
  // Height 0 means "given later by a DNL marker", which DICOM encoders do not write.
  if (width === 0 || height === 0) throw fail.corrupt(`its JPEG frame is ${width} × ${height} pixels`);
  if (n !== 1 && n !== 3)
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} has a ${label} frame with ${n} components; only 1 or 3 can be read.`,
    );
  if (seg.length < 6 + 3 * n) throw fail.corrupt('its JPEG frame header is shorter than its component list');
  return { precision, width, height, components: n };
}

/** A marker's usual name, for messages: "RST3", "EOI", "SOF2", or its hex code. */
export function markerName(marker: number): string {
  if (marker >= 0xd0 && marker <= 0xd7) return `RST${marker - 0xd0}`;
  const named: Record<number, string> = {
    0xd8: 'SOI',
    0xd9: 'EOI',
    0xda: 'SOS',
    0xc4: 'DHT',
    0xdb: 'DQT',
    0xdd: 'DRI',
    0xdc: 'DNL',
    0xfe: 'COM',
  };
  if (named[marker]) return named[marker];
  if (marker >= 0xc0 && marker <= 0xcf) return `SOF${marker - 0xc0}`;
  if (marker >= 0xe0 && marker <= 0xef) return `APP${marker - 0xe0}`;
  return `0xFF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * The refusal for a JPEG coding process no decoder here implements, naming it. dcmtk's dcmdjpeg
 * decodes progressive frames (8- and 12-bit), so the message points there; nothing commonly installed
 * decodes hierarchical or arithmetic-coded DICOM frames, so those messages only name the process.
 */
export function unsupportedProcess(marker: number, name: string, precision?: number): XrayError {
  const bits = precision ? `${precision}-bit ` : '';
  if (marker === 0xc2 || marker === 0xc6) {
    return new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} uses ${bits}JPEG progressive (${markerName(marker)}) coding, which this viewer does not decode; convert it to an uncompressed transfer syntax first, e.g. with dcmtk's dcmdjpeg.`,
    );
  }
  const processes: Record<number, string> = { 0xc3: 'lossless', 0xc5: 'hierarchical', 0xc7: 'hierarchical lossless' };
  const what = processes[marker] ?? 'arithmetic-coded';
  return new XrayError(
    'UNSUPPORTED_FORMAT',
    `${name} uses ${bits}JPEG ${what} (${markerName(marker)}) coding, which this viewer does not decode.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Huffman tables

/** Codes up to this many bits are decoded with one table lookup. */
const LOOKAHEAD = 9;

export interface HuffmanTable {
  /** For each 9-bit prefix: (code length << 8) | value, or 0 when the code is longer than 9 bits. */
  fast: Uint16Array;
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array, fail: JpegFailures): HuffmanTable {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  const fast = new Uint16Array(1 << LOOKAHEAD);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1];
    valptr[l] = k;
    mincode[l] = code;
    for (let j = 0; j < n; j++, k++, code++) {
      if (l <= LOOKAHEAD) {
        const shift = LOOKAHEAD - l;
        for (let f = code << shift, e = (code + 1) << shift; f < e; f++) fast[f] = (l << 8) | values[k];
      }
    }
    maxcode[l] = n ? code - 1 : -1;
    // More codes of a length than fit in it: the table is not a prefix code.
    if (code > 1 << l) throw fail.corrupt('its JPEG Huffman table is not a valid code');
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { fast, maxcode, valptr, mincode, values: Uint8Array.from(values) };
}

/** The tables a scan uses, as the segments before it define them (later definitions replace earlier ones). */
export class JpegTables {
  readonly quant: (Int32Array | undefined)[] = [];
  readonly dc: (HuffmanTable | undefined)[] = [];
  readonly ac: (HuffmanTable | undefined)[] = [];
  /** MCUs per restart interval; 0: none (a DRI of 0 turns restarts off, as in libjpeg). */
  restartInterval = 0;

  constructor(private readonly fail: JpegFailures) {}

  /** Reads a DQT, DHT or DRI segment; false for any other marker. */
  read(marker: number, seg: Uint8Array): boolean {
    if (marker === 0xdb) this.readQuant(seg);
    else if (marker === 0xc4) this.readHuffman(seg);
    else if (marker === 0xdd) {
      if (seg.length !== 2)
        throw this.fail.corrupt(`its JPEG restart interval segment (DRI) is ${seg.length + 2} bytes long instead of 4`);
      this.restartInterval = (seg[0] << 8) | seg[1];
    } else return false;
    return true;
  }

  private readQuant(seg: Uint8Array): void {
    let i = 0;
    while (i < seg.length) {
      const pq = seg[i] >> 4;
      const tq = seg[i] & 15;
      i++;
      if (tq > 3 || pq > 1) throw this.fail.corrupt('its JPEG quantisation table header is invalid');
      const size = pq ? 128 : 64;
      if (i + size > seg.length) throw this.fail.corrupt('its JPEG quantisation table is cut short');
      const t = new Int32Array(64);
      for (let k = 0; k < 64; k++) t[k] = pq ? (seg[i + 2 * k] << 8) | seg[i + 2 * k + 1] : seg[i + k];
      this.quant[tq] = t;
      i += size;
    }
  }

  private readHuffman(seg: Uint8Array): void {
    let i = 0;
    while (i < seg.length) {
      if (i + 17 > seg.length) throw this.fail.corrupt('its JPEG Huffman table is cut short');
      const tc = seg[i] >> 4;
      const th = seg[i] & 15;
      if (tc > 1 || th > 3) throw this.fail.corrupt('its JPEG Huffman table header is invalid');
      const counts = seg.subarray(i + 1, i + 17);
      let total = 0;
      for (let l = 0; l < 16; l++) total += counts[l];
      if (total > 256 || i + 17 + total > seg.length) throw this.fail.corrupt('its JPEG Huffman table is invalid');
      (tc === 0 ? this.dc : this.ac)[th] = buildHuffman(counts, seg.subarray(i + 17, i + 17 + total), this.fail);
      i += 17 + total;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Marker walk

/**
 * Walks the marker segments after SOI, handing each (other than standalone markers) to `segment`, which
 * returns the offset to go on from when it consumed entropy-coded data after the segment (a scan).
 * Returns true at EOI, false when the data ends without one; lengths are checked against the data.
 */
export function walkMarkers(
  data: Uint8Array,
  fail: JpegFailures,
  segment: (marker: number, seg: Uint8Array, next: number) => number | void,
): boolean {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8)
    throw fail.corrupt('its JPEG frame does not start with a start-of-image marker');
  let p = 2;
  for (;;) {
    while (p < data.length && data[p] !== 0xff) p++;
    while (p < data.length && data[p] === 0xff) p++;
    if (p >= data.length) return false;
    const marker = data[p++];
    if (marker === 0xd9) return true;
    // Standalone markers, and 0x00 (a stuffed byte left over from scan data), carry no length.
    if (marker === 0xd8 || marker === 0x01 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (p + 2 > data.length) throw fail.cutShort();
    const length = (data[p] << 8) | data[p + 1];
    if (length < 2) throw fail.corrupt(`a JPEG marker segment has an impossible length (${length})`);
    if (p + length > data.length) throw fail.cutShort();
    const next = segment(marker, data.subarray(p + 2, p + length), p + length);
    p = next ?? p + length;
  }
}

// ---------------------------------------------------------------------------------------------------
// Entropy-coded data

/**
 * Bits of one scan's entropy-coded data, with byte unstuffing and restart intervals. Call `beforeMcu(n)`
 * before each MCU and `finish()` after the last.
 */
export class EntropyReader {
  /** Offset of the next byte not yet loaded. */
  pos: number;
  private buf = 0;
  private bits = 0;
  /** Zero bits fed since the interval began because the data ended or a marker stood in the way (always the last bits fed). */
  private padding = 0;
  /** Restart markers crossed in this scan. */
  private restarts = 0;
  /** First MCU of the current restart interval, counted from 0. */
  private intervalStart = 0;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly fail: JpegFailures,
    private readonly restartInterval: number,
    /** MCUs in the scan, for messages. */
    private readonly totalMcus: number,
  ) {
    this.pos = start;
  }

  private fill(): void {
    const data = this.data;
    while (this.bits <= 16) {
      let b = 0;
      const p = this.pos;
      if (p < data.length && (data[p] !== 0xff || data[p + 1] === 0x00)) {
        b = data[p];
        this.pos = p + (b === 0xff ? 2 : 1);
      } else {
        this.padding += 8;
      }
      this.buf = ((this.buf << 8) | b) & 0xffffff;
      this.bits += 8;
    }
  }

  /** The next `n` bits (n <= 16) as an unsigned number. */
  receive(n: number): number {
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  /** The next `n` bits as a signed value of magnitude category `n` (T.81 F.2.2.1, EXTEND). */
  receiveExtend(n: number): number {
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  /** One Huffman-coded value. */
  decode(t: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const look = (this.buf >>> (this.bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1);
    const e = t.fast[look];
    if (e) {
      this.bits -= e >> 8;
      return e & 0xff;
    }
    this.bits -= LOOKAHEAD;
    let code = look;
    for (let l = LOOKAHEAD + 1; l <= 16; l++) {
      code = (code << 1) | this.receive(1);
      if (code <= t.maxcode[l]) return t.values[t.valptr[l] + code - t.mincode[l]];
    }
    throw this.damaged('its JPEG data holds an invalid Huffman code');
  }

  /**
   * The error for data that makes no sense at this point: `what`, unless the reader has already
   * consumed zero bits fed in place of missing data, in which case the real cause is that.
   */
  damaged(what: string): XrayError {
    return this.padding > this.bits ? this.interrupted() : this.fail.corrupt(what);
  }

  /**
   * Crosses a restart marker when MCU `n` (counted from 0 in this scan) begins a new interval; true
   * then, and the caller resets its predictions.
   */
  beforeMcu(n: number): boolean {
    if (this.restartInterval === 0 || n === 0 || n % this.restartInterval !== 0) return false;
    this.restart(n);
    return true;
  }

  /** Ends the scan (checking its last interval) and returns the offset after its entropy-coded data. */
  finish(): number {
    this.endInterval();
    return this.pos;
  }

  /** The marker at `p` after any fill bytes, or -1 at the end of the data (or at a stray byte). */
  private markerAt(p: number): number {
    const data = this.data;
    while (p + 1 < data.length && data[p] === 0xff && data[p + 1] === 0xff) p++;
    return p + 1 < data.length && data[p] === 0xff ? data[p + 1] : -1;
  }

  /**
   * Zero bits fed are harmless while they sit unread in the buffer (the reader prefetches up to three
   * bytes); once any is consumed, the interval needed more data than it has: the data ran out, or a
   * marker cut it short. Decoding consumes exactly the bits it codes, so a sound interval never does.
   */
  private endInterval(): void {
    if (this.padding > this.bits) throw this.interrupted();
    this.padding = 0;
  }

  /** The error for an interval whose data stops early: TRUNCATED at the end of the data, else the marker in the way. */
  private interrupted(): XrayError {
    const marker = this.markerAt(this.pos);
    if (marker === -1 || marker === 0xd9) return this.fail.cutShort();
    const first = this.intervalStart + 1;
    const last = this.restartInterval
      ? Math.min(this.intervalStart + this.restartInterval, this.totalMcus)
      : this.totalMcus;
    const mcus = first === last ? `MCU ${first}` : `MCUs ${first} to ${last}`;
    return this.fail.corrupt(`marker ${markerName(marker)} cuts short the JPEG data of ${mcus} (of ${this.totalMcus})`);
  }

  private restart(n: number): void {
    this.endInterval();
    // The rest of the current byte is padding: drop whatever is buffered.
    this.bits = 0;
    this.buf = 0;
    const data = this.data;
    let p = this.pos;
    while (p + 1 < data.length && data[p] === 0xff && data[p + 1] === 0xff) p++;
    const due = this.restarts & 7;
    const where = `after MCU ${n} of ${this.totalMcus}`;
    if (p + 1 >= data.length || (data[p] === 0xff && data[p + 1] === 0xd9)) throw this.fail.cutShort();
    if (data[p] !== 0xff || data[p + 1] === 0x00)
      throw this.fail.corrupt(`its JPEG restart marker RST${due} is missing ${where} (the data goes on without it)`);
    const marker = data[p + 1];
    if (marker !== 0xd0 + due) {
      if (marker >= 0xd0 && marker <= 0xd7)
        throw this.fail.corrupt(
          `its JPEG restart markers are out of sequence: ${markerName(marker)} stands where RST${due} is due, ${where}`,
        );
      throw this.fail.corrupt(
        `its JPEG restart marker RST${due} is missing ${where} (a ${markerName(marker)} marker stands in its place)`,
      );
    }
    this.pos = p + 2;
    this.restarts++;
    this.intervalStart = n;
  }
}
