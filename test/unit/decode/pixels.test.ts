import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { colourToGrey, minMax, modalityRange, rgb8ToGrey } from '../../../src/core/decode/pixels';
import { applySampleFormat } from '../../../src/core/decode/dicom/samples';

test('minMax agrees with Math.min/max for every array type and length', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -32768, max: 65535 }), { minLength: 1, maxLength: 50 }), (values) => {
      const arrays = [
        Uint16Array.from(values.map((v) => v & 0xffff)),
        Int16Array.from(values.map((v) => (v << 16) >> 16)),
        Uint8Array.from(values.map((v) => v & 0xff)),
        Float32Array.from(values),
      ];
      for (const a of arrays) {
        const list = Array.from(a);
        assert.deepEqual(minMax(a), { min: Math.min(...list), max: Math.max(...list) });
      }
    }),
  );
  assert.deepEqual(minMax(new Uint16Array(0)), { min: 0, max: 0 });
  assert.deepEqual(minMax(Float32Array.from([NaN, 2, -1, NaN])), { min: -1, max: 2 });
});

test('modalityRange applies the rescale and orders the ends', () => {
  assert.deepEqual(modalityRange({ min: 0, max: 100 }, 2, -10), { min: -10, max: 190 });
  assert.deepEqual(modalityRange({ min: 0, max: 100 }, -1, 50), { min: -50, max: 50 });
});

test('colourToGrey: BT.601 luma, identical channels passed through exactly', () => {
  const rgb = Uint8Array.from([10, 10, 10, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const g = colourToGrey(rgb, 4, 3, false, (n) => new Uint8Array(n));
  assert.deepEqual(Array.from(g.grey), [10, 76, 150, 29]);
  assert.equal(g.channelsIdentical, false);
  const planar = Uint16Array.from([1000, 2000, 1000, 2000, 1000, 2000]);
  const p = colourToGrey(planar, 2, 3, true, (n) => new Uint16Array(n));
  assert.deepEqual(Array.from(p.grey), [1000, 2000]);
  assert.equal(p.channelsIdentical, true);
});

test('rgb8ToGrey gives the samples of colourToGrey and the range of minMax for any 8-bit RGB', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 120, maxLength: 120 }),
      (pixels, noise) => {
        // Some pixels grey (R = G = B), others coloured, so both branches run.
        const rgb = new Uint8Array(pixels.length * 3);
        pixels.forEach(([v, grey], i) => rgb.set(grey ? [v, v, v] : [v, noise[3 * i], noise[3 * i + 1]], 3 * i));
        const want = colourToGrey(rgb, pixels.length, 3, false, (n) => new Uint8Array(n));
        const got = rgb8ToGrey(rgb, pixels.length);
        assert.deepEqual(Array.from(got.grey), Array.from(want.grey));
        assert.equal(got.channelsIdentical, want.channelsIdentical);
        assert.deepEqual({ min: got.min, max: got.max }, minMax(want.grey));
      },
    ),
  );
  const all = new Uint8Array(3 * 256 * 256 * 4);
  // Every (r, g) with b at its ends: the truncation agrees at every rounding boundary.
  let k = 0;
  for (let r = 0; r < 256; r++)
    for (let g = 0; g < 256; g++) for (const b of [0, 255, r, 128]) all.set([r, g, b], 3 * k++);
  const want = colourToGrey(all, k, 3, false, (n) => new Uint8Array(n));
  assert.deepEqual(rgb8ToGrey(all, k).grey, want.grey);
});

test('applySampleFormat matches a per-sample reference for any bits stored / high bit / sign', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(8, 16),
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 0, max: 15 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 }),
      (bitsAllocated, bitsStoredRaw, shiftRaw, signed, words) => {
        const bitsStored = Math.min(bitsStoredRaw, bitsAllocated);
        const shift = shiftRaw % (bitsAllocated - bitsStored + 1);
        const highBit = bitsStored - 1 + shift;
        const raw = bitsAllocated === 16 ? Uint16Array.from(words) : Uint8Array.from(words.map((w) => w & 0xff));
        const expected = Array.from(raw, (w) => {
          const v = (w >> shift) & (2 ** bitsStored - 1);
          return signed && v >= 2 ** (bitsStored - 1) ? v - 2 ** bitsStored : v;
        });
        const out = applySampleFormat(raw.slice(), { bitsAllocated, bitsStored, highBit, signed });
        assert.deepEqual(Array.from(out.data), expected);
        assert.equal(out.signed, signed);
        assert.ok(signed ? out.data instanceof Int16Array : out.data instanceof raw.constructor);
      },
    ),
    { numRuns: 500 },
  );
});
