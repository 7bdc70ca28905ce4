import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, gaussianRng } from '../../../src/core/fit/random';
import { fitFalseAlarm, thresholdFromNormals, MIN_NORMALS } from '../../../src/core/labels/threshold';

test('threshold from labelled normals: the quantile at the fit false-alarm rate, an interval that covers the truth', () => {
  // Normals of a shifted scanner: N(2, 1). At 5% false alarms the true threshold is 2 + 1.645.
  const g = gaussianRng(mulberry32(3));
  const scores = Array.from({ length: 400 }, () => 2 + g());
  const r = thresholdFromNormals(scores, 0.05, 1.645);
  assert.ok(!('refused' in r));
  if ('refused' in r) return;
  assert.ok(Math.abs(r.threshold - 3.645) < 0.25, `threshold ${r.threshold}`);
  assert.ok(r.low < 3.645 && 3.645 < r.high, `interval [${r.low}, ${r.high}]`);
  assert.ok(r.high - r.low < 0.8);
  assert.equal(r.normals, 400);
  assert.equal(r.warning, undefined);
  // The model's own threshold flags far more than 5% of these normals: that is why one recalibrates.
  assert.ok(r.flaggedAtModelThreshold > 0.3, String(r.flaggedAtModelThreshold));
  // On its own scores the new threshold flags about the target rate.
  const flagged = scores.filter((s) => s >= r.threshold).length / scores.length;
  assert.ok(Math.abs(flagged - 0.05) <= 0.01, String(flagged));
});

test('threshold from labels: too few normals are refused, few are warned about, non-finite scores ignored', () => {
  const few = thresholdFromNormals([1, 2, 3, NaN, 4], 0.05, 0);
  assert.ok('refused' in few);
  if ('refused' in few) assert.match(few.refused, new RegExp(`4 scored .* at least ${MIN_NORMALS}`));
  const some = thresholdFromNormals(
    Array.from({ length: 12 }, (_, i) => i),
    0.05,
    100,
  );
  assert.ok(!('refused' in some) && some.warning && /only 12 normals/.test(some.warning));
  if (!('refused' in some)) assert.ok(some.low <= some.threshold && some.threshold <= some.high);
});

test('the fit false-alarm target comes from the calibration normals, else the source text, else 5%', () => {
  const q = Array.from({ length: 101 }, (_, i) => i / 100); // uniform 0..1 quantiles
  assert.ok(Math.abs(fitFalseAlarm({ threshold: 0.9, normalQuantiles: q }) - 0.1) < 1e-9);
  assert.ok(Math.abs(fitFalseAlarm({ threshold: 0, source: '95th percentile of 200 normals' }) - 0.05) < 1e-9);
  assert.ok(Math.abs(fitFalseAlarm({ threshold: 0, source: '99th percentile' }) - 0.01) < 1e-9);
  assert.equal(fitFalseAlarm({ threshold: 0 }), 0.05);
});
