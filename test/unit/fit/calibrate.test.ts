import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  betaQuantile,
  calibrateFromUnseen,
  falseAlarmRate,
  formatPercent,
  mapDisplayScale,
  orderStatistic,
  smallCalibrationWarning,
  thresholdRank,
} from '../../../src/core/fit/calibrate';
import { mulberry32 } from '../../../src/core/fit/random';
import { normalizeMapValue } from '../../../src/core/scoring/calibration';

test('threshold rank is ⌈(n + 1) q⌉, capped at n: the 95th percentile exists from 19 scores on', () => {
  const q = 0.95;
  assert.equal(thresholdRank(1, q), 1);
  assert.equal(thresholdRank(12, q), 12, 'a dozen: the highest');
  assert.equal(thresholdRank(18, q), 18);
  assert.equal(thresholdRank(19, q), 19, '20 x 0.95 is exactly 19');
  assert.equal(thresholdRank(20, q), 20);
  assert.equal(thresholdRank(39, q), 38);
  assert.equal(thresholdRank(100, q), 96);
  assert.equal(thresholdRank(201, q), 192);
  assert.equal(thresholdRank(89, 0.7), 63, '90 x 0.7 is 62.99999999999999 in floating point');
  assert.throws(() => thresholdRank(0, q), /at least 1/);
  assert.throws(() => thresholdRank(10, 1), /quantile/);
  assert.equal(orderStatistic([3, 1, 2], 1), 1);
  assert.equal(orderStatistic([3, 1, 2], 3), 3);
});

test('a new exchangeable score exceeds the threshold with probability (n + 1 - k) / (n + 1), as falseAlarmRate says', () => {
  // Monte Carlo with uniform scores: the claim is distribution-free, so any continuous law will do.
  const rng = mulberry32(5);
  for (const n of [5, 12, 40]) {
    const f = falseAlarmRate(n, 0.95);
    const reps = 20000;
    let above = 0;
    for (let r = 0; r < reps; r++) {
      const cal = Array.from({ length: n }, rng);
      if (rng() > orderStatistic(cal, thresholdRank(n, 0.95))) above++;
    }
    const sd = Math.sqrt((f.expected * (1 - f.expected)) / reps);
    assert.ok(Math.abs(above / reps - f.expected) < 4 * sd, `n=${n}: ${above / reps} vs ${f.expected}`);
    assert.ok(f.expected <= 0.05 || n < 19, `n=${n}: at most the nominal rate once the rank is not capped`);
  }
  assert.equal(falseAlarmRate(12, 0.95).expected, 1 / 13);
  assert.equal(falseAlarmRate(100, 0.95).expected, 5 / 101);
});

test('the spread of the false-alarm rate over fits: Beta quantiles match the closed forms', () => {
  // Beta(1, b): F(x) = 1 - (1 - x)^b; Beta(a, 1): F(x) = x^a.
  for (const [b, p] of [
    [12, 0.05],
    [12, 0.95],
    [30, 0.5],
  ] as const)
    assert.ok(Math.abs(betaQuantile(1, b, p) - (1 - (1 - p) ** (1 / b))) < 1e-12);
  assert.ok(Math.abs(betaQuantile(4, 1, 0.3) - 0.3 ** (1 / 4)) < 1e-12);
  const f = falseAlarmRate(12, 0.95);
  assert.ok(
    Math.abs(f.low - (1 - 0.95 ** (1 / 12))) < 1e-12 && Math.abs(f.high - (1 - 0.05 ** (1 / 12))) < 1e-12,
    JSON.stringify(f),
  );
  // With 200 scores the rate is pinned down far better than with 12.
  const big = falseAlarmRate(200, 0.95);
  assert.ok(big.high - big.low < 0.06 && f.high - f.low > 0.2, `${JSON.stringify(big)} vs ${JSON.stringify(f)}`);
  assert.throws(() => betaQuantile(0.5, 2, 0.5), /integer/);
});

