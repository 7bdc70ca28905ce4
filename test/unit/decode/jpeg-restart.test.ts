/**
 * JPEG restart intervals (DRI and RST0..RST7), from encoders that write them: libjpeg-turbo's cjpeg
 * (8-bit baseline) and the PVRG codec (8-bit baseline, 12-bit extended, lossless); dcmtk's dcmcjpeg has
 * no restart option. Lossy frames must stay within a PSNR bound of the source and within one grey level
 * of a reference decoder (libjpeg-turbo, or dcmtk's dcmdjpeg); lossless ones must be exact. Then the
 * same streams damaged around their restart markers: each must end in a clear error, fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { DecodeBudget } from '../../../src/core/decode/budget';
import { decodeJpegDct } from '../../../src/core/decode/dicom/jpeg-dct';
import { decodeJpegLossless } from '../../../src/core/decode/dicom/jpeg-lossless';
import { wasmDecode } from '../../../src/core/decode/dicom/wasm';
import { XrayError } from '../../../src/core/errors';
import { maxAbsError, psnr, referenceDecode } from '../../fixtures/codecs';
import {
  cjpeg,
  firstColumnMid,
  greyImage,
  jpegInDicom,
  markerOffset,
  pvrgJpeg,
  restartMarkers,
  skipUnlessInstalled,
  splice,
  withRestartInterval,
  type GreyImage,
} from '../../fixtures/jpeg-streams';
import { costGuard, cpuClock } from '../timing';

// 83 x 45 at 8 bits: 11 x 6 = 66 MCUs of 8 x 8. 97 x 61 at 12 bits: 13 x 8 = 104 MCUs.
const G8 = greyImage(83, 45, 8);
const G12 = greyImage(97, 61, 12);
const unlimited = () => DecodeBudget.unlimited();

/** The restart interval a stream declares (its DRI), or 0. */
function declaredInterval(stream: Uint8Array): number {
  for (let p = 2; p + 4 <= stream.length && stream[p] === 0xff; p += 2 + ((stream[p + 2] << 8) | stream[p + 3])) {
    if (stream[p + 1] === 0xdd) return (stream[p + 4] << 8) | stream[p + 5];
  }
  return 0;
}

/** The encoder really wrote restarts: the interval it declares, and one marker between every two intervals. */
function assertRestarts(stream: Uint8Array, interval: number, mcus: number, what: string): void {
  assert.equal(declaredInterval(stream), interval, `${what}: DRI`);
  const markers = restartMarkers(stream);
  assert.equal(markers.length, Math.ceil(mcus / interval) - 1, `${what}: RST markers`);
  markers.forEach((at, i) => assert.equal(stream[at + 1], 0xd0 + (i % 8), `${what}: marker ${i} is RST${i % 8}`));
}

/** dcmtk's dcmdjpeg (IJG libjpeg) decoding the same DICOM file. */
async function dcmdjpeg(file: Uint8Array) {
  return (await decodeImage(referenceDecode(file, 'jpeg'), 'reference.dcm')).data;
}

test(
  '8-bit baseline from cjpeg, restarts every 1, 7, 11 (one MCU row), 13 and 22 MCUs: PSNR above 35 dB and within one level of libjpeg-turbo',
  { skip: skipUnlessInstalled('cjpeg') },
  async () => {
    for (const [option, interval] of [
      ['1B', 1],
      ['7B', 7],
      ['1', 11],
      ['13B', 13],
      ['2', 22],
    ] as const) {
      const stream = cjpeg(G8, { restart: option });
      assertRestarts(stream, interval, 66, `-restart ${option}`);
      const ours = decodeJpegDct(stream, unlimited(), 'r.jpg');
      const db = psnr(ours.samples, G8.samples, 8);
      assert.ok(db > 35, `-restart ${option}: PSNR ${db.toFixed(1)} dB`);
      const turbo = (await wasmDecode('jpeg8', stream, 'r.jpg')).bytes;
      assert.ok(
        maxAbsError(ours.samples, turbo) <= 1,
        `-restart ${option}: ${maxAbsError(ours.samples, turbo)} levels from libjpeg-turbo`,
      );
      // Inside DICOM, and without its EOI (which sends it to the in-house decoder there too).
      const file = await jpegInDicom(stream, G8, 'jpegBaseline');
      assert.deepEqual(Array.from((await decodeImage(file, 'r.dcm')).data), Array.from(turbo));
      const noEoi = await decodeImage(
        await jpegInDicom(stream.subarray(0, stream.length - 2), G8, 'jpegBaseline'),
        'r.dcm',
      );
      assert.deepEqual(Array.from(noEoi.data), Array.from(ours.samples));
    }
  },
);

