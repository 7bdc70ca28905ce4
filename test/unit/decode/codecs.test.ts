/**
 * Compressed transfer syntaxes, encoded at test time by dcmtk and GDCM from known pixels and decoded
 * back: lossless ones must give the exact stored values, lossy ones must stay within a PSNR bound
 * (JPEG-LS near-lossless within its declared maximum error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { type XrayError } from '../../../src/core/errors';
import { decodeJpegDct } from '../../../src/core/decode/dicom/jpeg-dct';
import { wasmDecode } from '../../../src/core/decode/dicom/wasm';
import { DecodeBudget } from '../../../src/core/decode/budget';
import {
  encodeDicom,
  ENCODINGS,
  maxAbsError,
  psnr,
  radiographLike,
  referenceDecode,
  skipUnlessTools,
  type EncodingName,
} from '../../fixtures/codecs';
import { expectedStored, makeDicom, type DicomSpec } from '../../fixtures/dicom';
import * as dicomParser from 'dicom-parser';

function assertExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    if (actual[i] !== expected[i]) assert.fail(`${what}: sample ${i}: ${actual[i]} !== ${expected[i]}`);
}

const GREY12: DicomSpec = {
  width: 97,
  height: 61,
  bitsStored: 12,
  pixels: radiographLike(12),
  windows: [{ center: 2048, width: 4096 }],
  pixelSpacing: [0.15, 0.15],
};
const GREY16: DicomSpec = { width: 64, height: 40, pixels: radiographLike(16) };
const SIGNED12: DicomSpec = {
  width: 50,
  height: 33,
  bitsStored: 12,
  signed: true,
  pixels: (x, y, f, c) => radiographLike(12, true)(x, y, f, c),
};
const GREY8: DicomSpec = { width: 83, height: 45, bitsAllocated: 8, pixels: radiographLike(8) };

async function roundTrip(spec: DicomSpec, encoding: EncodingName, extra?: string[], frame?: number) {
  const encoded = encodeDicom(await makeDicom(spec), encoding, { extra });
  const img = await decodeImage(encoded, `${encoding}.dcm`, undefined, frame === undefined ? {} : { frame });
  assert.equal(
    img.source.transferSyntaxUid,
    ENCODINGS[encoding].uid,
    `${encoding} wrote ${img.source.transferSyntaxUid}`,
  );
  assert.equal(img.width, spec.width);
  assert.equal(img.height, spec.height);
  return { img, encoded };
}

const LOSSLESS: [EncodingName, DicomSpec[]][] = [
  ['rle', [GREY12, GREY16, SIGNED12, GREY8]],
  ['jpegLosslessSv1', [GREY12, GREY16, SIGNED12, GREY8]],
  ['jpegLosslessP14', [GREY12, GREY8]],
  ['jpegLs', [GREY12, GREY16, SIGNED12, GREY8]],
  ['jpeg2000Lossless', [GREY12, GREY16, SIGNED12, GREY8]],
  ['bigEndian', [GREY12, SIGNED12, GREY8]],
  ['deflated', [GREY12, SIGNED12, GREY8]],
];

for (const [encoding, specs] of LOSSLESS) {
  test(`${encoding}: decoded samples equal the source exactly`, { skip: skipUnlessTools(encoding) }, async () => {
    for (const spec of specs) {
      const { img } = await roundTrip(spec, encoding);
      const what = `${encoding} ${spec.bitsAllocated ?? 16}/${spec.bitsStored ?? spec.bitsAllocated ?? 16}${spec.signed ? ' signed' : ''}`;
      assertExact(img.data, expectedStored(spec), what);
      assert.equal(img.signed, spec.signed ?? false, what);
      if (spec.signed) assert.ok(img.data instanceof Int16Array, what);
    }
  });
}

/** The same file through a reference decoder (dcmdjpeg, GDCM) and back through the verified native path. */
async function reference(file: Uint8Array, decoder: 'jpeg' | 'jpeg2000') {
  return decodeImage(referenceDecode(file, decoder), 'reference.dcm');
}

