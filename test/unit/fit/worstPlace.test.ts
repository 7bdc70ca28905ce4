/** The worst-place image score: the mean of a map's k highest inner patches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  effectiveInset,
  effectiveK,
  innerPositions,
  resolveWorstPlace,
  worstGate,
  worstPlaceScores,
} from '../../../src/core/fit/worstPlace';
import { combineScores } from '../../../src/core/fit/combine';

test('inner positions leave out inset cells on each side, and never the whole map', () => {
  assert.deepEqual(innerPositions(4, 4, 1), [5, 6, 9, 10]);
  assert.equal(innerPositions(14, 14, 1).length, 144);
  assert.equal(innerPositions(14, 14, 0).length, 196);
  // A 3x3 map keeps its centre at most; a 1-row map keeps its row.
  assert.deepEqual(innerPositions(3, 3, 5), [4]);
  assert.equal(effectiveInset(1, 9, 2), 0);
  assert.equal(effectiveK(3, 3, { k: 6, inset: 1 }), 1);
  assert.deepEqual(resolveWorstPlace(14, 14, { k: 6, inset: 1 }), { k: 6, inset: 1 });
});

test('worst place: mean of the k highest inner values; a hot border cell does not count', () => {
  const h = 5;
  const w = 5;
  const a = new Float32Array(h * w);
  a[0] = 100; // corner: outside the inner field with inset 1
  a[2 * w + 2] = 9;
  a[1 * w + 3] = 3;
  const b = new Float32Array(h * w).fill(1);
  const s = worstPlaceScores([...a, ...b], h, w, { k: 2, inset: 1 });
  assert.deepEqual(Array.from(s), [6, 1]);
  // Without the inset the corner decides.
  assert.equal(worstPlaceScores(a, h, w, { k: 1, inset: 0 })[0], 100);
  assert.throws(() => worstPlaceScores(new Float32Array(7), h, w, { k: 1, inset: 0 }), /whole 5x5 maps/);
});

test('a small lesion moves the worst place far more than the map mean', () => {
  const h = 14;
  const w = 14;
  const normal = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i) * 0.1);
  const lesion = Float32Array.from(normal);
  for (const p of [6 * w + 6, 6 * w + 7, 7 * w + 6]) lesion[p] += 3; // 3 of 196 patches (~1.5%)
  const mean = (m: Float32Array) => m.reduce((x, y) => x + y, 0) / m.length;
  const [n, l] = worstPlaceScores([...normal, ...lesion], h, w, { k: 6, inset: 1 });
  assert.ok(l - n > 1.4, `worst place moves ${l - n}`);
  assert.ok(mean(lesion) - mean(normal) < 0.05, 'the mean hardly moves');
});

test('gate: a quantile of the standardised calibration worst places (nearest rank); out of range throws', () => {
  const z = [0.5, -1, 2, 0, 1];
  assert.equal(worstGate(z, 1), 2);
  assert.equal(worstGate(z, 0.8), 1);
  assert.equal(worstGate(z, 0.01), -1);
  assert.throws(() => worstGate(z, 0), /gate quantile/);
  assert.throws(() => worstGate([], 0.9), /needs calibration/);
});

test('a gated part keeps the order the other parts give below its gate and lifts only what exceeds it', () => {
  const std = { mean: 0, sd: 1 };
  const base = [1.5, 1, 2, 0.5];
  const worst = [0.2, 1.9, 5, 4];
  const gated = combineScores([
    { scores: base, std },
    { scores: worst, std, weight: 2, gate: 2 },
  ]);
  // Images 0 and 1 are below the gate: unchanged, in their old order; 2 and 3 gain 2 * (z - 2).
  assert.deepEqual(Array.from(gated), [1.5, 1, 8, 4.5]);
  const linear = combineScores([
    { scores: base, std },
    { scores: worst, std },
  ]);
  assert.ok(linear[1] > linear[0], 'ungated, the worst place reorders images with no unusual local evidence');
});
