/**
 * The image score that reads the fine map (recipe.local.fineScore; detector.ts FINE_SCORE): the larger of the
 * parts' standardised sum and the shown map's standardised worst place less an offset. Fitted with held-out
 * calibration, the exported head gives the in-memory score; images without focal evidence keep the plain
 * fit's order, and misplaced content, which the whole-image parts barely see, is lifted above them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { maxStandardised } from '../../../src/core/fit/combine';
import {
  DEFAULT_RECIPE,
  fitDetector,
  scoreTolerances,
  scoreWithDetector,
  type DetectorRecipe,
} from '../../../src/core/fit/detector';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { buildDetectorHead } from '../../../src/core/fit/head';
import { ortBackend } from '../../../scripts/models/ort-backend';
import { SYNTHETIC_FINE_DIMS, SYNTHETIC_MAP_DIMS, syntheticFineMaps, syntheticMaps } from './phantoms';

const be = ortBackend(1);
after(() => be.release());
const { c: C, h: H, w: W } = SYNTHETIC_MAP_DIMS;
const { c: FC, h: FH, w: FW } = SYNTHETIC_FINE_DIMS;

/** Fine cells in a corner of the inner field that get content from another place. */
const MISPLACED = { y0: 6, y1: 8, x0: 6, x1: 8 };
const fineMaps = (n: number, seed: number, misplaced: boolean[] = []): FeatureMaps =>
  syntheticFineMaps(n, seed, MISPLACED, misplaced);
const withFine = (m: FeatureMaps, fine: FeatureMaps): FeatureMaps => ({ ...m, fine });
const fineRecipe: DetectorRecipe = {
  ...DEFAULT_RECIPE,
  tap: 'features',
  local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.2, fineMap: { tap: 'fine', refs: 16, reach: 1 } },
};
/** Each score's rank (0 = lowest). */
const rankOf = (v: ArrayLike<number>): number[] => {
  const order = Array.from(v, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Array<number>(v.length);
  order.forEach((i, k) => (r[i] = k));
  return r;
};
const scoreRecipe: DetectorRecipe = {
  ...fineRecipe,
  local: { ...fineRecipe.local, fineScore: { k: 3, inset: 2, offset: 1 } },
};

test('maxStandardised: the larger standard score, the second lowered by the offset', () => {
  const out = maxStandardised([1, 3, 5], { mean: 1, sd: 2 }, [10, 10, 40], { mean: 10, sd: 10 }, 1);
  assert.deepEqual(Array.from(out), [0, 1, 2]);
});

test('fine-map score: the exported head gives the in-memory score; misplaced content is lifted, other images keep their order', async () => {
  const train = withFine(syntheticMaps(40, 1), fineMaps(40, 11));
  const cal = withFine(syntheticMaps(24, 2), fineMaps(24, 12));
  const det = await fitDetector(be, [train], [cal], scoreRecipe);
  const plain = await fitDetector(be, [train], [cal], fineRecipe);
  assert.ok(det.fineScore, 'the fit standardises both scores on the calibration images');
  assert.deepEqual([det.fineScore.k, det.fineScore.inset, det.fineScore.offset], [3, 2, 1]);
  assert.ok(plain.fineScore === undefined);

  const misplaced = [false, true, false, true, false, false];
  const val = withFine(syntheticMaps(6, 3), fineMaps(6, 13, misplaced));
  const mem = await scoreWithDetector(be, det, [val]);
  const base = await scoreWithDetector(be, plain, [val]);
  assert.ok(mem.fineTop && mem.parts, 'scored without keepMaps, the fine map is still searched');
  // The parts' sum is the plain fit's score; the score is the rule on it.
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(mem.parts[i] - base.score[i]) < 1e-5, `parts of image ${i}`);
  const fs = det.fineScore;
  const expected = maxStandardised(mem.parts, fs.scoreStd, mem.fineTop, fs.std, fs.offset);
  assert.deepEqual(Array.from(mem.score), Array.from(expected));
  // The misplaced images are lifted by the fine map: both above every other image.
  const ranks = rankOf(mem.score);
  assert.ok(Math.min(ranks[1], ranks[3]) > Math.max(ranks[0], ranks[2], ranks[4], ranks[5]), `ranks ${ranks}`);
  // Never below the standardised plain score; the misplaced images well above it (lifted by their map).
  const z = (i: number) => (base.score[i] - fs.scoreStd.mean) / fs.scoreStd.sd;
  for (let i = 0; i < 6; i++) assert.ok(mem.score[i] >= z(i) - 1e-5, `image ${i}`);
  for (const i of [1, 3]) assert.ok(mem.score[i] > z(i) + 1, `image ${i} lifted: ${mem.score[i]} vs ${z(i)}`);

  const session = await ort.InferenceSession.create(buildDetectorHead(det, { stride: 16 }).toBytes(), {
    intraOpNumThreads: 1,
  });
  const out = await session.run({
    features: new ort.Tensor('float32', val.data, [6, C, H, W]),
    fine_features: new ort.Tensor('float32', val.fine!.data, [6, FC, FH, FW]),
  });
  const got = out.pred_score.data as Float32Array;
  const tol = scoreTolerances(det, mem);
  for (let i = 0; i < 6; i++)
    assert.ok(Math.abs(got[i] - mem.score[i]) <= tol[i], `image ${i}: ${got[i]} vs ${mem.score[i]}`);
  await session.release();
});
