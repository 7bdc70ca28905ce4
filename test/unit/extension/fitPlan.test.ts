import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { falseAlarmRate, smallCalibrationWarning, thresholdRank } from '../../../src/core/fit/calibrate';
import type { ModelInfo } from '../../../src/core/model/manifest';
import type { FitResult } from '../../../src/protocol/engine';
import {
  clashMessage,
  displayPath,
  emptyFolderMessage,
  findClash,
  formatDuration,
  modelIdProblem,
  ProgressTracker,
  progressMessage,
  reportMarkdown,
  suggestModelId,
  summaryLines,
} from '../../../src/extension/fit/plan';

test('model ids: lowercase letters, digits and single inner dashes', () => {
  for (const ok of ['hands', 'hand-normals', 'chest-2024', 'a', '0-1']) assert.equal(modelIdProblem(ok), undefined, ok);
  assert.match(modelIdProblem('') ?? '', /Enter/);
  assert.match(modelIdProblem('Hands') ?? '', /lowercase/);
  assert.match(modelIdProblem('-hands') ?? '', /Dashes/);
  assert.match(modelIdProblem('hands-') ?? '', /Dashes/);
  assert.match(modelIdProblem('hand--normals') ?? '', /Dashes/);
  assert.match(modelIdProblem('hand_normals') ?? '', /lowercase letters, digits and dashes/);
  assert.match(modelIdProblem('../evil') ?? '', /lowercase letters, digits and dashes/);
  assert.match(modelIdProblem('a'.repeat(65)) ?? '', /At most 64/);
});

test('suggested ids are valid and avoid taken ones', () => {
  assert.equal(suggestModelId('Normal Hands 2024', new Set()), 'normal-hands-2024-detector');
  assert.equal(suggestModelId('Röntgen_Bilder', new Set()), 'rontgen-bilder-detector');
  assert.equal(suggestModelId('___', new Set()), 'detector');
  assert.equal(suggestModelId('hands', new Set(['hands-detector', 'hands-detector-2'])), 'hands-detector-3');
  for (const name of ['x'.repeat(200), '--a--', 'ÀÉÎ', '日本'])
    assert.equal(modelIdProblem(suggestModelId(name, new Set())), undefined, name);
});

const model = (id: string, dir: string, origin: ModelInfo['origin'] = 'workspace'): ModelInfo => ({
  id,
  name: `Model ${id}`,
  version: '1',
  manifestPath: path.join(dir, `${id}.model.json`),
  onnxPath: path.join(dir, `${id}.onnx`),
  origin,
});

test('clash: same id elsewhere would be hidden; in the destination it is a replacement', () => {
  const out = path.resolve('/ws/.xray-anomaly/models');
  const models = [model('pca', path.resolve('/ext/models'), 'bundled'), model('mine', out)];
  assert.deepEqual(findClash('new', out, models, []), { kind: 'none' });
  const hidden = findClash('pca', out, models, []);
  assert.equal(hidden.kind, 'hidden');
  assert.match(
    clashMessage('pca', hidden as Exclude<typeof hidden, { kind: 'none' }>),
    /bundled model "Model pca".*choose another id/,
  );
  const replace = findClash('mine', out + path.sep, models, ['mine.onnx', 'mine.model.json']);
  assert.equal(replace.kind, 'replace');
  // Stray files of an unlisted model (e.g. an invalid manifest) still need a yes before they are replaced.
  assert.deepEqual(findClash('stray', out, models, ['stray.onnx']), { kind: 'replace' });
  assert.match(clashMessage('stray', { kind: 'replace' }), /Files named "stray.onnx"/);
});

test('progress message: stage, whole percent, coarse ETA, skipped count', () => {
  assert.equal(progressMessage({ stage: 'features', fraction: 0.427, skipped: 0 }), 'Extracting features · 42%');
  assert.equal(
    progressMessage({ stage: 'features', fraction: 0.5, etaS: 95, skipped: 2 }),
    'Extracting features · 50% · about 2 min left · 2 skipped',
  );
  assert.equal(
    progressMessage({ stage: 'export', fraction: 1.2, etaS: 3, skipped: 0 }),
    'Writing the model · 100% · almost done',
  );
  assert.equal(
    progressMessage({ stage: 'coreset', fraction: Number.NaN, etaS: Number.POSITIVE_INFINITY, skipped: 0 }),
    'Building the memory bank · 0%',
  );
  assert.equal(formatDuration(42), '40 s');
  assert.equal(formatDuration(3 * 3600 + 20 * 60), '3 h 20 min');
});

test('progress increments add up to the fraction and never go backwards', () => {
  const t = new ProgressTracker();
  const incs = [0.1, 0.05, 0.3, 0.3, 1, 1.5].map((f) => t.step(f));
  assert.deepEqual(
    incs.map((x) => Math.round(x * 1000) / 1000),
    [10, 0, 20, 0, 70, 0],
  );
});

test('empty folder message says how many files were seen and what is supported', () => {
  const none = emptyFolderMessage('/data/empty', 0);
  assert.match(none, /Cannot fit a detector on \/data\/empty: it holds no files/);
  const some = emptyFolderMessage('/data/docs', 3);
  assert.match(some, /it holds 3 files, and none is an image/);
  assert.match(some, /DICOM.*PNG.*JPEG.*TIFF/);
  assert.match(emptyFolderMessage('the 2 selected items', 2, 'selection'), /of 2 files, none is an image/);
});

