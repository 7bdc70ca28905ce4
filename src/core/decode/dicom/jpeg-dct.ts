/**
 * Sequential Huffman DCT JPEG (ITU T.81 processes 1, 2 and 4: baseline and extended, 8- and 12-bit
 * samples), for DICOM's JPEG Extended transfer syntax. The 8-bit libjpeg-turbo build cannot read 12-bit
 * frames, and no maintained 12-bit decoder installs offline without bringing a whole viewer framework,
 * so this one is written for the job: small, bounded, and strict.
 *
 * Bounds: every marker length is checked against the data; planes are allocated from the frame header
 * only after the caller has checked it against the DICOM attributes and the pixel limit; the entropy
 * decoder never reads past the data (it feeds zero bits and reports the stream as cut short); every
 * coefficient index is range-checked; the time budget is checked every MCU. Restart intervals are
 * checked marker by marker (jpeg-entropy.ts). Progressive, hierarchical and arithmetic-coded frames are
 * refused with a message that names the process (unsupportedProcess).
 */
import type { DecodeBudget } from '../budget';
import {
  EntropyReader,
  JpegTables,
  jpegFailures,
  readFrameHeader,
  unsupportedProcess,
  walkMarkers,
  type JpegFailures,
} from './jpeg-entropy';

export interface DctImage {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** Samples, component-interleaved, row-major; 16-bit when precision > 8. */
  samples: Uint8Array | Uint16Array;
}

/** Zig-zag index -> natural (row-major) index within an 8x8 block. */
const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line and per column of the component's own (unpadded) area, for non-interleaved scans. */
  blocksX: number;
  blocksY: number;
  /** Plane width in samples (covers whole MCUs) and the plane itself. */
  stride: number;
  plane: Uint16Array;
  pred: number;
  dc: number;
  ac: number;
}

export function decodeJpegDct(data: Uint8Array, budget: DecodeBudget, name: string): DctImage {
  const fail = jpegFailures(name);
  const tables = new JpegTables(fail);
  let frame: Frame | undefined;
  let scans = 0;

  const ended = walkMarkers(data, fail, (marker, seg, next) => {
    if (tables.read(marker, seg)) return;
    if (marker === 0xc0 || marker === 0xc1) {
      if (frame) throw fail.corrupt('its JPEG data holds more than one frame header');
      frame = readFrame(seg, fail, name);
    } else if (marker === 0xda) {
      if (!frame) throw fail.corrupt('its JPEG scan starts before the frame header');
      scans++;
      return decodeScan(frame, tables, seg, data, next, budget, fail);
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw unsupportedProcess(marker, name);
    }
    // APPn, COM, DNL and others carry nothing needed here.
  });
  if (!frame || scans === 0) throw ended ? fail.corrupt('its JPEG data holds no image scan') : fail.cutShort();
  // No EOI: tolerated once the image is complete (every scan's data was checked to the end).
  return assemble(frame, budget);
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  comps: Component[];
  hmax: number;
  vmax: number;
  mcusX: number;
  mcusY: number;
}

function readFrame(seg: Uint8Array, fail: JpegFailures, name: string): Frame {
  const {
    precision,
    width,
    height,
    components: n,
  } = readFrameHeader(seg, fail, name, 'JPEG', (p) =>
    p !== 8 && p !== 12 ? `its JPEG frame claims ${p}-bit samples (8 or 12 expected)` : undefined,
  );
  const specs = [];
  let hmax = 1;
  let vmax = 1;
  for (let c = 0; c < n; c++) {
    const id = seg[6 + 3 * c];
    const h = seg[7 + 3 * c] >> 4;
    const v = seg[7 + 3 * c] & 15;
    const tq = seg[8 + 3 * c];
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3)
      throw fail.corrupt('its JPEG frame header has an invalid component');
    hmax = Math.max(hmax, h);
    vmax = Math.max(vmax, v);
    specs.push({ id, h, v, tq });
  }
  const mcusX = Math.ceil(width / (8 * hmax));
  const mcusY = Math.ceil(height / (8 * vmax));
  const comps: Component[] = specs.map(({ id, h, v, tq }) => {
    const stride = mcusX * h * 8;
    return {
      id,
      h,
      v,
      tq,
      blocksX: Math.ceil(Math.ceil((width * h) / hmax) / 8),
      blocksY: Math.ceil(Math.ceil((height * v) / vmax) / 8),
      stride,
      plane: new Uint16Array(stride * mcusY * v * 8),
      pred: 0,
      dc: 0,
      ac: 0,
    };
  });
  return { precision, width, height, comps, hmax, vmax, mcusX, mcusY };
}

