import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { decodeRle } from '../../../src/core/decode/dicom/rle';
import { DecodeBudget } from '../../../src/core/decode/budget';
import { type XrayError } from '../../../src/core/errors';
import { makeDicom, type DicomSpec } from '../../fixtures/dicom';

const RAMP = Array.from({ length: 60 }, (_, i) => 1000 + i * i);

for (const transferSyntax of ['explicit', 'implicit', 'bigEndian'] as const) {
  test(`${transferSyntax}: the Modality LUT replaces stored values (clamped at both ends) and supersedes the rescale`, async () => {
    const spec: DicomSpec = {
      width: 8,
      height: 2,
      bitsStored: 12,
      transferSyntax,
      pixels: (x, y) => x * 10 + y,
      rescale: { slope: 2, intercept: -7 },
      modalityLut: { first: 5, bits: 16, data: RAMP, type: 'OD' },
    };
    const img = await decodeImage(await makeDicom(spec), 'lut.dcm');
    const expected = [];
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 8; x++) expected.push(RAMP[Math.max(0, Math.min(59, x * 10 + y - 5))]);
    assert.deepEqual(Array.from(img.data), expected);
    assert.deepEqual(img.rescale, { slope: 1, intercept: 0, unit: 'OD' });
    assert.equal(img.bitsStored, 16);
    assert.deepEqual(img.range, { min: Math.min(...expected), max: Math.max(...expected) });
    assert.ok(img.source.notices.some((n) => /Modality LUT applied \(60 entries/.test(n)));
    assert.ok(img.source.notices.some((n) => /takes precedence/.test(n)));
  });
}

test('a signed image maps through a LUT whose first value is negative', async () => {
  const spec: DicomSpec = {
    width: 4,
    height: 1,
    signed: true,
    pixels: (x) => x - 2,
    modalityLut: { first: -2, bits: 8, data: [10, 20, 30, 40] },
  };
  const img = await decodeImage(await makeDicom(spec), 'signed-lut.dcm');
  assert.deepEqual(Array.from(img.data), [10, 20, 30, 40]);
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(img.signed, false);
});

test('an unusable Modality LUT is not applied, and says why', async () => {
  const spec: DicomSpec = { width: 4, height: 1, modalityLut: { first: 0, bits: 16, data: [1, 2, 3] }, override: {} };
  const file = await makeDicom(spec);
  // Claim 300 entries for the 3 given.
  const at = findDescriptor(file);
  file[at] = 300 & 0xff;
  file[at + 1] = 300 >> 8;
  const img = await decodeImage(file, 'bad-lut.dcm');
  assert.ok(
    img.source.notices.some((n) =>
      /Modality LUT Sequence was not applied: its LUT Data holds 6 bytes for 300 entries/.test(n),
    ),
    img.source.notices.join(' | '),
  );
  assert.deepEqual(img.rescale, { slope: 1, intercept: 0 });
});

test('VOI LUTs become presets carrying their table (JSON-safe), after the window presets', async () => {
  const table = Array.from({ length: 300 }, (_, i) => Math.min(255, i));
  const img = await decodeImage(
    await makeDicom({
      width: 4,
      height: 4,
      windows: [{ center: 40, width: 80, explanation: 'W' }],
      voiLuts: [
        { first: 1000, bits: 8, data: table, explanation: 'SOFT' },
        { first: -100, bits: 16, data: [0, 65535] },
      ],
    }),
    'voi.dcm',
  );
  assert.equal(img.windows.length, 3);
  assert.deepEqual(img.windows[0], { center: 40, width: 80, label: 'W' });
  assert.deepEqual(img.windows[1], {
    center: 1150,
    width: 300,
    label: 'SOFT',
    lut: { first: 1000, bits: 8, data: table },
  });
  assert.equal(img.windows[2].label, 'VOI LUT 2');
  assert.deepEqual(JSON.parse(JSON.stringify(img.windows)), img.windows);
});

test('RLE: literal and replicate runs, the no-op header, 16-bit segment order (high byte first)', () => {
  // 2 x 2 pixels of 16 bits: segment 1 holds high bytes, segment 2 low bytes.
  const high = [0x01, 0x12, 0x34, 0x80, 0xfe, 0x56]; // literal 2, no-op, replicate 0x56 x 3... (trimmed to 4)
  const low = [0xfd, 0x07]; // replicate 0x07 x 4
  const header = new Uint8Array(64);
  const v = new DataView(header.buffer);
  v.setUint32(0, 2, true);
  v.setUint32(4, 64, true);
  v.setUint32(8, 64 + high.length, true);
  const frame = Uint8Array.from([...header, ...high, ...low]);
  const out = decodeRle(
    frame,
    {
      rows: 2,
      columns: 2,
      samplesPerPixel: 1,
      bitsAllocated: 16,
      planarConfiguration: 0,
      photometric: 'MONOCHROME2',
      frames: 1,
    },
    DecodeBudget.unlimited(),
    'r.dcm',
  );
  assert.deepEqual(Array.from(new Uint16Array(out.bytes.buffer)), [0x1207, 0x3407, 0x5607, 0x5607]);
  const short = Uint8Array.from([...header, ...high.slice(0, 3), ...low]);
  new DataView(short.buffer).setUint32(8, 67, true);
  assert.throws(
    () =>
      decodeRle(
        short,
        {
          rows: 2,
          columns: 2,
          samplesPerPixel: 1,
          bitsAllocated: 16,
          planarConfiguration: 0,
          photometric: 'MONOCHROME2',
          frames: 1,
        },
        DecodeBudget.unlimited(),
        'r.dcm',
      ),
    (e: XrayError) => e.code === 'CORRUPT' && /segment 1 holds 2 of the 4 bytes/.test(e.message),
  );
});

test('the decode budget: check() passes before the deadline and throws DECODE_TIMEOUT after it', () => {
  let now = 0;
  const b = new DecodeBudget('x.dcm', 100, () => now);
  b.check('start');
  now = 101;
  assert.throws(
    () => b.check('late'),
    (e: XrayError) =>
      e.code === 'DECODE_TIMEOUT' && /x\.dcm took longer than 100 ms/.test(e.message) && /late/.test(e.detail ?? ''),
  );
  // tick() reads the clock only every few thousand calls, then throws like check().
  assert.throws(
    () => {
      for (let i = 0; i < 10_000; i++) b.tick('loop');
    },
    (e: XrayError) => e.code === 'DECODE_TIMEOUT',
  );
});

/** Offset of the first LUT Descriptor value (explicit VR little endian: tag 0028,3002 + "US" + length). */
function findDescriptor(file: Uint8Array): number {
  for (let i = 132; i + 8 < file.length; i++) {
    if (file[i] === 0x28 && file[i + 1] === 0 && file[i + 2] === 0x02 && file[i + 3] === 0x30) return i + 8;
  }
  throw new Error('no LUT Descriptor');
}
