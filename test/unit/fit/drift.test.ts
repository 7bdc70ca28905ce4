/**
 * Score drift (src/core/scoring/drift.ts): a fit stores its calibration normals' score percentiles in the
 * manifest; a folder of new normals like them reads as "ok", a folder from a shifted acquisition (a noisier
 * device, and one with a collimation frame) reads as drifted, with a false-alarm estimate far above the
 * promise, which the user's confirmed normals then measure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { fitModel, type FitIO } from '../../../src/core/fit/fitModel';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { parseManifest } from '../../../src/core/model/validate';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { prepareInput, prepareInputs } from '../../../src/core/preprocess/pipeline';
import {
  assessDrift,
  driftQuantiles,
  driftReferenceOf,
  falseAlarmFromNormals,
  folderDrift,
} from '../../../src/core/scoring/drift';
import { nodeFitFiles } from '../../../src/engine/fitJobs';
import { ortCompute } from '../../../src/engine/ortCompute';
import { writePhantoms, writeRealBackbone } from './phantoms';
import type { HandPhantomOptions } from '../../fixtures/images';

const compute = ortCompute({ threads: 1 });
let work: string;
let backbone: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'drift-'));
  backbone = writeRealBackbone(join(work, 'bb'), 128);
});
after(async () => {
  await compute.release();
  rmSync(work, { recursive: true, force: true });
});

async function scoreFolder(
  session: ort.InferenceSession,
  manifest: ModelManifest,
  dir: string,
  n: number,
  opts: (i: number) => HandPhantomOptions,
): Promise<number[]> {
  const out: number[] = [];
  for (const p of await writePhantoms(dir, n, opts)) {
    const prepared = prepareInput(await decodeImage(readFileSync(p.path), p.path), manifest);
    const res = await session.run({
      [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
    });
    out.push((res.pred_score.data as Float32Array)[0]);
  }
  return out;
}

test('a fitted model stores its drift reference; like normals read ok, a shifted acquisition reads as drift', async () => {
  const normals = await writePhantoms(join(work, 'normals'), 30, (i) => ({ seed: 100 + i }));
  const out = join(work, 'out');
  mkdirSync(out);
  const io: FitIO = {
    files: nodeFitFiles(),
    decode: (b, p, l) => decodeImage(b, p, l),
    prepare: (image, m) => prepareInputs(image, m as Parameters<typeof prepareInputs>[1]),
    compute,
    defaultBackbonePath: backbone,
    date: () => new Date('2025-01-01T00:00:00Z'),
  };
  const result = await fitModel(
    {
      jobId: 'drift',
      files: normals.map((n) => n.path),
      outDir: out,
      modelId: 'drift',
      limits: DEFAULT_DECODE_LIMITS,
    },
    io,
  );
  const manifest = parseManifest(readFileSync(result.manifestPath, 'utf8'), result.manifestPath);
  const ref = driftReferenceOf(manifest);
  assert.ok(ref, 'the manifest carries calibration.normalQuantiles');
  assert.equal(ref.quantiles.length, 101);
  assert.equal(ref.count, 30, 'cross-fitted: every training image is a calibration score');

  const session = await ort.InferenceSession.create(result.onnxPath, { intraOpNumThreads: 1 });
  try {
    const like = await scoreFolder(session, manifest, join(work, 'like'), 24, (i) => ({ seed: 500 + i }));
    const same = assessDrift(ref, like);
    assert.equal(same.status, 'ok', `${same.message} (shift ${same.shift.toFixed(2)})`);

    // Another "device": four times the noise and a bright collimation frame.
    const shifted = await scoreFolder(session, manifest, join(work, 'shifted'), 24, (i) => ({
      seed: 900 + i,
      noise: 0.08,
      border: 6,
    }));
    const drift = assessDrift(ref, shifted);
    assert.equal(drift.status, 'higher', `${drift.message} (shift ${drift.shift.toFixed(2)})`);
    assert.match(drift.message, /Score drift/);
    assert.ok(drift.falseAlarmIfShifted > 3 * drift.falseAlarmPromised, JSON.stringify(drift));

    // The user confirms 20 of the shifted images as normal: the measured rate is far above 5%.
    const f = falseAlarmFromNormals(manifest.calibration.threshold, shifted.slice(0, 20));
    assert.ok(f.rate > 0.3 && f.low > 0.1, JSON.stringify(f));
    assert.ok(f.folderThreshold !== undefined && f.folderThreshold > manifest.calibration.threshold);
  } finally {
    await session.release();
  }
});

test('assessDrift on scores alone: direction, too few images, mostly-abnormal caveat in the message', () => {
  const normal = Array.from({ length: 400 }, (_, i) => Math.sqrt(-2 * Math.log((i + 0.5) / 400)) * Math.cos(i)); // ~N(0,1)
  const ref = { quantiles: driftQuantiles(normal), threshold: 1.645, count: 400 };
  const like = normal.filter((_, i) => i % 7 === 0);
  assert.equal(assessDrift(ref, like).status, 'ok');
  const up = assessDrift(
    ref,
    like.map((v) => v + 2),
  );
  assert.equal(up.status, 'higher');
  assert.ok(up.falseAlarmIfShifted > 0.5, `shifted by 2 sd: ${up.falseAlarmIfShifted}`);
  assert.match(up.message, /mostly abnormal|most of the folder is abnormal/);
  assert.equal(
    assessDrift(
      ref,
      like.map((v) => v - 2),
    ).status,
    'lower',
  );
  assert.equal(assessDrift(ref, like.slice(0, 5)).status, 'too-few');
  assert.equal(driftReferenceOf({ calibration: { threshold: 1, min: 0, max: 2 } }), undefined);
  assert.equal(
    driftReferenceOf({ calibration: { threshold: 1, min: 0, max: 2, normalQuantiles: [3, 2, 1, 0, -1] } }),
    undefined,
    'unsorted quantiles are not a reference',
  );
});

test('falseAlarmFromNormals: counts, interval and the folder threshold', () => {
  const scores = Array.from({ length: 39 }, (_, i) => i);
  const f = falseAlarmFromNormals(35, scores);
  assert.equal(f.flagged, 4);
  assert.ok(Math.abs(f.rate - 5 / 41) < 1e-12);
  assert.ok(f.low < f.rate && f.rate < f.high);
  assert.equal(f.folderThreshold, 37, 'the 38th smallest of 39 (rank ⌈40·0.95⌉)');
  assert.equal(falseAlarmFromNormals(35, scores.slice(0, 10)).folderThreshold, undefined);
});

test('folderDrift: the verdict over every score, the false-alarm rate over the labelled normals only', () => {
  const ref = { quantiles: Array.from({ length: 101 }, (_, i) => i / 100), threshold: 0.95, count: 200 };
  // 40 images shifted up by half the reference range; 10 of them labelled normal (4 at or above 0.95).
  const scores = new Map(Array.from({ length: 40 }, (_, i) => [`img-${i}.png`, 0.5 + i / 40] as const));
  const normals = ['img-0.png', 'img-1.png', 'img-2.png', 'img-3.png', 'img-4.png', 'img-5.png'];
  normals.push('img-36.png', 'img-37.png', 'img-38.png', 'img-39.png', 'not-scored.png', 'img-39.png');
  const d = folderDrift(ref, scores, normals);
  assert.equal(d.report.status, 'higher', d.report.message);
  assert.equal(d.report.images, 40);
  assert.ok(d.normals, 'labelled normals give a measured rate');
  assert.equal(d.normals.normals, 10, 'unscored and repeated names are not counted');
  assert.equal(d.normals.flagged, 4, 'img-36 to img-39 score 1.4 to 1.475, at or above 0.95');
  assert.ok(Math.abs(d.normals.rate - 5 / 12) < 1e-12, 'posterior mean (4 + 1) / (10 + 2)');
  assert.equal(folderDrift(ref, scores).normals, undefined, 'no labels: no measured rate');
  assert.equal(folderDrift(ref, scores, ['elsewhere.png']).normals, undefined);
});
