// A threshold that one atypical image cannot set alone (src/core/fit/outliers.ts and calibrateFromUnseen):
// the case (13 scores below 1.4, one at 4.31) leaves the odd one out; normal samples, small samples
// and folders with many high scores are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calibrateFromUnseen, thresholdRank } from '../../../src/core/fit/calibrate';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { OUTLIER_RULE, robustSpread, thresholdOutliers } from '../../../src/core/fit/outliers';

const rank95 = (n: number) => thresholdRank(n, 0.95);
const HANDS = [0.62, 0.71, 0.75, 0.8, 0.84, 0.88, 0.9, 0.95, 1.01, 1.05, 1.12, 1.2, 1.38, 4.31];

test("the issue's 14 hand scores: 4.31 is left out, the threshold is the highest of the other 13", () => {
  const o = thresholdOutliers(HANDS, rank95);
  assert.ok(o, 'an outlier is found');
  assert.deepEqual(o.indices, [13]);
  assert.equal(o.conformalThreshold, 4.31);
  assert.ok(o.cap > 1.38 && o.cap < 4.31, `cap ${o.cap}`);
  const c = calibrateFromUnseen({ global: HANDS }, { global: 1, local: 1 }, 0.95);
  assert.equal(c.kept.length, 13);
  assert.equal(c.combined.length, 14);
  assert.deepEqual(c.outliers?.indices, [13]);
  // The threshold is the kept maximum in standardised units: the image at 1.38 sets it now.
  const z = Array.from(c.combined);
  assert.equal(c.threshold, z[12]);
  assert.ok(c.threshold < z[13]);
});

test('left alone: Gaussian samples of any size, fewer than minScores, and many high scores (a mixed folder)', () => {
  const rng = gaussianRng(mulberry32(7));
  for (const n of [10, 20, 50, 200, 1000]) {
    const s = Array.from({ length: n }, () => rng());
    assert.equal(thresholdOutliers(s, rank95), undefined, `n = ${n}`);
  }
  assert.equal(thresholdOutliers([0.1, 0.2, 0.3, 0.2, 0.1, 0.2, 9], rank95), undefined, 'below minScores');
  const mixed = [...Array.from({ length: 16 }, (_, i) => 1 + i * 0.01), 9, 9.5, 10, 11];
  assert.equal(thresholdOutliers(mixed, rank95), undefined, '4 of 20 high: more than 10%');
  assert.equal(thresholdOutliers(Array(12).fill(1), rank95), undefined, 'all equal: no spread');
});

test('robustSpread: MAD scaled to a Gaussian sd, IQR when most values tie', () => {
  const rng = gaussianRng(mulberry32(11));
  const s = Array.from({ length: 20000 }, () => 3 + 2 * rng());
  const r = robustSpread(s);
  assert.ok(Math.abs(r.median - 3) < 0.05 && Math.abs(r.spread - 2) < 0.06, JSON.stringify(r));
  assert.ok(robustSpread([1, 1, 1, 1, 1, 1, 2, 3]).spread > 0, 'ties: IQR fallback');
});

test('property: whatever is left out scored above every kept score, at most 10% of them, and only when it set the threshold', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 8, maxLength: 80 }),
      fc.array(fc.double({ min: 5, max: 100, noNaN: true }), { maxLength: 4 }),
      (base, high) => {
        const s = [...base, ...high];
        const o = thresholdOutliers(s, rank95);
        if (!o) return;
        const left = new Set(o.indices);
        const kept = s.filter((_, i) => !left.has(i));
        assert.ok(o.indices.every((i) => s[i] > o.cap));
        assert.ok(kept.every((v) => v <= o.cap));
        assert.ok(o.indices.length <= Math.max(1, Math.floor(OUTLIER_RULE.maxShare * s.length)));
        assert.ok(o.conformalThreshold > o.cap);
      },
    ),
  );
});
