// Bootstrap intervals (src/core/metrics/bootstrap.ts) for the accuracy reports on small test sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, detectionIntervals, FIGURES } from '../../../src/core/metrics/bootstrap';
import { mulberry32 } from '../../../src/core/fit/random';

test('perfectly separated scores: ROC-AUC 1 with a degenerate interval', () => {
  const scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
  const labels = [false, false, false, true, true, true];
  assert.deepEqual(bootstrap(scores, labels, FIGURES.rocAuc, { reps: 200 }), { value: 1, low: 1, high: 1 });
});

test('uninformative scores: the interval covers 0.5 and has the width sampling theory gives', () => {
  const rng = mulberry32(3);
  const scores = Array.from({ length: 300 }, () => rng());
  const labels = scores.map((_, i) => i % 2 === 0);
  const iv = bootstrap(scores, labels, FIGURES.rocAuc, { reps: 500 });
  assert.ok(iv.low < 0.5 && iv.high > 0.5, JSON.stringify(iv));
  // SE of the AUC at 0.5 with 150 + 150 ≈ sqrt((n1 + n2 + 1) / (12 n1 n2)) = 0.033: 95% width ≈ 0.13.
  assert.ok(iv.high - iv.low > 0.09 && iv.high - iv.low < 0.18, `width ${iv.high - iv.low}`);
});

test('resampling by patient widens the interval when a patient contributes many images', () => {
  const rng = mulberry32(5);
  const scores: number[] = [];
  const labels: boolean[] = [];
  const groups: string[] = [];
  for (let p = 0; p < 40; p++) {
    const anomalous = p % 2 === 1;
    const level = rng() + (anomalous ? 0.3 : 0);
    for (let k = 0; k < 8; k++) {
      scores.push(level + 0.05 * rng());
      labels.push(anomalous);
      groups.push(`p${p}`);
    }
  }
  const plain = bootstrap(scores, labels, FIGURES.rocAuc, { reps: 400 });
  const grouped = bootstrap(scores, labels, FIGURES.rocAuc, { reps: 400, groups });
  assert.equal(plain.value, grouped.value);
  assert.ok(
    grouped.high - grouped.low > 1.5 * (plain.high - plain.low),
    `${JSON.stringify(plain)} ${JSON.stringify(grouped)}`,
  );
});

test('detectionIntervals: sensitivity and specificity at a threshold', () => {
  const scores = [0, 1, 2, 3, 10, 11, 12, 1.5];
  const labels = [false, false, false, false, true, true, true, true];
  const r = detectionIntervals(scores, labels, 2, { reps: 200 });
  assert.equal(r.specificity.value, 0.5);
  assert.equal(r.sensitivity.value, 0.75);
  assert.ok(r.specificity.low <= 0.5 && r.specificity.high >= 0.5);
});