test(
  'JPEG baseline 8-bit: PSNR above 34 dB; the in-house DCT decoder agrees with libjpeg-turbo',
  { skip: skipUnlessTools('jpegBaseline') },
  async () => {
    const { img, encoded } = await roundTrip(GREY8, 'jpegBaseline');
    const db = psnr(img.data, expectedStored(GREY8), 8);
    assert.ok(db > 34, `PSNR ${db.toFixed(1)} dB`);
    assert.ok(maxAbsError(img.data, (await reference(encoded, 'jpeg')).data) <= 1, 'differs from dcmdjpeg');
    // Same stream through both decoders: IDCT rounding may differ by a grey level, never more.
    const frame = firstFragment(encoded);
    const ours = decodeJpegDct(frame, DecodeBudget.unlimited(), 'x');
    const theirs = await wasmDecode('jpeg8', frame, 'x');
    assert.ok(
      maxAbsError(ours.samples, theirs.bytes) <= 1,
      `max difference ${maxAbsError(ours.samples, theirs.bytes)}`,
    );
  },
);

test(
  'JPEG extended 12-bit (process 4): PSNR above 55 dB, and what dcmdjpeg decodes within one level',
  { skip: skipUnlessTools('jpegExtended') },
  async () => {
    const { img, encoded } = await roundTrip(GREY12, 'jpegExtended');
    assert.ok(img.data instanceof Uint16Array);
    assert.equal(img.bitsStored, 12);
    const db = psnr(img.data, expectedStored(GREY12), 12);
    assert.ok(db > 55, `PSNR ${db.toFixed(1)} dB`);
    const ref = (await reference(encoded, 'jpeg')).data;
    assert.ok(maxAbsError(img.data, ref) <= 1, `max difference from dcmdjpeg ${maxAbsError(img.data, ref)}`);
    assert.deepEqual(img.pixelSpacing, [0.15, 0.15]);
    assert.equal(img.windows.length, 1);
  },
);

test(
  'JPEG extended with 8-bit samples (process 2) goes through libjpeg-turbo',
  { skip: skipUnlessTools('jpegExtended') },
  async () => {
    const { img } = await roundTrip(GREY8, 'jpegExtended');
    assert.ok(psnr(img.data, expectedStored(GREY8), 8) > 34);
  },
);

test(
  'JPEG-LS near-lossless stays within its maximum deviation (NEAR = 2)',
  { skip: skipUnlessTools('jpegLsNear') },
  async () => {
    for (const spec of [GREY12, GREY8]) {
      const { img } = await roundTrip(spec, 'jpegLsNear');
      const err = maxAbsError(img.data, expectedStored(spec));
      assert.ok(err <= 2 && err > 0, `max error ${err}`);
    }
  },
);

test(
  'JPEG 2000 lossy (ratio 5): PSNR above 28 dB at 12 bits, and exactly what GDCM decodes',
  { skip: skipUnlessTools('jpeg2000Lossy') },
  async () => {
    const { img, encoded } = await roundTrip(GREY12, 'jpeg2000Lossy');
    const db = psnr(img.data, expectedStored(GREY12), 12);
    assert.ok(db > 28 && db < Infinity, `PSNR ${db.toFixed(1)} dB`);
    // GDCM keeps the codec's overshoot past 4095 (and widens Bits Stored); the viewer clamps it to 12 bits.
    const ref = Array.from((await reference(encoded, 'jpeg2000')).data, (v) => Math.min(v, 4095));
    assertExact(img.data, ref, 'against GDCM');
  },
);

const MULTI: DicomSpec = { width: 40, height: 36, bitsStored: 12, frames: 3, pixels: radiographLike(12) };

test(
  'multi-frame: every frame, with the offset table, without it, and with frames split across fragments',
  { skip: skipUnlessTools('rle', 'jpegLosslessSv1', 'jpegLs', 'jpeg2000Lossless') },
  async () => {
    const cases: [EncodingName, string[]][] = [
      ['rle', []],
      ['jpegLosslessSv1', []],
      ['jpegLosslessSv1', ['-ot']], // empty Basic Offset Table: one fragment per frame
      ['jpegLosslessSv1', ['+fs', '1']], // 1 KB fragments, frames found through the offset table
      ['jpegLosslessSv1', ['+fs', '1', '-ot']], // 1 KB fragments and no table: frames found by their SOI markers
      ['jpegLs', ['+fs', '1', '-ot']],
      ['jpeg2000Lossless', []],
    ];
    const source = await makeDicom(MULTI);
    for (const [encoding, extra] of cases) {
      const encoded = encodeDicom(source, encoding, { extra });
      for (let frame = 0; frame < 3; frame++) {
        const img = await decodeImage(encoded, 'multi.dcm', undefined, { frame });
        assert.deepEqual(img.frame, { index: frame, count: 3 });
        assertExact(img.data, expectedStored(MULTI, frame), `${encoding} ${extra.join(' ')} frame ${frame}`);
      }
    }
  },
);