test('summary and report: counts, skipped reasons with paths relative to the folder', () => {
  const root = path.resolve('/data/normals');
  const result: FitResult = {
    manifestPath: '/ws/.xray-anomaly/models/hands.model.json',
    onnxPath: '/ws/.xray-anomaly/models/hands.onnx',
    images: {
      used: 10,
      calibration: 2,
      skipped: [
        { path: path.join(root, 'sub', 'bad.png'), code: 'CORRUPT', message: 'The PNG data is damaged | cut.' },
      ],
    },
    threshold: 1.23456,
    calibration: { method: 'held-out', images: 2, rank: thresholdRank(2, 0.95), falseAlarm: falseAlarmRate(2, 0.95) },
    memoryBank: { rows: 512, dims: 160 },
    fitMs: 8400,
  };
  const lines = summaryLines({ modelId: 'hands', source: root, result, root });
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /10 images used \(2 of them held out for calibration\), 1 skipped; threshold 1\.2346; memory bank 512 x 160/,
  );
  assert.match(lines[0], /in 8\.4 s/);
  assert.equal(lines[1], '  skipped sub/bad.png: [CORRUPT] The PNG data is damaged | cut.');
  const md = reportMarkdown({ modelId: 'hands', name: 'Hands', source: root, result, root, finishedAt: new Date(0) });
  assert.match(md, /^# Fit report: Hands/);
  assert.match(md, /\| sub\/bad.png \| CORRUPT \| The PNG data is damaged \\\| cut. \|/);
  assert.equal(displayPath('/elsewhere/x.png', root), '/elsewhere/x.png');
});

test('summary and report of a cross-fitted fit on a small folder: how, the warning, the most unusual images', () => {
  const root = path.resolve('/data/normals');
  const result: FitResult = {
    manifestPath: '/ws/.xray-anomaly/models/hands.model.json',
    onnxPath: '/ws/.xray-anomaly/models/hands.onnx',
    images: { used: 12, calibration: 0, skipped: [] },
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
        { path: path.join(root, 'p07.png'), score: 2.5 },
        { path: path.join(root, 'p02.png'), score: 1.75 },
      ],
    },
    memoryBank: { rows: 512, dims: 160 },
    fitMs: 8400,
  };
  const lines = summaryLines({ modelId: 'hands', source: root, result, root });
  assert.match(lines[0], /12 images used \(threshold cross-fitted on all 12\), 0 skipped/);
  assert.match(lines[1], /^ {2}warning: The threshold comes from only 12 images/);
  assert.match(lines[2], /p07\.png 2\.5000 = threshold, p02\.png 1\.7500/);
  const md = reportMarkdown({ modelId: 'hands', source: root, result, root, finishedAt: new Date(0) });
  assert.match(md, /> \*\*Too few images for a stable threshold\.\*\*/);
  assert.match(md, /cross-fitted on all 12: each scored by a detector fitted without its patient \(12 patients\)/);
  assert.match(md, /\| Expected false alarms \| 7\.7% of normal images/);
});

test('summary and report say what was done: the pipeline, the mirrored copies, and the atypical image left out of the threshold', () => {
  const root = path.resolve('/data/hands');
  const result: FitResult = {
    manifestPath: '/ws/.xray-anomaly/models/hands.model.json',
    onnxPath: '/ws/.xray-anomaly/models/hands.onnx',
    images: { used: 14, calibration: 0, skipped: [], mirrored: 14 },
    preprocessing: { pipeline: 'hand', spec: { steps: [{ op: 'cropExposed' }, { op: 'splitHands' }] } },
    threshold: 1.38,
    calibration: {
      method: 'cross-fit',
      images: 13,
      rank: thresholdRank(13, 0.95),
      falseAlarm: falseAlarmRate(13, 0.95),
      outliers: { count: 1, median: 0.9, spread: 0.2, k: 5, cap: 1.9, conformalThreshold: 4.31 },
      mostUnusual: [
        { path: path.join(root, 'h07.png'), score: 4.31, excluded: true },
        { path: path.join(root, 'h02.png'), score: 1.38 },
      ],
    },
    memoryBank: { rows: 512, dims: 160 },
    fitMs: 8400,
  };
  const lines = summaryLines({ modelId: 'hands', source: root, result, root });
  assert.match(lines[1], /preprocessing: hand \(cropExposed, splitHands\); 14 mirrored copies fitted on besides/);
  assert.match(lines[2], /1 atypical image left out .* = 1\.9000\); with it the threshold would have been 4\.3100/);
  assert.match(lines[3], /h07\.png 4\.3100 \(left out of the threshold\), h02\.png 1\.3800 = threshold/);
  const md = reportMarkdown({ modelId: 'hands', source: root, result, root, finishedAt: new Date(0) });
  assert.match(
    md,
    /\| Preprocessing \| Hand X-ray \(the paper’s pipeline, histogram equalisation\): `cropExposed`, `splitHands` \|/,
  );
  assert.match(md, /\| Mirrored copies \| 14: each image was also fitted on mirrored/);
  assert.match(
    md,
    /## Threshold: atypical images left out[\s\S]*the threshold is 1\.3800; with it, it would have been 4\.3100/,
  );
  assert.match(md, /\| h07\.png \| 4\.3100 \(left out of the threshold\) \|/);
  assert.match(md, /\| h02\.png \| 1\.3800 \(the threshold\) \|/);
});
