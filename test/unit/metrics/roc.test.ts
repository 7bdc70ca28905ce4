import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XrayError } from '../../../src/core/errors';
import { averagePrecision, confusionAt, quantile, rocAuc, rocCurve, type Label } from '../../../src/core/metrics/roc';

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
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 6 }).map((v) => v / 2),
      fc.constantFrom<Label>(0, 1),
    ),
    { minLength: 2, maxLength: 120 },
  )
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

test('boolean labels read as 0/1: the same AUC, AP and confusion', () => {
  fc.assert(
    fc.property(data, (xs) => {
      const scores = xs.map(([s]) => s);
      const labels = xs.map(([, l]) => l);
      const flags = labels.map((l) => l === 1);
      assert.equal(rocAuc(Float32Array.from(scores), flags), rocAuc(scores, labels));
      assert.equal(averagePrecision(scores, flags), averagePrecision(scores, labels));
      assert.deepEqual(confusionAt(scores, flags, 1.5), confusionAt(scores, labels, 1.5));
    }),
  );
  // Ranked: 0.8+, 0.4+, 0.35-, 0.2+, 0.1-  ->  recall steps of 1/3 at precisions 1, 1, 3/4  ->  11/12
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8, 0.2], [false, true, false, true, true]) - 11 / 12) < 1e-12);
  assert.equal(rocAuc([0.1, 0.6, 0.5, 0.9], [false, false, true, true]), 0.75);
});

test('confusionAt counts score >= threshold as anomalous', () => {
  const c = confusionAt([0.1, 0.5, 0.7, 0.4, 0.9], [0, 0, 1, 1, 1], 0.5);
  assert.deepEqual({ tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn }, { tp: 2, fp: 1, tn: 1, fn: 1 });
  assert.equal(c.tpr, 2 / 3);
  assert.equal(c.sensitivity, 2 / 3);
  assert.equal(c.fpr, 0.5);
  assert.equal(c.specificity, 0.5);
  assert.equal(c.precision, 2 / 3);
  assert.equal(c.accuracy, 0.6);
  assert.equal(confusionAt([1, 2], [0, 1], 10).precision, 0);
});

test('quantile interpolates linearly, as numpy does', () => {
  assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(quantile(Float32Array.from([1, 2, 3, 4]), 0.25), 1.75);
  assert.equal(quantile([7], 0.95), 7);
  assert.equal(quantile([1, 2], 2), 2);
});

test('bad metric input is a clear XrayError', () => {
  const says = (re: RegExp) => (e: unknown) => e instanceof XrayError && re.test(e.message);
  assert.throws(() => rocAuc([1, 2], [1, 1]), says(/both normal and anomalous/));
  assert.throws(() => rocAuc([1, 2], [true, true]), says(/both normal and anomalous/));
  assert.throws(() => rocAuc([1, 2], [1]), says(/2 scores but 1 labels/));
  assert.throws(() => rocAuc([1, Number.NaN], [1, 0]), says(/Score 1 is NaN/));
  assert.throws(() => rocAuc([1, 2], [1, 2 as Label]), says(/labels must be 0/));
  assert.throws(() => averagePrecision([1, 2], [0, 0]), says(/without positive/));
  assert.throws(() => quantile([], 0.5), says(/empty sample/));
});
