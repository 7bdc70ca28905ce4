// The CLI's fit summary (stdout of `xray-anomaly fit`): how the threshold was calibrated, what false-alarm
// rate it promises, and the small-folder warning, from real calibration blocks built by core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFitResult } from '../../../src/cli/fit';
import { falseAlarmRate, smallCalibrationWarning, thresholdRank } from '../../../src/core/fit/calibrate';
import type { FitResult } from '../../../src/protocol/engine';

const base = {
  manifestPath: '/models/hands.model.json',
  onnxPath: '/models/hands.onnx',
  memoryBank: { rows: 512, dims: 160 },
  fitMs: 8400,
};

test('cross-fitted on a small folder: says so, gives the false-alarm range, the warning and the most unusual images', () => {
  const r: FitResult = {
    ...base,
    images: {
      used: 12,
      calibration: 0,
      skipped: [{ path: '/normals/readme.png', code: 'UNSUPPORTED_FORMAT', message: 'Not an image.' }],
    },
    threshold: 2.5,
    calibration: {
      method: 'cross-fit',
      images: 12,
      folds: 12,
      groups: 12,
      rank: thresholdRank(12, 0.95),
      falseAlarm: falseAlarmRate(12, 0.95),
      warning: smallCalibrationWarning(12, 0.95),
      mostUnusual: [
        { path: '/normals/p07.png', score: 2.5 },
        { path: '/normals/p02.png', score: 1.75 },
      ],
    },
  };
  const text = describeFitResult(r);
  assert.doesNotMatch(text, /held out/);
  assert.match(
    text,
    /12 images used \(threshold cross-fitted on all 12 \(12 patients, 12 folds\)\), 1 skipped; memory bank 512 x 160; threshold 2\.5000; 8\.4 s/,
  );
  // The warning carries the false-alarm range; no second line repeats it.
  assert.match(
    text,
    /\n {2}warning: The threshold comes from only 12 images, too few for a stable 95th percentile: expect false alarms on about 7\.7% of normal images \(between 0\.4% and 22% in 9 fits out of 10\)/,
  );
  assert.doesNotMatch(text, /false alarms:/);
  assert.match(text, /most unusual images .*: \/normals\/p07\.png 2\.5000 = threshold, \/normals\/p02\.png 1\.7500/);
  assert.match(text, /skipped \/normals\/readme\.png: \[UNSUPPORTED_FORMAT\] Not an image\./);
});

test('held out, enough images: the hold-out count, no warning, no cross-fitting', () => {
  const r: FitResult = {
    ...base,
    images: { used: 200, calibration: 30, skipped: [] },
    threshold: 1.23456,
    calibration: {
      method: 'held-out',
      images: 30,
      rank: thresholdRank(30, 0.95),
      falseAlarm: falseAlarmRate(30, 0.95),
    },
  };
  const text = describeFitResult(r);
  assert.match(text, /200 images used \(30 held out for calibration\), 0 skipped/);
  assert.match(
    text,
    /\n {2}false alarms: about 3\.2% of normal images \(between 0\.\d+% and \d(\.\d)?% in 9 fits out of 10\); aimed at 5% \(threshold = rank 30 of 30 unseen scores\)/,
  );
  assert.doesNotMatch(text, /warning|cross-fitted|most unusual/);
});

test('cross-fitted on a sample of a big folder: "of them", not "all"', () => {
  const r: FitResult = {
    ...base,
    images: { used: 900, calibration: 0, skipped: [] },
    threshold: 1,
    calibration: {
      method: 'cross-fit',
      images: 200,
      folds: 10,
      groups: 180,
      rank: thresholdRank(200, 0.95),
      falseAlarm: falseAlarmRate(200, 0.95),
    },
  };
  assert.match(
    describeFitResult(r),
    /900 images used \(threshold cross-fitted on 200 of them \(180 patients, 10 folds\)\)/,
  );
});
