import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, confusionAt, quantile, rocAuc } from '../../../src/core/fit/metrics';
import { XrayError } from '../../../src/core/errors';

test('ROC-AUC: perfect, inverted, ties count half', () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]), 1);
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]), 0.5);
  // one inversion among 2x2 pairs
  assert.equal(rocAuc([0.1, 0.6, 0.5, 0.9], [false, false, true, true]), 0.75);
});

test('AP: step-wise precision-recall area, as scikit-learn computes it', () => {
  // Ranked: 0.8+, 0.4+, 0.35-, 0.2+, 0.1-  ->  recall steps of 1/3 at precisions 1, 1, 3/4  ->  11/12
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8, 0.2], [false, true, false, true, true]) - 11 / 12) < 1e-12);
  // Ties are one threshold: 0.5+, 0.5- share precision 1/2 at recall 1.
  assert.equal(averagePrecision([0.5, 0.5], [true, false]), 0.5);
});

test('confusion matrix and quantile', () => {
  const c = confusionAt([0.1, 0.6, 0.5, 0.9], [false, false, true, true], 0.55);
  assert.deepEqual([c.tp, c.fp, c.tn, c.fn], [1, 1, 1, 1]);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
});

test('metrics reject unusable input with an XrayError', () => {
  assert.throws(() => rocAuc([1, 2], [true, true]), XrayError);
  assert.throws(() => rocAuc([1, NaN], [true, false]), XrayError);
  assert.throws(() => averagePrecision([1], [true, false]), XrayError);
});