/** Decodes one scan whose data starts at `start`; returns the offset after its entropy-coded data. */
function decodeScan(
  f: Frame,
  tables: JpegTables,
  seg: Uint8Array,
  data: Uint8Array,
  start: number,
  budget: DecodeBudget,
  fail: JpegFailures,
): number {
  const ns = seg[0];
  if (!ns || ns > 4 || seg.length < 1 + 2 * ns + 3) throw fail.corrupt('its JPEG scan header is invalid');
  const comps: Component[] = [];
  for (let i = 0; i < ns; i++) {
    const c = f.comps.find((x) => x.id === seg[1 + 2 * i]);
    if (!c) throw fail.corrupt('its JPEG scan names a component the frame does not have');
    c.dc = seg[2 + 2 * i] >> 4;
    c.ac = seg[2 + 2 * i] & 15;
    if (!tables.dc[c.dc] || !tables.ac[c.ac])
      throw fail.corrupt('its JPEG scan uses a Huffman table that was never defined');
    if (!tables.quant[c.tq]) throw fail.corrupt('its JPEG frame uses a quantisation table that was never defined');
    c.pred = 0;
    comps.push(c);
  }
  // Ss, Se, Ah and Al (0, 63, 0, 0 in a sequential scan) are not checked: the Stanford PVRG encoder,
  // which wrote many archived DICOM files, leaves them all zero, and libjpeg reads such scans as
  // sequential with only a warning. The frame header alone says the process.

  const total = ns === 1 ? comps[0].blocksX * comps[0].blocksY : f.mcusX * f.mcusY;
  const reader = new EntropyReader(data, start, fail, tables.restartInterval, total);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const shift = 1 << (f.precision - 1);
  const maxSample = (1 << f.precision) - 1;
  const maxCategory = f.precision + 4;

  // Quantisation tables in natural order, pre-multiplied by the AAN scale factors the IDCT expects.
  const scaled = tables.quant.map((t) => (t ? prescale(t) : undefined));
  const decodeBlock = (c: Component, bx: number, by: number) => {
    coef.fill(0);
    const q = scaled[c.tq]!;
    const dcT = tables.dc[c.dc]!;
    const acT = tables.ac[c.ac]!;
    const t = reader.decode(dcT);
    if (t > maxCategory) throw reader.damaged('its JPEG data holds an impossible DC difference');
    c.pred += t ? reader.receiveExtend(t) : 0;
    coef[0] = c.pred * q[0];
    for (let k = 1; k < 64;) {
      const rs = reader.decode(acT);
      const r = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw reader.damaged('its JPEG data holds a coefficient outside its block');
      const n = ZIGZAG[k];
      coef[n] = reader.receiveExtend(s) * q[n];
      k++;
    }
    idct(coef, tmp);
    const plane = c.plane;
    const stride = c.stride;
    let o = by * 8 * stride + bx * 8;
    for (let y = 0; y < 8; y++, o += stride) {
      for (let x = 0; x < 8; x++) {
        const v = Math.round(tmp[y * 8 + x]) + shift;
        plane[o + x] = v < 0 ? 0 : v > maxSample ? maxSample : v;
      }
    }
  };

  for (let n = 0; n < total; n++) {
    if (reader.beforeMcu(n)) for (const c of comps) c.pred = 0;
    budget.tick('decoding JPEG');
    if (ns === 1) {
      const c = comps[0];
      decodeBlock(c, n % c.blocksX, Math.floor(n / c.blocksX));
    } else {
      const mx = n % f.mcusX;
      const my = Math.floor(n / f.mcusX);
      for (const c of comps) {
        for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decodeBlock(c, mx * c.h + h, my * c.v + v);
      }
    }
  }
  return reader.finish();
}

