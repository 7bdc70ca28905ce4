import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  imageScore,
  mapScale,
  normalizeMapValue,
  normalizeScore,
  normalizeWith,
} from '../../../src/core/scoring/calibration';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const calibration = fc
  .tuple(finite, finite, fc.double({ min: 1e-6, max: 1e6, noNaN: true }))
  .map(([threshold, min, span]) => ({ threshold, min, max: min + span }))
  .filter((cal) => cal.max > cal.min);

test('normalizeScore is exactly 0.5 at the threshold, below it under 0.5, at or above it at least 0.5', () => {
  fc.assert(
    fc.property(calibration, finite, (cal, raw) => {
      assert.equal(normalizeScore(cal.threshold, cal), 0.5);
      const n = normalizeScore(raw, cal);
      assert.equal(n >= 0.5, raw >= cal.threshold, `${raw} vs threshold ${cal.threshold}: ${n}`);
      assert.equal(n >= 0.5, imageScore(raw, cal).aboveThreshold);
    }),
  );
});

test('normalizeScore is monotone everywhere and never reaches 0 or 1 for finite scores', () => {
  fc.assert(
    fc.property(calibration, finite, finite, (cal, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const nlo = normalizeScore(lo, cal);
      const nhi = normalizeScore(hi, cal);
      assert.ok(nlo <= nhi, `${lo} -> ${nlo}, ${hi} -> ${nhi}`);
      assert.ok(nlo > 0 && nhi < 1, `${nlo}, ${nhi}`);
    }),
  );
});

test('sorting by the normalised score is sorting by the raw score (no ties where scores differ in practice)', () => {
  // Scores as a detector gives them: within a thousand calibration ranges of the threshold, and apart by
  // more than a millionth of the range (a float32 score cannot be closer and differ in the ranking).
  const setup = calibration.chain((cal) => {
    const span = cal.max - cal.min;
    const raw = fc.double({ min: cal.threshold - 1000 * span, max: cal.threshold + 1000 * span, noNaN: true });
    return fc.tuple(fc.constant(cal), fc.array(raw, { minLength: 2, maxLength: 40 }));
  });
  fc.assert(
    fc.property(setup, ([cal, raws]) => {
      const span = cal.max - cal.min;
      const sorted = [...raws].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i] - sorted[i - 1] <= 1e-6 * span) continue;
        assert.ok(
          normalizeScore(sorted[i - 1], cal) < normalizeScore(sorted[i], cal),
          `${sorted[i - 1]} and ${sorted[i]} (threshold ${cal.threshold}, range ${span}) must stay apart`,
        );
      }
      const byNormalised = [...raws].sort((a, b) => normalizeScore(a, cal) - normalizeScore(b, cal) || a - b);
      assert.deepEqual(byNormalised, sorted);
    }),
  );
});

test('the regression the issue saw: images below min - not all 0 - and above max - not all 1 - keep their order', () => {
  const cal = { threshold: 3.58, min: -3.18, max: 6.0 };
  const raws = [-12, -8, -3.5, -3.18, 0, 3.58, 6, 7, 12, 40];
  const n = raws.map((r) => normalizeScore(r, cal));
  for (let i = 1; i < n.length; i++) assert.ok(n[i - 1] < n[i], `${raws[i - 1]} -> ${n[i - 1]}, ${raws[i]} -> ${n[i]}`);
  assert.ok(n[0] > 0 && n[n.length - 1] < 1);
});

test("near the threshold it has anomalib's slope: 1 / (max - min)", () => {
  const cal = { threshold: 2, min: 1, max: 5 };
  const h = 1e-6;
  const slope = (normalizeScore(2 + h, cal) - normalizeScore(2 - h, cal)) / (2 * h);
  assert.ok(Math.abs(slope - 1 / 4) < 1e-6, `${slope}`);
  // Half a range above and below: 0.75 and 0.25 as under anomalib's clamp; a whole range: 5/6 and 1/6, not 1 and 0.
  assert.ok(Math.abs(normalizeScore(4, cal) - 0.75) < 1e-12);
  assert.ok(Math.abs(normalizeScore(0, cal) - 0.25) < 1e-12);
  assert.ok(Math.abs(normalizeScore(6, cal) - 5 / 6) < 1e-12);
  assert.ok(Math.abs(normalizeScore(-2, cal) - 1 / 6) < 1e-12);
  assert.deepEqual(imageScore(2, cal), { raw: 2, normalized: 0.5, threshold: 2, aboveThreshold: true });
  assert.equal(imageScore(1.999, cal).aboveThreshold, false);
});

test('map values: the pixel threshold and the map scale when the model gives them, else the score calibration', () => {
  const cal = { threshold: 2, min: 1, max: 5 };
  assert.equal(mapScale(cal), 4);
  assert.equal(normalizeMapValue(2, cal), 0.5);
  const withMap = { ...cal, pixelThreshold: 0.3, pixelScale: 0.5 };
  assert.equal(mapScale(withMap), 0.5);
  assert.equal(normalizeMapValue(0.3, withMap), 0.5);
  assert.equal(normalizeMapValue(0.55, withMap), normalizeWith(0.55, 0.3, 0.5));
  fc.assert(
    fc.property(finite, finite, (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      assert.ok(normalizeMapValue(lo, withMap) <= normalizeMapValue(hi, withMap));
    }),
  );
});