test(
  'colour: JPEG baseline (YBR_FULL_422) and RLE RGB come out as grey with a notice',
  { skip: skipUnlessTools('jpegBaseline', 'rle') },
  async () => {
    const spec: DicomSpec = {
      width: 48,
      height: 32,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixels: (x, y, f, c) => radiographLike(8)(x + 3 * c, y, f, c),
    };
    const [r, g, b] = [0, 1, 2].map((c) => expectedStored(spec, 0, c));
    const luma = r.map((_, i) => Math.round(0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]));
    const rle = (await roundTrip(spec, 'rle')).img;
    assert.ok(maxAbsError(rle.data, luma) <= 1);
    assert.ok(rle.source.notices.some((n) => /grey/.test(n)));
    const jpeg = (await roundTrip(spec, 'jpegBaseline')).img;
    assert.equal(jpeg.photometric, 'MONOCHROME2');
    assert.ok(psnr(jpeg.data, luma, 8) > 30, `PSNR ${psnr(jpeg.data, luma, 8)}`);
    assert.ok(jpeg.source.notices.some((n) => /grey|luminance/.test(n)));
  },
);

test(
  'a compressed frame whose header disagrees with Rows/Columns is CORRUPT, naming both sizes',
  { skip: skipUnlessTools('jpegLs') },
  async () => {
    const encoded = encodeDicom(await makeDicom(GREY12), 'jpegLs');
    const lying = encodeWithRows(encoded, 60);
    await assert.rejects(
      decodeImage(lying, 'lying.dcm'),
      (e: XrayError) => e.code === 'CORRUPT' && /97 × 61 pixels but the file declares 97 × 60/.test(e.message),
    );
  },
);

test(
  'the tags of a compressed file list the encapsulated pixel data',
  { skip: skipUnlessTools('jpegLosslessSv1') },
  async () => {
    const { readDicomTags } = await import('../../../src/core/decode');
    const encoded = encodeDicom(await makeDicom(MULTI), 'jpegLosslessSv1', { extra: ['+fs', '1'] });
    const pixel = readDicomTags(encoded).find((r) => r.tag === '7FE0,0010');
    assert.match(pixel!.value, /^\(encapsulated, \d+ fragments, [\d,]+ bytes\)$/);
  },
);

/** Data of the first fragment (the whole first frame for single-fragment encodings). */
function firstFragment(file: Uint8Array): Uint8Array {
  const ds = dicomParser.parseDicom(file);
  const f = ds.elements.x7fe00010.fragments![0];
  return file.subarray(f.position, f.position + f.length);
}

/** The file with its Rows (0028,0010) value replaced; explicit VR little endian only. */
function encodeWithRows(file: Uint8Array, rows: number): Uint8Array {
  const out = file.slice();
  for (let i = 132; i + 10 <= out.length; i++) {
    if (
      out[i] === 0x28 &&
      out[i + 1] === 0 &&
      out[i + 2] === 0x10 &&
      out[i + 3] === 0 &&
      out[i + 4] === 0x55 &&
      out[i + 5] === 0x53
    ) {
      out[i + 8] = rows & 0xff;
      out[i + 9] = rows >> 8;
      return out;
    }
  }
  throw new Error('no Rows element');
}

test(
  'a compressed file passed as a view into a larger Buffer decodes, and the caller keeps its bytes',
  { skip: skipUnlessTools('jpegLs', 'jpegLosslessSv1') },
  async () => {
    for (const encoding of ['jpegLs', 'jpegLosslessSv1'] as const) {
      const file = encodeDicom(await makeDicom(GREY12), encoding);
      // A Buffer inside a bigger allocation: slice() on it is a view, and its .buffer holds other bytes too.
      const pool = Buffer.alloc(file.length + 100, 0xee);
      pool.set(file, 37);
      const view = pool.subarray(37, 37 + file.length);
      const img = await decodeImage(view, `${encoding}.dcm`);
      assertExact(img.data, expectedStored(GREY12), encoding);
      assert.equal(pool.buffer.byteLength, file.length + 100, 'the caller’s buffer was detached');
      assert.deepEqual(new Uint8Array(view), file);
    }
  },
);

