/**
 * Lossless Huffman JPEG (ITU T.81 Annex H, process 14), for DICOM's JPEG Lossless transfer syntaxes:
 * 2- to 16-bit samples, predictors 1 to 7 (selection value 1 is the SV1 syntax), point transform,
 * one or three components in one interleaved scan or one scan each, and restart intervals.
 *
 * Written here because jpeg-lossless-decoder-js 2.1.2 silently decodes wrong pixels around restart
 * markers (the last sample before a marker, when the marker falls within its Huffman lookahead), and
 * cannot tell a frame cut short from a complete one. The entropy reader, tables and marker walk are jpeg-dct.ts's
 * (jpeg-entropy.ts), with the same bounds: nothing is read past the data, the output is allocated from
 * a frame header the caller has checked, and the time budget is checked as rows go by.
 *
 * Prediction (T.81 H.1.1): the first sample of the scan, and of every restart interval, is predicted
 * by 2^(P - Pt - 1); the rest of that first row by the sample to its left (Ra); the first sample of every
 * other row by the sample above (Rb); everything else by the scan's predictor. Restart intervals must
 * be whole rows (H.1.2.1), which is checked. Reconstruction is modulo 2^16 (H.2.1).
 */
import { XrayError } from '../../errors';
import type { DecodeBudget } from '../budget';
import {
  EntropyReader,
  JpegTables,
  jpegFailures,
  readFrameHeader,
  unsupportedProcess,
  walkMarkers,
  type HuffmanTable,
  type JpegFailures,
} from './jpeg-entropy';

export interface LosslessImage {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** Samples, component-interleaved, row-major; 16-bit when precision > 8. */
  samples: Uint8Array | Uint16Array;
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  ids: number[];
  /** Samples, component-interleaved (16-bit whatever the precision, until the end). */
  out: Uint16Array;
  /** Components that some scan has decoded. */
  done: Set<number>;
}

/** Samples between clock reads of the time budget. */
const SAMPLES_PER_CHECK = 1 << 16;

export function decodeJpegLossless(data: Uint8Array, budget: DecodeBudget, name: string): LosslessImage {
  const fail = jpegFailures(name);
  const tables = new JpegTables(fail);
  let frame: Frame | undefined;

  const ended = walkMarkers(data, fail, (marker, seg, next) => {
    if (tables.read(marker, seg)) return;
    if (marker === 0xc3) {
      if (frame) throw fail.corrupt('its JPEG data holds more than one frame header');
      frame = readFrame(seg, fail, name);
    } else if (marker === 0xda) {
      if (!frame) throw fail.corrupt('its JPEG scan starts before the frame header');
      return decodeScan(frame, tables, seg, data, next, budget, fail, name);
    } else if (
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xf7
    ) {
      throw marker === 0xc0 || marker === 0xc1 || marker === 0xf7
        ? fail.corrupt(`its JPEG lossless data holds a ${marker === 0xf7 ? 'JPEG-LS' : 'DCT'} frame header`)
        : unsupportedProcess(marker, name);
    }
  });
  if (!frame || frame.done.size === 0)
    throw ended ? fail.corrupt('its JPEG data holds no image scan') : fail.cutShort();
  if (frame.done.size < frame.ids.length)
    throw fail.corrupt('its JPEG lossless data has no scan for one of its components');
  const { width, height, precision, ids, out } = frame;
  return { width, height, precision, components: ids.length, samples: precision > 8 ? out : Uint8Array.from(out) };
}