test(
  '8-bit colour 4:2:0 from cjpeg (six blocks per MCU), restarts every 1, 5 and 6 MCUs: luminance within 3 levels of libjpeg-turbo',
  { skip: skipUnlessInstalled('cjpeg') },
  async () => {
    const rgb = (x: number, y: number): [number, number, number] => [(x * 4) & 255, (y * 6) & 255, ((x + y) * 3) & 255];
    // 61 x 37 in 16 x 16 MCUs: 4 x 3 = 12.
    const img = greyImage(61, 37, 8);
    for (const [option, interval] of [
      ['1B', 1],
      ['5B', 5],
      ['1', 4],
    ] as const) {
      const stream = cjpeg(img, { rgb, restart: option, quality: 92 });
      assertRestarts(stream, interval, 12, `colour -restart ${option}`);
      const ours = decodeJpegDct(stream, unlimited(), 'c.jpg');
      const theirs = (await wasmDecode('jpeg8', stream, 'c.jpg')).bytes;
      const lumaOurs = Array.from({ length: 61 * 37 }, (_, i) => ours.samples[i * 3]);
      const lumaTheirs = Array.from(
        { length: 61 * 37 },
        (_, i) => 0.299 * theirs[i * 3] + 0.587 * theirs[i * 3 + 1] + 0.114 * theirs[i * 3 + 2],
      );
      assert.ok(
        maxAbsError(lumaOurs, lumaTheirs) <= 3,
        `-restart ${option}: ${maxAbsError(lumaOurs, lumaTheirs).toFixed(1)} levels`,
      );
    }
  },
);

test(
  '8-bit baseline from PVRG (all-zero scan parameters that libjpeg-turbo refuses): DICOM decodes, PSNR above 38 dB, within one level of dcmdjpeg',
  { skip: skipUnlessInstalled('pvrg-jpeg', 'dcmdjpeg') },
  async () => {
    for (const interval of [0, 1, 7, 11]) {
      const stream = pvrgJpeg(G8, { restart: interval });
      if (interval) assertRestarts(stream, interval, 66, `PVRG -r ${interval}`);
      // Why the fallback exists: libjpeg-turbo's wrapper turns libjpeg's warning into a failure.
      await assert.rejects(wasmDecode('jpeg8', stream, 'p.jpg'), /libjpeg-turbo could not decode it/);
      const file = await jpegInDicom(stream, G8, 'jpegBaseline');
      const img = await decodeImage(file, 'pvrg.dcm');
      const db = psnr(img.data, G8.samples, 8);
      assert.ok(db > 38, `-r ${interval}: PSNR ${db.toFixed(1)} dB`);
      const ref = await dcmdjpeg(file);
      assert.ok(maxAbsError(img.data, ref) <= 1, `-r ${interval}: ${maxAbsError(img.data, ref)} levels from dcmdjpeg`);
    }
  },
);

test(
  '12-bit extended from PVRG, restarts every 1, 5, 13 (one MCU row) and 17 MCUs: PSNR above 60 dB, within one level of dcmdjpeg',
  { skip: skipUnlessInstalled('pvrg-jpeg', 'dcmdjpeg') },
  async () => {
    for (const interval of [1, 5, 13, 17]) {
      const stream = pvrgJpeg(G12, { restart: interval });
      assertRestarts(stream, interval, 104, `PVRG 12-bit -r ${interval}`);
      const file = await jpegInDicom(stream, G12, 'jpegExtended');
      const img = await decodeImage(file, 'pvrg12.dcm');
      assert.equal(img.bitsStored, 12);
      const db = psnr(img.data, G12.samples, 12);
      assert.ok(db > 60, `-r ${interval}: PSNR ${db.toFixed(1)} dB`);
      const ref = await dcmdjpeg(file);
      assert.ok(maxAbsError(img.data, ref) <= 1, `-r ${interval}: ${maxAbsError(img.data, ref)} levels from dcmdjpeg`);
    }
  },
);

/** A lossless stream from PVRG in DICOM (SV1 syntax for predictor 1, process 14 otherwise). */
async function losslessFile(img: GreyImage, predictor: number, rows: number) {
  const stream = pvrgJpeg(img, { predictor, restart: rows * img.width });
  if (rows)
    assertRestarts(stream, rows * img.width, img.width * img.height, `PVRG lossless -k ${predictor} -r ${rows} rows`);
  return { stream, file: await jpegInDicom(stream, img, predictor === 1 ? 'jpegLossless' : 'jpegLosslessP14') };
}

