// Order statistics of rescaled values by histogram, checked against sorting every value (the code it replaced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rescaledAtRanks } from '../../../src/core/image/valueRank';
import type { PixelData } from '../../../src/core/image/types';

function bySorting(data: PixelData, slope: number, intercept: number, ks: number[]): number[] {
  const sorted = Float64Array.from(data, (v) => v * slope + intercept)
    .filter((v) => v === v)
    .sort();
  return ks.map((k) => sorted[Math.min(sorted.length - 1, Math.max(0, k))] ?? NaN);
}

const percentileRanks = (n: number) => [Math.floor(n * 0.01), Math.ceil(n * 0.99) - 1, 0, n - 1, n >> 1];

const kinds = [
  { name: 'Uint8Array', make: (v: number[]) => Uint8Array.from(v), min: 0, max: 255 },
  { name: 'Uint16Array', make: (v: number[]) => Uint16Array.from(v), min: 0, max: 65535 },
  { name: 'Int16Array', make: (v: number[]) => Int16Array.from(v), min: -32768, max: 32767 },
] as const;

for (const kind of kinds) {
  test(`${kind.name}: the 1st/99th percentile, min, max and median equal those of the sorted rescaled values`, () => {
    fc.assert(
      fc.property(
        // Small alphabets too, so ties (a flat background) are common.
        fc.oneof(
          fc.array(fc.integer({ min: kind.min, max: kind.max }), { minLength: 1, maxLength: 3000 }),
          fc.array(fc.integer({ min: Math.max(kind.min, -3), max: 3 }), { minLength: 1, maxLength: 3000 }),
        ),
        fc.oneof(fc.constantFrom(1, -1, 0.5, 2.5, -0.001, 0), fc.double({ min: -4, max: 4, noNaN: true })),
        fc.oneof(fc.constantFrom(0, -1024, 1000.5), fc.double({ min: -5000, max: 5000, noNaN: true })),
        (values, slope, intercept) => {
          const data = kind.make(values);
          const ks = percentileRanks(data.length);
          assert.deepEqual(
            rescaledAtRanks(data, slope, intercept, percentileRanks),
            bySorting(data, slope, intercept, ks),
          );
        },
      ),
    );
  });
}

test('Float32Array with NaN ("no data") leaves the NaN out; all NaN gives NaN', () => {
  const data = Float32Array.from([NaN, 3, -1, NaN, 7, 2]);
  assert.deepEqual(
    rescaledAtRanks(data, 2, 1, (n) => [0, n - 1]),
    [-1, 15],
  );
  assert.deepEqual(
    rescaledAtRanks(Float32Array.from([NaN, NaN]), 1, 0, (n) => [0, n - 1]),
    [NaN, NaN],
  );
});

test('a 512 x 512 16-bit image: equal to sorting, at a fixed counterexample-prone layout (one bright pixel)', () => {
  const data = new Uint16Array(512 * 512).fill(100);
  data[12345] = 65535;
  const r = (n: number) => [Math.floor(n * 0.01), Math.ceil(n * 0.99) - 1, n - 1];
  assert.deepEqual(rescaledAtRanks(data, 1, -1024, r), bySorting(data, 1, -1024, r(data.length)));
  assert.deepEqual(rescaledAtRanks(data, 1, -1024, r), [-924, -924, 64511]);
});
