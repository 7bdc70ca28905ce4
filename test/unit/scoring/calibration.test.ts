import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { imageScore, normalizeScore } from '../../../src/core/scoring/calibration';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const calibration = fc
  .tuple(finite, finite, fc.double({ min: 1e-6, max: 1e6, noNaN: true }))
  .map(([threshold, min, span]) => ({ threshold, min, max: min + span }));

test('normalizeScore is exactly 0.5 at the threshold', () => {
  fc.assert(
    fc.property(calibration, (cal) => {
      fc.pre(cal.max > cal.min);
      assert.equal(normalizeScore(cal.threshold, cal), 0.5);
    }),
  );
});

test('normalizeScore is monotonic and stays in [0,1]', () => {
  fc.assert(
    fc.property(calibration, finite, finite, (cal, a, b) => {
      fc.pre(cal.max > cal.min);
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const nlo = normalizeScore(lo, cal);
      const nhi = normalizeScore(hi, cal);
      assert.ok(nlo <= nhi);
      assert.ok(nlo >= 0 && nhi <= 1);
    }),
  );
});

test('normalizeScore follows the anomalib formula', () => {
  const cal = { threshold: 2, min: 1, max: 5 };
  assert.equal(normalizeScore(3, cal), 0.75);
  assert.equal(normalizeScore(0, cal), 0);
  assert.equal(normalizeScore(100, cal), 1);
  assert.deepEqual(imageScore(2, cal), { raw: 2, normalized: 0.5, threshold: 2, aboveThreshold: true });
  assert.equal(imageScore(1.999, cal).aboveThreshold, false);
});
