/**
 * Mutations for the DICOM fuzzer: generic byte edits (bit flips, interesting values, inserts, deletes,
 * copies, splices, truncations) and DICOM-aware ones that find the elements of the input with the
 * decoder's own structure walk and then lie about what matters: lengths, VRs, tags, the values of the
 * image attributes, the transfer syntax, and the bytes inside compressed fragments.
 */
import { walkDataSet, type WalkedElement } from '../../src/core/decode/dicom/walk';

export type Rng = () => number;

/** xorshift32, seeded: a run can be replayed. */
export function rng(seed: number): Rng {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x0c, 0x08];
const INTERESTING_16 = [0, 1, 2, 3, 7, 8, 12, 15, 16, 17, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0xffff];
const VRS = [
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'LT',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'PN',
  'SH',
  'SL',
  'SQ',
  'SS',
  'ST',
  'SV',
  'TM',
  'UC',
  'UI',
  'UL',
  'UN',
  'UR',
  'US',
  'UT',
  'UV',
  'ZZ',
  '\0\0',
];
/** Tags whose values steer decoding. */
const TAGS = [
  0x00280002, 0x00280004, 0x00280006, 0x00280008, 0x00280010, 0x00280011, 0x00280100, 0x00280101, 0x00280102,
  0x00280103, 0x00281050, 0x00281051, 0x00281052, 0x00281053, 0x00283000, 0x00283002, 0x00283006, 0x00283010,
  0x7fe00010, 0x7fe00001, 0x7fe00002, 0x00080005, 0x00020010, 0xfffee000, 0xfffee00d, 0xfffee0dd, 0x00091010,
];
const TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.1.98',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
];

interface Layout {
  elements: WalkedElement[];
  explicit: boolean;
  dataSetStart: number;
}

/** Elements of the meta header and data set, as far as the walk gets; never throws. */
function layout(b: Uint8Array): Layout {
  const elements: WalkedElement[] = [];
  const part10 = b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
  const collect = (start: number, explicitVr: boolean) => {
    try {
      // Sequence lengths are not checked against the data by the walk: clamp, or a mutator looping
      // over a value could run for 2^32 steps (the fuzzer's first hang was its own).
      const keep = (e: WalkedElement) =>
        elements.push({ ...e, length: Math.max(0, Math.min(e.length, b.length - e.valueOffset)) });
      return walkDataSet(
        b,
        start,
        { explicitVr, littleEndian: true, name: 'fuzz', limits: { maxDepth: 64, maxElements: 5000 } },
        {
          element: keep,
          sequenceStart: keep,
        },
      );
    } catch {
      return undefined;
    }
  };
  let dataSetStart = 0;
  if (part10) {
    const meta = collect(132, true);
    dataSetStart = meta?.end ?? 132;
    // The meta walk runs into the data set; keep only group 0002 and restart at the first other element.
    const firstData = elements.findIndex((e) => e.tag >>> 16 !== 0x0002);
    if (firstData >= 0) {
      dataSetStart = elements[firstData].headerOffset;
      elements.length = firstData;
    }
  }
  const explicit =
    b.length >= dataSetStart + 6 && /^[A-Z]{2}$/.test(String.fromCharCode(b[dataSetStart + 4], b[dataSetStart + 5]));
  collect(dataSetStart, explicit);
  return { elements, explicit, dataSetStart };
}

function setU16(b: Uint8Array, at: number, v: number): void {
  if (at + 2 <= b.length) {
    b[at] = v & 0xff;
    b[at + 1] = (v >> 8) & 0xff;
  }
}

function setU32(b: Uint8Array, at: number, v: number): void {
  if (at + 4 <= b.length) for (let k = 0; k < 4; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

type Mutator = (b: Uint8Array, r: Rng, other: () => Uint8Array) => Uint8Array;

const BYTE_MUTATORS: Mutator[] = [
  (b, r) => {
    if (b.length) b[int(r, b.length)] ^= 1 << int(r, 8);
    return b;
  },
  (b, r) => {
    if (b.length) b[int(r, b.length)] = pick(r, INTERESTING_8);
    return b;
  },
  (b, r) => {
    setU16(b, int(r, b.length), pick(r, INTERESTING_16));
    return b;
  },
  (b, r) => {
    setU32(b, int(r, b.length), pick(r, INTERESTING_32));
    return b;
  },
  (b, r) =>
    splice(
      b,
      int(r, b.length + 1),
      0,
      Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256)),
    ),
  (b, r) => {
    const at = int(r, b.length + 1);
    return splice(b, at, Math.min(b.length - at, 1 + int(r, 64)), new Uint8Array(0));
  },
  (b, r) => {
    // Copy a chunk of the input over another place in it.
    const from = int(r, b.length);
    const n = Math.min(1 + int(r, 128), b.length - from);
    const to = int(r, b.length);
    const chunk = b.slice(from, from + n);
    b.set(chunk.subarray(0, Math.max(0, b.length - to)), to);
    return b;
  },
  (b, r) => b.slice(0, int(r, b.length + 1)),
  (b, r, other) => {
    // Head of this input, tail of another.
    const o = other();
    return Uint8Array.from([...b.subarray(0, int(r, b.length + 1)), ...o.subarray(int(r, o.length + 1))]);
  },
];

