import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import type { XrayError } from '../../../src/core/errors';
import { expectedStored, handPhantomDicom, makeDicom, type DicomSpec } from '../../fixtures/dicom';
import { handPhantom } from '../../fixtures/images';
import { assertCostRatio } from '../timing';

function assertSamples(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`sample ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

async function roundTrip(spec: DicomSpec, name = 'image.dcm', frame?: number) {
  return decodeImage(await makeDicom(spec), name, undefined, frame === undefined ? undefined : { frame });
}

for (const transferSyntax of ['explicit', 'implicit'] as const) {
  for (const preamble of [true, false]) {
    test(`${transferSyntax} VR little endian, ${preamble ? 'with' : 'without'} preamble: exact 16-bit values`, async () => {
      const spec: DicomSpec = { width: 70, height: 33, transferSyntax, preamble };
      const img = await roundTrip(spec);
      assert.ok(img.data instanceof Uint16Array);
      assert.equal(img.width, 70);
      assert.equal(img.height, 33);
      assertSamples(img.data, expectedStored(spec));
      assert.ok(img.range.max > 255 * 100, `max ${img.range.max}`);
      assert.equal(img.bitsStored, 16);
      assert.equal(img.signed, false);
      assert.equal(img.source.format, 'dicom');
      const uid = transferSyntax === 'explicit' ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
      assert.equal(img.source.transferSyntaxUid, uid);
      assert.match(
        img.source.encoding,
        transferSyntax === 'explicit' ? /Explicit VR Little Endian/ : /Implicit VR Little Endian/,
      );
      if (!preamble) assert.match(img.source.encoding, /no preamble/);
    });
  }
  test(`${transferSyntax}: a bare data set (no meta header, no extension) is found and read`, async () => {
    const spec: DicomSpec = { width: 20, height: 10, transferSyntax, meta: false };
    const img = await roundTrip(spec, 'IM000001');
    assertSamples(img.data, expectedStored(spec));
    assert.ok(img.source.notices.some((n) => /transfer syntax/.test(n)));
  });
}

test('8-bit samples decode to Uint8Array', async () => {
  const spec: DicomSpec = { width: 17, height: 9, bitsAllocated: 8 };
  const img = await roundTrip(spec);
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(img.bitsStored, 8);
  assertSamples(img.data, expectedStored(spec));
});

test('Bits Stored masks junk above the High Bit', async () => {
  // Overlay-like junk in bits 12-15 that a reader must drop.
  const spec: DicomSpec = {
    width: 16,
    height: 16,
    bitsStored: 12,
    pixels: (x, y) => (((x * 16 + y) * 13) % 4096) | 0xa000,
  };
  const img = await roundTrip(spec);
  assert.equal(img.bitsStored, 12);
  assertSamples(
    img.data,
    expectedStored(spec).map((v) => v & 0x0fff),
  );
  assert.ok(img.range.max < 4096);
});

test('a High Bit above Bits Stored - 1 shifts the stored bits down', async () => {
  // 10 bits stored in bits 4..13.
  const spec: DicomSpec = {
    width: 8,
    height: 8,
    bitsStored: 10,
    highBit: 13,
    pixels: (x, y) => (((x * 8 + y) * 15) << 4) | 0x8003,
  };
  const img = await roundTrip(spec);
  assertSamples(
    img.data,
    expectedStored(spec).map((v) => (v >> 4) & 0x3ff),
  );
});

test('signed 16-bit samples decode to Int16Array with negatives', async () => {
  const spec: DicomSpec = { width: 20, height: 20, signed: true, pixels: (x, y) => (x - 10) * 1500 + y };
  const img = await roundTrip(spec);
  assert.ok(img.data instanceof Int16Array);
  assert.equal(img.signed, true);
  assertSamples(img.data, expectedStored(spec));
  assert.deepEqual(img.range, { min: -15000, max: 9 * 1500 + 19 });
});

test('signed 12-bit samples are sign-extended from bit 11', async () => {
  const spec: DicomSpec = {
    width: 16,
    height: 8,
    signed: true,
    bitsStored: 12,
    pixels: (x, y) => ((x - 8) * 200 + y) & 0x0fff,
  };
  const img = await roundTrip(spec, 'signed12.dcm');
  assert.ok(img.data instanceof Int16Array);
  assertSamples(
    img.data,
    expectedStored(spec).map((v) => (v << 20) >> 20),
  );
  assert.equal(img.range.min, -1600);
});

test('signed 8-bit samples widen to Int16Array', async () => {
  const spec: DicomSpec = {
    width: 16,
    height: 4,
    bitsAllocated: 8,
    signed: true,
    pixels: (x) => (x * 16 - 128) & 0xff,
  };
  const img = await roundTrip(spec);
  assert.ok(img.data instanceof Int16Array);
  assertSamples(
    img.data,
    expectedStored(spec).map((v) => (v << 24) >> 24),
  );
});

test('MONOCHROME1 is reported, values untouched', async () => {
  const spec: DicomSpec = { width: 10, height: 10, photometric: 'MONOCHROME1' };
  const img = await roundTrip(spec);
  assert.equal(img.photometric, 'MONOCHROME1');
  assertSamples(img.data, expectedStored(spec));
});

test('rescale slope/intercept and Rescale Type become the modality transform and its unit', async () => {
  const spec: DicomSpec = {
    width: 10,
    height: 10,
    bitsStored: 12,
    rescale: { slope: 0.5, intercept: -1024, type: 'OD' },
    pixels: (x, y) => 100 + x * 10 + y,
  };
  const img = await roundTrip(spec);
  assert.deepEqual(img.rescale, { slope: 0.5, intercept: -1024, unit: 'OD' });
  assertSamples(img.data, expectedStored(spec));
  assert.deepEqual(img.range, { min: 100 * 0.5 - 1024, max: 199 * 0.5 - 1024 });
  // A negative slope swaps the ends of the range.
  const neg = await roundTrip({ ...spec, rescale: { slope: -1, intercept: 4095 } });
  assert.deepEqual(neg.range, { min: 4095 - 199, max: 4095 - 100 });
  assert.equal(neg.rescale.unit, undefined);
});

test('several window center/width pairs become presets labelled by their explanations', async () => {
  const img = await roundTrip({
    windows: [
      { center: 2000, width: 4000, explanation: 'FULL' },
      { center: 1500, width: 800, explanation: 'BONE' },
    ],
    voiLutFunction: 'SIGMOID',
  });
  assert.deepEqual(img.windows, [
    { center: 2000, width: 4000, label: 'FULL', fn: 'SIGMOID' },
    { center: 1500, width: 800, label: 'BONE', fn: 'SIGMOID' },
  ]);
});

test('windows without explanations get numbered labels; unusable widths are dropped', async () => {
  const img = await roundTrip({
    windows: [
      { center: 100, width: 50 },
      { center: 5, width: 0 },
      { center: 7, width: 9 },
    ],
  });
  assert.deepEqual(img.windows, [
    { center: 100, width: 50, label: 'Window 1' },
    { center: 7, width: 9, label: 'Window 3' },
  ]);
  assert.deepEqual((await roundTrip({})).windows, []);
});

test('Pixel Spacing, or Imager Pixel Spacing with a notice', async () => {
  assert.deepEqual((await roundTrip({ pixelSpacing: [0.143, 0.15] })).pixelSpacing, [0.143, 0.15]);
  const imager = await roundTrip({ imagerPixelSpacing: [0.1, 0.1] });
  assert.deepEqual(imager.pixelSpacing, [0.1, 0.1]);
  assert.ok(imager.source.notices.some((n) => /Imager Pixel Spacing/.test(n)));
  const both = await roundTrip({ pixelSpacing: [0.2, 0.2], imagerPixelSpacing: [0.1, 0.1] });
  assert.deepEqual(both.pixelSpacing, [0.2, 0.2]);
  assert.equal((await roundTrip({})).pixelSpacing, undefined);
});

test('multi-frame: the requested frame is decoded and the count reported', async () => {
  const spec: DicomSpec = { width: 12, height: 7, frames: 3, transferSyntax: 'implicit' };
  const file = await makeDicom(spec);
  const first = await decodeImage(file, 'cine.dcm');
  assert.deepEqual(first.frame, { index: 0, count: 3 });
  assertSamples(first.data, expectedStored(spec, 0));
  const last = await decodeImage(file, 'cine.dcm', undefined, { frame: 2 });
  assert.deepEqual(last.frame, { index: 2, count: 3 });
  assertSamples(last.data, expectedStored(spec, 2));
  await assert.rejects(decodeImage(file, 'cine.dcm', undefined, { frame: 3 }), (e: XrayError) =>
    /Frame 3.*3 frames/.test(e.message),
  );
  assert.equal((await roundTrip({ width: 4, height: 4 })).frame, undefined);
});

test('RGB is converted to grey with a notice, interleaved and planar alike', async () => {
  for (const planarConfiguration of [0, 1] as const) {
    const spec: DicomSpec = { width: 9, height: 5, bitsAllocated: 8, photometric: 'RGB', planarConfiguration };
    const img = await roundTrip(spec);
    assert.equal(img.photometric, 'MONOCHROME2');
    const [r, g, b] = [0, 1, 2].map((c) => expectedStored(spec, 0, c));
    const luma = r.map((_, i) => Math.round(0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]));
    for (let i = 0; i < luma.length; i++)
      assert.ok(Math.abs(img.data[i] - luma[i]) <= 1, `planar ${planarConfiguration} pixel ${i}`);
    assert.ok(img.source.notices.some((n) => /RGB.*grey/.test(n)));
  }
});

test('YBR_FULL is shown as its luminance channel', async () => {
  const spec: DicomSpec = { width: 6, height: 4, bitsAllocated: 8, photometric: 'YBR_FULL' };
  const img = await roundTrip(spec);
  assertSamples(img.data, expectedStored(spec, 0, 0));
  assert.ok(img.source.notices.some((n) => /luminance/.test(n)));
});

test('PALETTE COLOR is refused with a clear message', async () => {
  await assert.rejects(
    roundTrip({ bitsAllocated: 8, photometric: 'PALETTE COLOR' }),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT' && /PALETTE COLOR/.test(e.message),
  );
});

test('transfer syntaxes without a codec name the syntax', async () => {
  const cases = [
    ['mpeg2', 'MPEG2 Main Profile', '1.2.840.10008.1.2.4.100'],
    ['jpegXl', 'JPEG XL', '1.2.840.10008.1.2.4.112'],
    ['htj2k', 'High-Throughput JPEG 2000', '1.2.840.10008.1.2.4.201'],
  ] as const;
  for (const [transferSyntax, name, uid] of cases) {
    await assert.rejects(roundTrip({ width: 8, height: 8, transferSyntax }, 'c.dcm'), (e: XrayError) => {
      assert.equal(e.code, 'UNSUPPORTED_TRANSFER_SYNTAX');
      assert.ok(e.message.includes(name) && e.message.includes(uid), e.message);
      return true;
    });
  }
});

test('no patient-identifying value appears in the result', async () => {
  const img = await roundTrip({
    patientName: 'Doe^Jane^Q',
    patientId: 'MRN-998877',
    windows: [{ center: 1, width: 2 }],
  });
  const { data: _data, ...rest } = img;
  const text = JSON.stringify(rest);
  assert.ok(!/Doe|Jane|998877/.test(text), text);
});

test('Rows/Columns missing is CORRUPT; no Pixel Data is reported for what it is', async () => {
  await assert.rejects(
    roundTrip({ override: { Rows: undefined } }),
    (e: XrayError) => e.code === 'CORRUPT' && /rows and columns/.test(e.message),
  );
  await assert.rejects(
    roundTrip({ override: { PixelData: undefined } }),
    (e: XrayError) => e.code === 'TRUNCATED' && /no Pixel Data/.test(e.message),
  );
  await assert.rejects(
    roundTrip({
      override: {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22',
        PixelData: undefined,
        Rows: undefined,
        Columns: undefined,
      },
    }),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT' && /no image/.test(e.message),
  );
});

test('unsupported Bits Allocated is refused clearly', async () => {
  await assert.rejects(
    roundTrip({ width: 4, height: 4, override: { BitsAllocated: 12 } }),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT' && /12 bits/.test(e.message),
  );
});

test('a 2048 x 2500 16-bit DICOM decodes in a few passes over its pixels', async (t) => {
  const file = await makeDicom({ width: 2048, height: 2500, bitsStored: 12, pixels: (x, y) => (x * 3 + y) & 0xfff });
  const img = await decodeImage(file, 'big.dcm');
  assert.equal(img.data.length, 2048 * 2500);
  // Against one plain pass over the samples, side by side (test/unit/timing.ts). Measured about 4
  // passes; a per-pixel slow path (a DataView call, an allocation per sample) costs tens.
  const samples = img.data;
  const onePass = () => {
    let s = 0;
    for (let i = 0; i < samples.length; i++) s += samples[i];
    return s;
  };
  const passes = await assertCostRatio('decoding 2048 x 2500', () => decodeImage(file, 'big.dcm'), onePass, 25);
  t.diagnostic(`decode = ${passes.toFixed(1)} passes over the pixels`);
});

test('hand phantom DICOM decodes to the phantom samples', async () => {
  const img = await decodeImage(await handPhantomDicom({ width: 120, height: 150, seed: 5 }), 'hand.dcm');
  assertSamples(img.data, handPhantom({ width: 120, height: 150, seed: 5 }).data);
  assert.deepEqual(
    img.windows.map((w) => w.label),
    ['FULL', 'BONE'],
  );
  assert.deepEqual(img.pixelSpacing, [0.1, 0.1]);
});
