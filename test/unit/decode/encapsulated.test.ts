/** Finding frames in encapsulated pixel data: Extended Offset Table, Basic Offset Table, one fragment per frame. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { type XrayError } from '../../../src/core/errors';
import { concat, element, encapsulated, imageHeader, part10 } from '../../fixtures/hostile';

const ENCAPSULATED_UNCOMPRESSED = '1.2.840.10008.1.2.1.98';
const frame = (v: number) => new Uint8Array(16).fill(v); // 4 x 4 pixels, 8-bit

function u64s(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(i * 8, BigInt(x), true));
  return b;
}

async function frames(file: Uint8Array, count: number): Promise<number[]> {
  const out = [];
  for (let f = 0; f < count; f++) out.push((await decodeImage(file, 'enc.dcm', undefined, { frame: f })).data[0]);
  return out;
}

test('Extended Offset Table (OV, which dicom-parser alone misreads): frames found by its offsets and lengths', async () => {
  // Three frames, each one fragment of 16 bytes (item header 8): offsets 0, 24, 48.
  const eot = concat([
    element(0x7fe0, 0x0001, 'OV', u64s([0, 24, 48])),
    element(0x7fe0, 0x0002, 'OV', u64s([16, 16, 16])),
  ]);
  const file = part10(
    concat([imageHeader(4, 4, 8, 3), eot, encapsulated([frame(1), frame(2), frame(3)])]),
    ENCAPSULATED_UNCOMPRESSED,
  );
  assert.deepEqual(await frames(file, 3), [1, 2, 3]);
});

test('Basic Offset Table with frames split across fragments', async () => {
  // Frame 0 = fragments of 8 + 8 bytes, frame 1 = one fragment of 16: offsets 0 and 32.
  const parts = [frame(5).subarray(0, 8), frame(5).subarray(8), frame(6)];
  const file = part10(concat([imageHeader(4, 4, 8, 2), encapsulated(parts, [0, 32])]), ENCAPSULATED_UNCOMPRESSED);
  assert.deepEqual(await frames(file, 2), [5, 6]);
});

test('no offset table: one fragment per frame; otherwise a clear error', async () => {
  const ok = part10(concat([imageHeader(4, 4, 8, 2), encapsulated([frame(7), frame(8)])]), ENCAPSULATED_UNCOMPRESSED);
  assert.deepEqual(await frames(ok, 2), [7, 8]);
  const ambiguous = part10(
    concat([imageHeader(4, 4, 8, 2), encapsulated([frame(7), frame(8), frame(9)])]),
    ENCAPSULATED_UNCOMPRESSED,
  );
  await assert.rejects(
    decodeImage(ambiguous, 'amb.dcm', undefined, { frame: 1 }),
    (e: XrayError) => e.code === 'CORRUPT' && /2 frames in 3 fragments and no usable offset table/.test(e.message),
  );
});

test('an offset table that contradicts the fragments is not trusted', async () => {
  const file = part10(
    concat([imageHeader(4, 4, 8, 2), encapsulated([frame(3), frame(4)], [0, 12345])]),
    ENCAPSULATED_UNCOMPRESSED,
  );
  assert.deepEqual(await frames(file, 2), [3, 4]);
});
