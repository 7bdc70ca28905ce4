import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reduceMap, topKMean } from '../../../src/core/scoring/reduce';

test('top-K mean equals the mean of the K largest after sorting, with ties', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 400 }),
      (values, k) => {
        const sorted = [...values].sort((a, b) => b - a);
        const kk = Math.min(k, values.length);
        const want = sorted.slice(0, kk).reduce((a, b) => a + b, 0) / kk;
        assert.ok(Math.abs(topKMean(Float32Array.from(values), k) - want) < 1e-9);
      },
    ),
  );
});

test('reductions honour the mask', () => {
  const map = Float32Array.from([1, 2, 3, 100]);
  const mask = Uint8Array.from([1, 1, 1, 0]);
  assert.equal(reduceMap(map, mask, 'mean'), 2);
  assert.equal(reduceMap(map, mask, 'max'), 3);
  assert.equal(reduceMap(map, mask, { topK: 2 }), 2.5);
  assert.equal(reduceMap(map, undefined, 'max'), 100);
  assert.equal(reduceMap(map, new Uint8Array(4), 'mean'), 0);
});