test(
  'lossless SV1 from PVRG, restarts every 1 and 3 rows, 8 and 12 bits: exactly the source',
  { skip: skipUnlessInstalled('pvrg-jpeg') },
  async () => {
    for (const bits of [8, 12]) {
      // Column 0 at 2^(bits-1), where PVRG's prediction after a restart and the standard's coincide.
      const img = greyImage(bits === 8 ? 83 : 97, bits === 8 ? 45 : 61, bits, firstColumnMid(bits));
      for (const rows of [1, 3]) {
        const { file } = await losslessFile(img, 1, rows);
        const out = await decodeImage(file, 'lossless.dcm');
        assert.deepEqual(Array.from(out.data), img.samples, `${bits}-bit, ${rows} rows per interval`);
      }
    }
  },
);

test(
  'lossless from PVRG with restarts, any image, predictors 1, 4 and 7: exactly what dcmdjpeg decodes',
  { skip: skipUnlessInstalled('pvrg-jpeg', 'dcmdjpeg') },
  async () => {
    for (const [img, predictor, rows] of [
      [G8, 1, 1],
      [G12, 1, 2],
      [G12, 4, 1],
      [G8, 7, 3],
      [G12, 7, 1],
    ] as const) {
      const { stream, file } = await losslessFile(img, predictor, rows);
      const what = `${img.bits}-bit predictor ${predictor}, ${rows} rows per interval`;
      // The decoder's own output, reduced to the sample precision as dcmtk reduces it: PVRG's restarts
      // (see jpeg-streams.ts) push some samples out of range, which the viewer would clamp instead.
      const mask = 2 ** img.bits - 1;
      const ours = Array.from(decodeJpegLossless(stream, unlimited(), 'l.jpg').samples, (v) => v & mask);
      const ref = await dcmdjpeg(file);
      assert.equal(maxAbsError(ours, ref), 0, what);
      // Not the source: PVRG's idea of a restart is not the standard's, so the reference is doing the work.
      assert.ok(maxAbsError(ours, img.samples) > 0, what);
    }
  },
);

test(
  'a lossless restart interval that is not a whole number of rows is CORRUPT, saying so',
  { skip: skipUnlessInstalled('pvrg-jpeg') },
  async () => {
    const stream = pvrgJpeg(G8, { predictor: 1, restart: 7 });
    assert.throws(
      () => decodeJpegLossless(stream, unlimited(), 'odd.jpg'),
      (e: XrayError) =>
        e.code === 'CORRUPT' &&
        /restart interval \(7 pixels\) is not a whole number of rows \(83 pixels\)/.test(e.message),
    );
  },
);

test(
  'a DRI of 0 means no restarts: added to a stream without markers, it decodes the same',
  { skip: skipUnlessInstalled('cjpeg', 'pvrg-jpeg') },
  async () => {
    const plain8 = cjpeg(G8);
    assert.deepEqual(
      decodeJpegDct(withRestartInterval(plain8, 0), unlimited(), 'a').samples,
      decodeJpegDct(plain8, unlimited(), 'a').samples,
    );
    const plain12 = pvrgJpeg(G12);
    assert.deepEqual(
      decodeJpegDct(withRestartInterval(plain12, 0), unlimited(), 'b').samples,
      decodeJpegDct(plain12, unlimited(), 'b').samples,
    );
    const lossless = pvrgJpeg(G12, { predictor: 1 });
    assert.deepEqual(
      decodeJpegLossless(withRestartInterval(lossless, 0), unlimited(), 'c').samples,
      Uint16Array.from(G12.samples),
    );
  },
);

// ---------------------------------------------------------------------------------------------------
// Damaged restart markers, in DICOM (8-bit: libjpeg-turbo refuses, then the strict decoder decides).

interface Damage {
  what: string;
  damage: (s: Uint8Array) => Uint8Array;
  code: 'CORRUPT' | 'TRUNCATED';
  message?: RegExp;
}