function assemble(f: Frame, budget: DecodeBudget): DctImage {
  const { width, height, precision } = f;
  const n = f.comps.length;
  const out = precision > 8 ? new Uint16Array(width * height * n) : new Uint8Array(width * height * n);
  for (let ci = 0; ci < n; ci++) {
    const c = f.comps[ci];
    const sx = f.hmax / c.h;
    const sy = f.vmax / c.v;
    for (let y = 0; y < height; y++) {
      budget.tick('assembling JPEG samples');
      const row = Math.floor(y / sy) * c.stride;
      let o = y * width * n + ci;
      if (sx === 1) for (let x = 0; x < width; x++, o += n) out[o] = c.plane[row + x];
      else for (let x = 0; x < width; x++, o += n) out[o] = c.plane[row + Math.floor(x / sx)];
    }
  }
  return { width, height, precision, components: n, samples: out };
}

/** AAN scale factors: cos(k pi / 16) * sqrt(2) for k > 0, 1 for k = 0 (IJG's jidctflt.c). */
const AAN = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379];

/** A zig-zag quantisation table as natural-order factors that fold in the AAN prescaling. */
function prescale(zigzag: Int32Array): Float64Array {
  const out = new Float64Array(64);
  for (let k = 0; k < 64; k++) {
    const n = ZIGZAG[k];
    out[n] = zigzag[k] * AAN[n >> 3] * AAN[n & 7];
  }
  return out;
}

const WORK = new Float64Array(64);

/**
 * 8x8 inverse DCT, the floating-point Arai-Agui-Nakajima factorisation (as IJG's jidctflt.c): columns,
 * then rows, 5 multiplications per 8-point pass. Input is prescaled (see prescale); output is the
 * spatial values before level shift.
 */
function idct(coef: Float64Array, out: Float64Array): void {
  const ws = WORK;
  for (let c = 0; c < 8; c++) {
    if (
      coef[8 + c] === 0 &&
      coef[16 + c] === 0 &&
      coef[24 + c] === 0 &&
      coef[32 + c] === 0 &&
      coef[40 + c] === 0 &&
      coef[48 + c] === 0 &&
      coef[56 + c] === 0
    ) {
      const dc = coef[c];
      for (let r = 0; r < 8; r++) ws[r * 8 + c] = dc;
      continue;
    }
    idct1d(coef, c, 8, ws, c, 8);
  }
  for (let r = 0; r < 8; r++) idct1d(ws, r * 8, 1, out, r * 8, 1);
  for (let i = 0; i < 64; i++) out[i] /= 8;
}

function idct1d(src: Float64Array, s: number, step: number, dst: Float64Array, d: number, dstep: number): void {
  // Even part.
  let tmp0 = src[s];
  let tmp1 = src[s + 2 * step];
  let tmp2 = src[s + 4 * step];
  let tmp3 = src[s + 6 * step];
  const tmp10 = tmp0 + tmp2;
  const tmp11 = tmp0 - tmp2;
  const tmp13 = tmp1 + tmp3;
  const tmp12 = (tmp1 - tmp3) * 1.414213562 - tmp13;
  tmp0 = tmp10 + tmp13;
  tmp3 = tmp10 - tmp13;
  tmp1 = tmp11 + tmp12;
  tmp2 = tmp11 - tmp12;
  // Odd part.
  const tmp4 = src[s + step];
  const tmp5 = src[s + 3 * step];
  const tmp6 = src[s + 5 * step];
  const tmp7 = src[s + 7 * step];
  const z13 = tmp6 + tmp5;
  const z10 = tmp6 - tmp5;
  const z11 = tmp4 + tmp7;
  const z12 = tmp4 - tmp7;
  const o7 = z11 + z13;
  const o11 = (z11 - z13) * 1.414213562;
  const z5 = (z10 + z12) * 1.847759065;
  const o10 = 1.0823922 * z12 - z5;
  const o12 = -2.61312593 * z10 + z5;
  const o6 = o12 - o7;
  const o5 = o11 - o6;
  const o4 = o10 + o5;
  dst[d] = tmp0 + o7;
  dst[d + 7 * dstep] = tmp0 - o7;
  dst[d + dstep] = tmp1 + o6;
  dst[d + 6 * dstep] = tmp1 - o6;
  dst[d + 2 * dstep] = tmp2 + o5;
  dst[d + 5 * dstep] = tmp2 - o5;
  dst[d + 4 * dstep] = tmp3 + o4;
  dst[d + 3 * dstep] = tmp3 - o4;
}
