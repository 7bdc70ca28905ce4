import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { averagePrecision, confusionAt, rocAuc, rocCurve, type Label } from '../../../src/core/metrics/roc';

/** P(score of a random positive > score of a random negative) + 0.5 P(equal), by counting every pair. */
function mannWhitney(scores: number[], labels: Label[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((n, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

const data = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 6 }).map((v) => v / 2), fc.constantFrom<Label>(0, 1)), { minLength: 2, maxLength: 120 })
  .filter((xs) => xs.some(([, l]) => l === 1) && xs.some(([, l]) => l === 0));

test('rocAuc equals the Mann-Whitney statistic on random data with ties', () => {
  fc.assert(
    fc.property(data, (xs) => {
      const scores = xs.map(([s]) => s);
      const labels = xs.map(([, l]) => l);
      assert.ok(Math.abs(rocAuc(scores, labels) - mannWhitney(scores, labels)) < 1e-12);
    }),
  );
});

test('rocAuc equals the trapezoidal area under rocCurve', () => {
  fc.assert(
    fc.property(data, (xs) => {
      const scores = xs.map(([s]) => s);
      const labels = xs.map(([, l]) => l);
      const pts = rocCurve(scores, labels);
      let area = 0;
      for (let i = 1; i < pts.length; i++) area += ((pts[i].fpr - pts[i - 1].fpr) * (pts[i].tpr + pts[i - 1].tpr)) / 2;
      assert.ok(Math.abs(area - rocAuc(scores, labels)) < 1e-12);
      assert.deepEqual(pts[pts.length - 1], { threshold: Math.min(...scores), fpr: 1, tpr: 1 });
    }),
  );
});

test('averagePrecision matches scikit-learn on known cases', () => {
  // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) - 0.8333333333333333) < 1e-12);
  // Ties are one threshold: all four at once gives precision 0.5 at recall 1.
  assert.equal(averagePrecision([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
  assert.equal(averagePrecision([3, 2, 1], [1, 1, 0]), 1);
  assert.equal(rocAuc([3, 2, 1], [1, 1, 0]), 1);
  assert.equal(rocAuc([1, 2, 3], [1, 1, 0]), 0);
});

test('confusionAt counts score >= threshold as anomalous', () => {
  const c = confusionAt(0.5, [0.1, 0.5, 0.7, 0.4, 0.9], [0, 0, 1, 1, 1]);
  assert.deepEqual(
    { tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn },
    { tp: 2, fp: 1, tn: 1, fn: 1 },
  );
  assert.equal(c.tpr, 2 / 3);
  assert.equal(c.fpr, 0.5);
  assert.equal(c.precision, 2 / 3);
  assert.equal(c.accuracy, 0.6);
  assert.equal(confusionAt(10, [1, 2], [0, 1]).precision, 0);
});

test('bad metric input is a clear RangeError', () => {
  assert.throws(() => rocAuc([1, 2], [1, 1]), /both normal and anomalous/);
  assert.throws(() => rocAuc([1, 2], [1]), /2 scores but 1 labels/);
  assert.throws(() => rocAuc([1, Number.NaN], [1, 0]), /Score 1 is NaN/);
  assert.throws(() => rocAuc([1, 2], [1, 2 as Label]), /labels must be 0/);
  assert.throws(() => averagePrecision([1, 2], [0, 0]), /without positive/);
});