const DICOM_MUTATORS: ((b: Uint8Array, r: Rng, l: Layout) => Uint8Array)[] = [
  // A lying length.
  (b, r, l) => {
    const e = pick(r, l.elements);
    const long = e.valueOffset - e.headerOffset === 12 || (!l.explicit && e.tag >>> 16 !== 0x0002);
    const candidates = [
      0,
      1,
      e.length + 1,
      e.length - 1,
      e.length * 2,
      b.length - e.valueOffset,
      b.length,
      0xffffffff,
      0xfffffffe,
      0x7fffffff,
    ];
    const v = pick(r, candidates) >>> 0;
    if (long) setU32(b, e.valueOffset - 4, v);
    else setU16(b, e.valueOffset - 2, v & 0xffff);
    return b;
  },
  // A wrong VR (explicit only; the header shape then disagrees with the VR).
  (b, r, l) => {
    if (!l.explicit) return b;
    const e = pick(r, l.elements);
    const vr = pick(r, VRS);
    b[e.headerOffset + 4] = vr.charCodeAt(0);
    b[e.headerOffset + 5] = vr.charCodeAt(1);
    return b;
  },
  // Another tag.
  (b, r, l) => {
    const e = pick(r, l.elements);
    const t = pick(r, TAGS);
    setU16(b, e.headerOffset, t >>> 16);
    setU16(b, e.headerOffset + 2, t & 0xffff);
    return b;
  },
  // An interesting value for an image attribute.
  (b, r, l) => {
    const attrs = l.elements.filter((e) => e.tag >>> 16 === 0x0028 && e.length >= 2);
    if (!attrs.length) return b;
    const e = pick(r, attrs);
    if (e.length === 2) setU16(b, e.valueOffset, pick(r, INTERESTING_16));
    else {
      // Numeric strings (IS/DS): a number, a huge one, garbage.
      const s = pick(r, ['0', '-1', '1', '2', '3', '65535', '2147483648', '1e308', 'NaN', '\\', '1\\2\\3', ' ']);
      for (let k = 0; k < e.length; k++) b[e.valueOffset + k] = k < s.length ? s.charCodeAt(k) : 0x20;
    }
    return b;
  },
  // Cut at an element boundary (or inside its header).
  (b, r, l) => {
    const e = pick(r, l.elements);
    return b.slice(0, e.headerOffset + int(r, Math.min(13, b.length - e.headerOffset)));
  },
  // Duplicate or drop an element.
  (b, r, l) => {
    const e = pick(r, l.elements);
    const end = Math.min(b.length, e.valueOffset + e.length);
    const chunk = b.slice(e.headerOffset, end);
    return r() < 0.5 ? splice(b, end, 0, chunk) : splice(b, e.headerOffset, chunk.length, new Uint8Array(0));
  },
  // Another transfer syntax in the meta header (same length or not).
  (b, r, l) => {
    const ts = l.elements.find((e) => e.tag === 0x00020010);
    if (!ts) return b;
    let uid = pick(r, TRANSFER_SYNTAXES);
    if (uid.length % 2) uid += '\0';
    const value = Uint8Array.from(uid, (c) => c.charCodeAt(0));
    const out = splice(b, ts.valueOffset, ts.length, value);
    setU16(out, ts.valueOffset - 2, value.length);
    return out;
  },
  // Damage inside the pixel data (compressed codestreams, RLE headers, offset tables).
  (b, r, l) => {
    const px = l.elements.find((e) => e.tag === 0x7fe00010);
    if (!px || px.length < 16) return b;
    const n = 1 + int(r, 4);
    for (let k = 0; k < n; k++) {
      const at = px.valueOffset + int(r, px.length);
      if (r() < 0.5) b[at] ^= 1 << int(r, 8);
      else b[at] = pick(r, INTERESTING_8);
    }
    return b;
  },
];

/** One to four stacked mutations of a copy of `input`. */
export function mutate(input: Uint8Array, r: Rng, other: () => Uint8Array, maxLength: number): Uint8Array {
  let b: Uint8Array = input.slice();
  const rounds = 1 + int(r, 4);
  for (let i = 0; i < rounds; i++) {
    if (r() < 0.55) {
      const l = layout(b);
      if (l.elements.length) b = pick(r, DICOM_MUTATORS)(b, r, l);
      else b = pick(r, BYTE_MUTATORS)(b, r, other);
    } else {
      b = pick(r, BYTE_MUTATORS)(b, r, other);
    }
    if (b.length > maxLength) b = b.slice(0, maxLength);
  }
  return b;
}