test('small folders get a warning that says how many images and what false-alarm rate to expect', () => {
  const w = smallCalibrationWarning(12, 0.95);
  assert.ok(w);
  assert.match(w, /only 12 images/);
  assert.match(w, /about 7\.7% of normal images \(between 0\.4% and 22% in 9 fits out of 10\) instead of 5%/);
  assert.match(w, /at least 20 normal images/);
  assert.equal(smallCalibrationWarning(20, 0.95), undefined);
  assert.deepEqual([0.0004, 0.0043, 0.077, 0.05, 0.221].map(formatPercent), ['0.04%', '0.4%', '7.7%', '5%', '22%']);
  assert.equal(smallCalibrationWarning(300, 0.95), undefined);
});

test('calibrateFromUnseen: standardisers from the unseen scores, threshold at the conformal rank of their combination', () => {
  const global = [10, 12, 11, 13, 9, 14, 10, 12, 11, 30];
  const local = [1, 1.2, 0.9, 1.1, 1, 1.3, 1.05, 0.95, 1, 1.1];
  const maps = Array.from({ length: 200 }, (_, i) => (i % 17) / 10);
  const c = calibrateFromUnseen({ global, local, maps }, { global: 1, local: 1 }, 0.95);
  const z = global.map(
    (g, i) => (g - c.globalStd!.mean) / c.globalStd!.sd + (local[i] - c.localStd!.mean) / c.localStd!.sd,
  );
  assert.equal(c.globalStd!.mean, 13.2);
  assert.equal(c.rank, 10);
  assert.ok(Math.abs(c.threshold - Math.max(...z)) < 1e-5, `${c.threshold} vs ${Math.max(...z)}`);
  assert.ok(c.mapStd && c.pixelThreshold! > 0);
  // One part only: its own standardised scores. 30 is atypical (far above median + 5 robust sd of the
  // others) and would set the threshold alone, so it is left out: the highest of the rest (14) sets it.
  const g = calibrateFromUnseen({ global }, { global: 1, local: 1 }, 0.95);
  assert.equal(g.localStd, undefined);
  assert.deepEqual(g.outliers?.indices, [9]);
  assert.ok(Math.abs(g.threshold - (14 - 13.2) / g.globalStd!.sd) < 1e-5);
  assert.throws(() => calibrateFromUnseen({ global: [1] }, { global: 1, local: 1 }, 0.95), /at least 2/);
});

test('map display scale: the typical normal patch at 0.25, the pixel threshold at 0.5; one odd image barely moves it', () => {
  // 19 normal images of 50 patches each (too few to centre per position, so raw -> map is one affine step);
  // then the same with one image whose patches are all 20 times farther.
  const rng = mulberry32(11);
  const normal = Array.from({ length: 19 * 50 }, () => 1 + 0.2 * rng());
  const odd = normal.slice();
  for (let i = 0; i < 50; i++) odd[i] *= 20;
  const scores = Array.from({ length: 19 }, rng);
  const displayed = (maps: number[]) => {
    const c = calibrateFromUnseen({ local: scores, maps, patchesPerImage: 50 }, { global: 1, local: 1 }, 0.95);
    assert.equal(c.mapCentring, undefined);
    const cal = { threshold: c.threshold, min: 0, max: 1, pixelThreshold: c.pixelThreshold, pixelScale: c.pixelScale };
    // A patch (raw distance) in standardised map units, as the exported graph gives it, then normalised.
    return (raw: number) => normalizeMapValue((raw - c.mapStd!.mean) / c.mapStd!.sd, cal);
  };
  const plain = displayed(normal);
  const median = [...normal].sort((a, b) => a - b)[Math.floor(normal.length / 2)];
  assert.ok(Math.abs(plain(median) - 0.25) < 0.01, `${plain(median)}`);
  const withOdd = displayed(odd);
  // A patch half as far again as the normal ones: clearly hot with or without the odd image.
  assert.ok(plain(1.8) > 0.6 && withOdd(1.8) > 0.6, `${plain(1.8)} ${withOdd(1.8)}`);
  assert.ok(Math.abs(plain(1.8) - withOdd(1.8)) < 0.05, `${plain(1.8)} vs ${withOdd(1.8)}`);
  assert.equal(mapDisplayScale(1, 1), undefined);
  assert.equal(mapDisplayScale(2, 1), 2);
});
