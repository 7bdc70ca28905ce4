/**
 * Nearest-neighbour distances on near-duplicate patches: the case a small fit produces (its bank holds
 * most training patches, and a new normal image has a near-twin for most of its patches). The fast form
 * |q|² - 2q·b + |b|² cancels there, and sqrt magnifies what is left; the two-stage search (nearest.ts)
 * must give exact distances at fit time and the same ones in the exported head.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import {
  DEFAULT_RECIPE,
  fitDetector,
  scoreTolerances,
  scoreWithDetector,
  type DetectorRecipe,
} from '../../../src/core/fit/detector';
import { patchRows, type FeatureMaps } from '../../../src/core/fit/features';
import { buildDetectorHead } from '../../../src/core/fit/head';
import { buildMemoryBank, patchDistances } from '../../../src/core/fit/patchcore';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';

const be = ortBackend(1);
after(() => be.release());

const C = 64;
const H = 6;
const W = 6;

/**
 * ReLU-like activations far from zero (~30) with one spatial pattern shared by every image, plus 0.01
 * noise: the patch at a position in one image is ~0.03 from the same position in any other, while
 * |q|² ~ 6e4, so float32 rounding of the fast form (~1e-2 on a squared distance) exceeds the true
 * squared distance (~1e-3).
 */
function nearDuplicateMaps(n: number, seed: number): FeatureMaps {
  const g = gaussianRng(mulberry32(seed));
  const data = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          data[((i * C + c) * H + y) * W + x] = 30 + 2 * Math.sin(c + y / 3 + x / 5) + 0.01 * g();
  return { data, n, c: C, h: H, w: W };
}

function exactNearest(q: Float32Array, qi: number, bank: Float32Array, rows: number): number {
  let best = Infinity;
  for (let j = 0; j < rows; j++) {
    let s = 0;
    for (let k = 0; k < C; k++) s += (q[qi * C + k] - bank[j * C + k]) ** 2;
    best = Math.min(best, s);
  }
  return Math.sqrt(best);
}

test('patch distances to a bank of near-duplicates are exact (float64 reference), bank rows are at exactly 0', async () => {
  const bankRows = await patchRows(be, nearDuplicateMaps(12, 1));
  const mb = await buildMemoryBank(be, bankRows, { coresetRatio: 1 });
  const queries = await patchRows(be, nearDuplicateMaps(3, 2));
  const d = await patchDistances(be, mb, queries);
  let worst = 0;
  let mean = 0;
  for (let i = 0; i < queries.rows; i++) {
    const ref = exactNearest(queries.data, i, bankRows.data, bankRows.rows);
    worst = Math.max(worst, Math.abs(d[i] - ref) / ref);
    mean += ref / queries.rows;
  }
  assert.ok(mean > 0.005 && mean < 0.1, `the fixture is what it claims: mean nearest distance ${mean}`);
  // Centring is exact here (values within a factor 2 of the mean), so only the final sum rounds.
  assert.ok(worst < 1e-5, `worst relative error ${worst}`);
  const self = await patchDistances(be, mb, bankRows);
  assert.equal(Math.max(...self), 0);
});

test('the exported head reproduces the in-memory local score and map on near-duplicate patches', async () => {
  const recipe: DetectorRecipe = {
    ...DEFAULT_RECIPE,
    tap: 'features',
    local: { ...DEFAULT_RECIPE.local, minBankRows: 100_000 },
  };
  const det = await fitDetector(be, [nearDuplicateMaps(12, 3)], [nearDuplicateMaps(4, 4)], recipe);
  assert.equal(det.bank!.bank.rows, 12 * H * W, 'the whole training set is the bank');
  const val = nearDuplicateMaps(5, 5);
  const mem = await scoreWithDetector(be, det, [val], { keepMaps: true });
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 1, blurSigma: 0, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({ features: new ort.Tensor('float32', val.data, [5, C, H, W]) });
  const local = out.local_score.data as Float32Array;
  const score = out.pred_score.data as Float32Array;
  // The head's own AveragePool may run another kernel (onnxruntime's NCHWc layout) and round the
  // features differently by an ulp; a distance is 1-Lipschitz in its query, so the two can differ by
  // about ε·|q| (|q| ~ 240 here, ~4e-6 measured), NOT by a fraction of the distance: the fast form alone
  // is off by ~√(ε·|q|²) ~ 0.05, more than the distances themselves.
  const rows = await patchRows(be, val);
  let qNorm = 0;
  for (let r = 0; r < rows.rows; r++) qNorm = Math.max(qNorm, Math.hypot(...rows.data.subarray(r * C, (r + 1) * C)));
  const allowed = 1e-7 * qNorm;
  const map = out.anomaly_map.data as Float32Array;
  assert.deepEqual(out.anomaly_map.dims, [5, 1, H, W]);
  const { mean, sd } = det.mapStd!;
  let worst = 0;
  for (let p = 0; p < map.length; p++) worst = Math.max(worst, Math.abs(map[p] * sd + mean - mem.maps![p]));
  assert.ok(
    worst <= allowed,
    `per-patch distance: head vs in-memory differ by up to ${worst} (allowed ${allowed}; distances ~${mean.toFixed(3)})`,
  );
  const tolerance = scoreTolerances(det, mem);
  for (let i = 0; i < 5; i++) {
    assert.ok(
      Math.abs(local[i] - mem.local![i]) <= allowed,
      `image ${i}: head local ${local[i]} vs in-memory ${mem.local![i]}`,
    );
    assert.ok(
      Math.abs(score[i] - mem.score[i]) <= tolerance[i],
      `image ${i}: head score ${score[i]} vs in-memory ${mem.score[i]} (tolerance ${tolerance[i]})`,
    );
  }
  await session.release();
});