/** Damage around the second and third restart markers of a stream restarting every `interval` MCUs. */
function damages(interval: number): Damage[] {
  const rst = (s: Uint8Array, i: number) => restartMarkers(s)[i];
  return [
    {
      what: 'RST1 removed',
      damage: (s) => splice(s, rst(s, 1), 2),
      code: 'CORRUPT',
      message: new RegExp(`restart marker RST1 is missing after MCU ${2 * interval} of`),
    },
    {
      what: 'RST1 doubled',
      damage: (s) => splice(s, rst(s, 1), 0, [0xff, 0xd1]),
      code: 'CORRUPT',
      message: new RegExp(`marker RST1 cuts short the JPEG data of MCUs ${2 * interval + 1} to ${3 * interval} \\(of`),
    },
    {
      what: 'RST1 renumbered RST2',
      damage: (s) => splice(s, rst(s, 1) + 1, 1, [0xd2]),
      code: 'CORRUPT',
      message: /out of sequence: RST2 stands where RST1 is due/,
    },
    {
      what: 'RST1 and RST2 swapped',
      damage: (s) => splice(splice(s, rst(s, 1) + 1, 1, [0xd2]), rst(s, 2) + 1, 1, [0xd1]),
      code: 'CORRUPT',
      message: /out of sequence/,
    },
    {
      what: 'RST1 replaced by a COM marker',
      damage: (s) => splice(s, rst(s, 1), 2, [0xff, 0xfe, 0, 2]),
      code: 'CORRUPT',
      message: /RST1 is missing .* \(a COM marker stands in its place\)/,
    },
    {
      what: 'DRI set to 0 with the markers left in',
      damage: (s) => withRestartInterval(s, 0),
      code: 'CORRUPT',
      message: /marker RST0 cuts short the JPEG data of MCUs 1 to \d+/,
    },
    { what: 'DRI one MCU longer', damage: (s) => withRestartInterval(s, interval + 1), code: 'CORRUPT' },
    {
      what: 'cut in the middle of the third interval',
      damage: (s) => s.subarray(0, (rst(s, 1) + rst(s, 2)) >> 1),
      code: 'TRUNCATED',
    },
    {
      what: 'cut in the third interval, EOI appended',
      damage: (s) => splice(s.subarray(0, (rst(s, 1) + rst(s, 2)) >> 1), (rst(s, 1) + rst(s, 2)) >> 1, 0, [0xff, 0xd9]),
      code: 'TRUNCATED',
    },
    { what: 'cut right after RST1', damage: (s) => s.subarray(0, rst(s, 1) + 2), code: 'TRUNCATED' },
  ];
}

/**
 * `quickly` judges the damaged file's CPU time against decoding the intact one, side by side
 * (test/unit/timing.ts): a damaged stream must not send the decoder into a spin or a slow path.
 */
async function checkDamaged(
  name: string,
  file: Uint8Array,
  d: Damage,
  quickly: ReturnType<typeof costGuard>,
): Promise<void> {
  const spent = cpuClock();
  const e = await decodeImage(file, name).then(
    () => assert.fail(`${name} ${d.what}: decoded`),
    (err: unknown) => err,
  );
  await quickly(`${name} ${d.what}`, spent(), () => decodeImage(file, name));
  assert.ok(e instanceof XrayError, `${name} ${d.what}: ${String(e)}`);
  assert.equal(e.code, d.code, `${name} ${d.what}: ${e.message}`);
  assert.ok(e.message.startsWith(name), e.message);
  if (d.message) assert.match(e.message, d.message, `${name} ${d.what}`);
}

test(
  'damaged restart markers (missing, doubled, out of sequence, replaced, DRI wrong, cut mid-interval): CORRUPT or TRUNCATED naming the marker',
  { skip: skipUnlessInstalled('cjpeg', 'pvrg-jpeg') },
  async () => {
    const streams: [string, Uint8Array, GreyImage, 'jpegBaseline' | 'jpegExtended' | 'jpegLossless', number][] = [
      ['cjpeg8.dcm', cjpeg(G8, { restart: '7B' }), G8, 'jpegBaseline', 7],
      ['pvrg12.dcm', pvrgJpeg(G12, { restart: 5 }), G12, 'jpegExtended', 5],
      ['lossless12.dcm', pvrgJpeg(G12, { predictor: 1, restart: 2 * G12.width }), G12, 'jpegLossless', 2 * G12.width],
    ];
    for (const [name, stream, img, syntax, interval] of streams) {
      const intact = await jpegInDicom(stream, img, syntax);
      // Measured up to ~3 intact decodes (an error thrown early costs less than a full decode).
      const quickly = costGuard(() => decodeImage(intact, name), 50);
      for (const d of damages(interval)) {
        // The lossless decoder refuses a DRI that is not whole rows before it reads any data.
        const lossless = syntax === 'jpegLossless' && d.what === 'DRI one MCU longer';
        await checkDamaged(
          name,
          await jpegInDicom(d.damage(stream), img, syntax),
          lossless ? { ...d, message: /not a whole number of rows/ } : d,
          quickly,
        );
      }
    }
  },
);

test(
  'the undamaged streams of the hostile cases decode (so the damage is what fails them)',
  { skip: skipUnlessInstalled('cjpeg', 'pvrg-jpeg') },
  async () => {
    for (const [stream, img, syntax] of [
      [cjpeg(G8, { restart: '7B' }), G8, 'jpegBaseline'],
      [pvrgJpeg(G12, { restart: 5 }), G12, 'jpegExtended'],
      [pvrgJpeg(G12, { predictor: 1, restart: 2 * G12.width }), G12, 'jpegLossless'],
    ] as const) {
      const out = await decodeImage(await jpegInDicom(stream, img, syntax), 'ok.dcm');
      assert.equal(out.width, img.width);
      assert.ok(markerOffset(stream, 0xdd) > 0);
    }
  },
);