test('the in-house DCT decoder handles interleaved 4:2:0 colour like libjpeg-turbo (luminance within 3 levels)', async () => {
  const { jpeg8 } = await import('../../fixtures/images');
  const w = 61;
  const h = 37;
  const jpg = new Uint8Array(
    await jpeg8(w, h, undefined, {
      colour: (x, y) => [(x * 4) & 255, (y * 6) & 255, ((x + y) * 3) & 255],
      quality: 92,
    }),
  );
  const ours = decodeJpegDct(jpg, DecodeBudget.unlimited(), 'c.jpg');
  assert.equal(ours.components, 3);
  const theirs = await wasmDecode('jpeg8', jpg, 'c.jpg');
  // Ours is raw YCbCr (component 0 is luminance); libjpeg-turbo returns RGB.
  const lumaOurs = Array.from({ length: w * h }, (_, i) => ours.samples[i * 3]);
  const lumaTheirs = Array.from(
    { length: w * h },
    (_, i) => 0.299 * theirs.bytes[i * 3] + 0.587 * theirs.bytes[i * 3 + 1] + 0.114 * theirs.bytes[i * 3 + 2],
  );
  assert.ok(maxAbsError(lumaOurs, lumaTheirs) <= 3, `max difference ${maxAbsError(lumaOurs, lumaTheirs).toFixed(1)}`);
});

test(
  'retired progressive syntaxes (dcmcjpeg +ep, +es): 8-bit decodes; 12-bit is refused naming SOF2 and dcmdjpeg, which does convert it',
  { skip: skipUnlessTools('jpegBaseline') },
  async () => {
    for (const [option, uid] of [
      ['+ep', '1.2.840.10008.1.2.4.55'],
      ['+es', '1.2.840.10008.1.2.4.53'],
    ]) {
      const eight = encodeDicom(await makeDicom(GREY8), 'jpegBaseline', { extra: [option] });
      const img = await decodeImage(eight, 'progressive8.dcm');
      assert.equal(img.source.transferSyntaxUid, uid);
      assert.ok(psnr(img.data, expectedStored(GREY8), 8) > 34, option);
      assert.deepEqual(
        img.source.notices.filter((n) => /progressive/.test(n)),
        [],
        'progressive is what this syntax declares',
      );

      const twelve = encodeDicom(await makeDicom(GREY12), 'jpegBaseline', { extra: [option] });
      await assert.rejects(decodeImage(twelve, 'progressive12.dcm'), (e: XrayError) => {
        assert.equal(e.code, 'UNSUPPORTED_FORMAT');
        assert.equal(
          e.message,
          "progressive12.dcm uses 12-bit JPEG progressive (SOF2) coding, which this viewer does not decode; convert it to an uncompressed transfer syntax first, e.g. with dcmtk's dcmdjpeg.",
        );
        return true;
      });
      const converted = await decodeImage(referenceDecode(twelve, 'jpeg'), 'converted.dcm');
      assert.ok(psnr(converted.data, expectedStored(GREY12), 12) > 55, `${option}: the advice works`);
    }
  },
);

test('arithmetic-coded JPEG (cjpeg -arithmetic) is refused naming SOF9; a retired syntax without a codec is named in the refusal', async (t) => {
  const { cjpeg, greyImage, jpegInDicom, skipUnlessInstalled } = await import('../../fixtures/jpeg-streams');
  const skip = skipUnlessInstalled('cjpeg');
  if (skip) return t.skip(skip);
  const img = greyImage(40, 24, 8);
  const stream = cjpeg(img, { extra: ['-arithmetic'] });
  const message = /^arith\.dcm uses 8-bit JPEG arithmetic-coded \(SOF9\) coding, which this viewer does not decode\.$/;
  await assert.rejects(
    decodeImage(await jpegInDicom(stream, img, 'jpegBaseline'), 'arith.dcm'),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT' && message.test(e.message),
  );
  assert.throws(
    () => decodeJpegDct(stream, DecodeBudget.unlimited(), 'arith.jpg'),
    /arith\.jpg uses JPEG arithmetic-coded \(SOF9\) coding/,
  );
  const { encapsulated, imageHeader, part10 } = await import('../../fixtures/hostile');
  const retired = part10(
    new Uint8Array([
      ...imageHeader(24, 40, 8),
      ...encapsulated([stream.length % 2 ? new Uint8Array([...stream, 0]) : stream]),
    ]),
    '1.2.840.10008.1.2.4.52',
  );
  await assert.rejects(
    decodeImage(retired, 'retired.dcm'),
    (e: XrayError) =>
      e.code === 'UNSUPPORTED_TRANSFER_SYNTAX' &&
      /JPEG Extended \(Process 3 & 5, retired\) \(1\.2\.840\.10008\.1\.2\.4\.52\)/.test(e.message),
  );
});
