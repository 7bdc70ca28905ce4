// The fit wizard's position-aware choice (src/extension/fit/positionalChoice.ts): the plain search is the
// first (default) answer, each answer explains itself in one line, the position-aware one says how many
// images it holds out; the request gets the flag and a calibration share (the CLI's --calibration), a
// Gaussian-only fit cannot have it, and the summary and report say what was fitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { falseAlarmRate, thresholdRank } from '../../../src/core/fit/calibrate';
import { DEFAULT_CALIBRATION_FRACTION, fitRequestProblems } from '../../../src/core/fit/fitModel';
import type { FitRequest, FitResult } from '../../../src/protocol/engine';
import { reportMarkdown, summaryLines } from '../../../src/extension/fit/plan';
import {
  heldOutCount,
  positionalAnswers,
  positionalOffered,
  positionalProblem,
  positionalRequest,
} from '../../../src/extension/fit/positionalChoice';

test('two answers, the plain search first; one line each; the position-aware one says what it holds out', () => {
  const [plain, positional] = positionalAnswers(40);
  assert.equal(plain.positional, false);
  assert.equal(positional.positional, true);
  for (const a of [plain, positional]) {
    assert.ok(a.label.length > 0 && a.description.length > 0, JSON.stringify(a));
    assert.ok(!/\n/.test(a.description), 'a one-line explanation');
  }
  assert.match(positional.description, /aligned films \(chests\)/);
  for (const a of [plain, positional]) assert.ok(`${a.label} ${a.description}`.length <= 90, 'fits the quick pick');
  assert.match(positional.detail ?? '', /About 6 of 40 images held out for the threshold/);
  assert.match(positionalAnswers(40, 0.25)[1].detail ?? '', /About 10 of 40/);
  // As fitModel: at least 2, never more than there are.
  assert.equal(heldOutCount(10), 2);
  assert.equal(heldOutCount(1341), Math.round(1341 * DEFAULT_CALIBRATION_FRACTION));
  assert.equal(heldOutCount(1, 0.5), 1);
});

test('offered only where enough images are held out to centre the position-aware map (the fit refuses fewer)', () => {
  assert.equal(positionalOffered(12), false);
  assert.equal(positionalOffered(129), false, '19 held out');
  assert.equal(positionalOffered(130), true, '20 held out');
  assert.equal(positionalOffered(40, 0.5), true);
  assert.equal(positionalOffered(38, 0.5), false);
});

test('the request: position-aware gets the flag and the default calibration share unless one is given', () => {
  assert.deepEqual(positionalRequest(false, undefined), { calibrationFraction: undefined });
  assert.deepEqual(positionalRequest(undefined, 0.2), { calibrationFraction: 0.2 });
  assert.deepEqual(positionalRequest(true, undefined), {
    positional: true,
    calibrationFraction: DEFAULT_CALIBRATION_FRACTION,
  });
  assert.deepEqual(positionalRequest(true, 0.3), { positional: true, calibrationFraction: 0.3 });
  // What the wizard sends is a request the fit accepts (the CLI's --positional needs --calibration).
  const base: FitRequest = {
    jobId: 'j',
    files: ['/a.png'],
    outDir: '/out',
    modelId: 'chests',
    limits: { maxFileBytes: 1, maxPixels: 1 },
  };
  assert.deepEqual(fitRequestProblems({ ...base, ...positionalRequest(true, undefined) }), []);
  assert.match(fitRequestProblems({ ...base, positional: true }).join(), /needs a calibration fraction/);
});

test('a Gaussian-only fit cannot be position-aware; the other kinds can', () => {
  assert.match(positionalProblem({ positional: true, kind: 'gaussian' }) ?? '', /combined or patchcore/);
  assert.equal(positionalProblem({ positional: true, kind: 'patchcore' }), undefined);
  assert.equal(positionalProblem({ positional: true }), undefined);
  assert.equal(positionalProblem({ kind: 'gaussian' }), undefined);
});

test('summary and report say the fit is position-aware, with its references', () => {
  const root = path.resolve('/data/chests');
  const result: FitResult = {
    manifestPath: '/ws/.xray-anomaly/models/chests.model.json',
    onnxPath: '/ws/.xray-anomaly/models/chests.onnx',
    images: { used: 40, calibration: 6, skipped: [] },
    threshold: 5.7,
    calibration: { method: 'held-out', images: 6, rank: thresholdRank(6, 0.95), falseAlarm: falseAlarmRate(6, 0.95) },
    memoryBank: { rows: 512, dims: 160 },
    positional: { references: 34, fineMap: true },
    fitMs: 8400,
  };
  const lines = summaryLines({ modelId: 'chests', source: root, result, root });
  assert.ok(
    lines.some((l) =>
      /position-aware: each patch also against 34 normal images at its own place; the shown map/.test(l),
    ),
    lines.join('\n'),
  );
  const md = reportMarkdown({ modelId: 'chests', source: root, result, root, finishedAt: new Date(0) });
  assert.match(md, /\| Position-aware \| each patch is also compared with 34 normal images’ patches at its own place/);
  const { positional: _, ...plain } = result;
  assert.doesNotMatch(
    reportMarkdown({ modelId: 'c', source: root, result: plain, root, finishedAt: new Date(0) }),
    /Position-aware/,
  );
});