function readFrame(seg: Uint8Array, fail: JpegFailures, name: string): Frame {
  const {
    precision,
    width,
    height,
    components: n,
  } = readFrameHeader(seg, fail, name, 'JPEG lossless', (p) =>
    p < 2 || p > 16 ? `its JPEG lossless frame claims ${p}-bit samples` : undefined,
  );
  const ids: number[] = [];
  for (let c = 0; c < n; c++) {
    if (seg[7 + 3 * c] !== 0x11)
      throw new XrayError(
        'UNSUPPORTED_FORMAT',
        `${name} has a JPEG lossless frame with subsampled components, which cannot be decoded.`,
      );
    ids.push(seg[6 + 3 * c]);
  }
  return { precision, width, height, ids, out: new Uint16Array(width * height * n), done: new Set() };
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
  name: string,
): number {
  const ns = seg[0];
  if (!ns || ns > f.ids.length || seg.length < 1 + 2 * ns + 3) throw fail.corrupt('its JPEG scan header is invalid');
  const offsets: number[] = [];
  const dc: HuffmanTable[] = [];
  for (let i = 0; i < ns; i++) {
    const c = f.ids.indexOf(seg[1 + 2 * i]);
    if (c < 0) throw fail.corrupt('its JPEG scan names a component the frame does not have');
    if (f.done.has(c)) throw fail.corrupt('its JPEG lossless data codes a component twice');
    const t = tables.dc[seg[2 + 2 * i] >> 4];
    if (!t) throw fail.corrupt('its JPEG scan uses a Huffman table that was never defined');
    offsets.push(c);
    dc.push(t);
    f.done.add(c);
  }
  const predictor = seg[1 + 2 * ns];
  const pt = seg[3 + 2 * ns] & 15;
  if (predictor < 1 || predictor > 7)
    throw new XrayError('UNSUPPORTED_FORMAT', `${name} uses JPEG lossless predictor ${predictor}; only 1 to 7 exist.`);
  if (pt >= f.precision)
    throw fail.corrupt(`its JPEG lossless point transform (${pt}) leaves no bits of its ${f.precision}-bit samples`);

  const { width, height } = f;
  const n = f.ids.length;
  const restartInterval = tables.restartInterval;
  // Every MCU is one sample of each scan component, so a row is `width` MCUs.
  if (restartInterval % width !== 0) {
    throw fail.corrupt(
      `its JPEG lossless restart interval (${restartInterval} pixels) is not a whole number of rows (${width} pixels), as the standard requires`,
    );
  }
  const reader = new EntropyReader(data, start, fail, restartInterval, width * height);
  const out = f.out;
  const stride = width * n;
  const initial = 1 << (f.precision - pt - 1);
  let sinceCheck = 0;

  /** Decodes the difference for one sample with table `t`. */
  const diff = (t: HuffmanTable): number => {
    const s = reader.decode(t);
    if (s === 0) return 0;
    if (s === 16) return 32768;
    if (s > 16) throw reader.damaged('its JPEG lossless data holds an impossible difference');
    return reader.receiveExtend(s);
  };

  for (let y = 0; y < height; y++) {
    const firstRow = reader.beforeMcu(y * width) || y === 0;
    const row = y * stride;
    for (let i = 0; i < ns; i++) {
      const o = row + offsets[i];
      out[o] = ((firstRow ? initial : out[o - stride]) + diff(dc[i])) & 0xffff;
    }
    for (let x = 1; x < width; x++) {
      for (let i = 0; i < ns; i++) {
        const o = row + x * n + offsets[i];
        const ra = out[o - n];
        let p: number;
        if (firstRow) p = ra;
        else {
          const rb = out[o - stride];
          const rc = out[o - stride - n];
          switch (predictor) {
            case 1:
              p = ra;
              break;
            case 2:
              p = rb;
              break;
            case 3:
              p = rc;
              break;
            case 4:
              p = ra + rb - rc;
              break;
            case 5:
              p = ra + ((rb - rc) >> 1);
              break;
            case 6:
              p = rb + ((ra - rc) >> 1);
              break;
            default:
              p = (ra + rb) >> 1;
          }
        }
        out[o] = (p + diff(dc[i])) & 0xffff;
      }
    }
    sinceCheck += width * ns;
    if (sinceCheck >= SAMPLES_PER_CHECK) {
      sinceCheck = 0;
      budget.check('decoding JPEG lossless');
    }
  }
  const end = reader.finish();
  if (pt)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) for (const c of offsets) out[y * stride + x * n + c] <<= pt;
  return end;
}
