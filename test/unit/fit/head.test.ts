/** The exported detector head (and head + backbone composed into one file) reproduces in-memory scores. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { DEFAULT_RECIPE, fitDetector, scoreWithDetector, type DetectorRecipe } from '../../../src/core/fit/detector';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { buildDetectorHead } from '../../../src/core/fit/head';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { composeModels } from '../../../src/core/onnx/compose';
import { ortBackend } from '../../../scripts/models/ort-backend';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { SYNTHETIC_MAP_DIMS, syntheticMaps } from './phantoms';

const be = ortBackend(1);
after(() => be.release());
const { c: C, h: H, w: W } = SYNTHETIC_MAP_DIMS;

const maps = syntheticMaps;

const recipe: DetectorRecipe = {
  ...DEFAULT_RECIPE,
  tap: 'features',
  local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.2 },
};
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));

test('head outputs equal in-memory scores; the map is upsampled, smoothed and peaks at the planted blob', async () => {
  const det = await fitDetector(be, [maps(50, 1)], [maps(20, 2)], recipe);
  const labels = [true, false, false, true, false];
  const val = maps(5, 3, labels);
  const mem = await scoreWithDetector(be, det, [val]);
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 16, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({ features: new ort.Tensor('float32', val.data, [5, C, H, W]) });
  const score = out.pred_score.data as Float32Array;
  for (let i = 0; i < 5; i++) {
    assert.ok(close(score[i], mem.score[i]), `pred_score ${score[i]} vs ${mem.score[i]}`);
    assert.ok(close((out.global_score.data as Float32Array)[i], mem.global![i]));
    assert.ok(close((out.local_score.data as Float32Array)[i], mem.local![i]));
  }
  assert.deepEqual(out.anomaly_map.dims, [5, 1, H * 16, W * 16]);
  const map = (out.anomaly_map.data as Float32Array).subarray(0, 96 * 96);
  const peak = map.indexOf(Math.max(...map));
  const [py, px] = [Math.floor(peak / 96), peak % 96];
  assert.ok(
    py >= 24 && py < 72 && px >= 40 && px < 88,
    `peak (${py},${px}) lies on the planted cells (rows 32..63, cols 48..79)`,
  );
  await session.release();
});

test('worst-place part: the exported head reproduces it and the combined score; the planted images score highest on it', async () => {
  const worstRecipe: DetectorRecipe = { ...recipe, local: { ...recipe.local, worst: { k: 3, inset: 1, weight: 1 } } };
  const det = await fitDetector(be, [maps(50, 1)], [maps(25, 2)], worstRecipe);
  assert.ok(det.worst && det.worstStd, 'the fit calibrates the worst-place part');
  const labels = [true, false, false, true, false, false];
  const val = maps(6, 3, labels);
  const mem = await scoreWithDetector(be, det, [val]);
  assert.ok(mem.worst, 'in-memory scores have the part');
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 16, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({ features: new ort.Tensor('float32', val.data, [6, C, H, W]) });
  const worst = out.worst_score.data as Float32Array;
  const score = out.pred_score.data as Float32Array;
  for (let i = 0; i < 6; i++) {
    assert.ok(close(worst[i], mem.worst![i]), `worst_score ${worst[i]} vs ${mem.worst![i]}`);
    assert.ok(close(score[i], mem.score[i]), `pred_score ${score[i]} vs ${mem.score[i]}`);
  }
  const lowestPlanted = Math.min(...[0, 3].map((i) => worst[i]));
  const highestNormal = Math.max(...[1, 2, 4, 5].map((i) => worst[i]));
  assert.ok(lowestPlanted > highestNormal, `planted ${lowestPlanted} > normal ${highestNormal}`);
  await session.release();
});

test('gated worst place: the exported head (Relu) reproduces the in-memory score; calibration normals below the gate keep the ungated order', async () => {
  const gatedRecipe: DetectorRecipe = {
    ...recipe,
    local: { ...recipe.local, worst: { k: 3, inset: 1, weight: 2, gateQuantile: 0.9 } },
  };
  const det = await fitDetector(be, [maps(50, 1)], [maps(25, 2)], gatedRecipe);
  assert.ok(det.worstGate !== undefined && det.worstStd, 'the fit calibrates a gate');
  const labels = [true, false, false, true, false, false];
  const val = maps(6, 3, labels);
  const mem = await scoreWithDetector(be, det, [val]);
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 16, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({ features: new ort.Tensor('float32', val.data, [6, C, H, W]) });
  const score = out.pred_score.data as Float32Array;
  const { mean, sd } = det.worstStd!;
  for (let i = 0; i < 6; i++) {
    assert.ok(close(score[i], mem.score[i]), `pred_score ${score[i]} vs ${mem.score[i]}`);
    // Without the worst place the score is the two standardised parts; the gated part adds only above the gate.
    const rest =
      (mem.global![i] - det.globalStd!.mean) / det.globalStd!.sd +
      (mem.local![i] - det.localStd!.mean) / det.localStd!.sd;
    const z = (mem.worst![i] - mean) / sd;
    assert.ok(close(mem.score[i], rest + 2 * Math.max(0, z - det.worstGate!)), `image ${i}: gated sum`);
  }
  // The planted images' worst places are far above every calibration normal's: they are lifted.
  for (const i of [0, 3]) assert.ok((mem.worst![i] - mean) / sd > det.worstGate!, `planted image ${i} passes the gate`);
  await session.release();
});

test('position-aware part: fitted on held-out calibration, the exported head reproduces it and the score; planted images score highest on it', async () => {
  const posRecipe: DetectorRecipe = {
    ...recipe,
    local: { ...recipe.local, positional: { refs: 12, reach: 1, k: 3, inset: 1, weight: 1 } },
  };
  const det = await fitDetector(be, [maps(50, 1)], [maps(25, 2)], posRecipe);
  assert.ok(det.positional?.std && det.positional.centring, 'the fit calibrates the position-aware part');
  assert.equal(det.positional.ref.count, 12);
  const labels = [true, false, false, true, false, false];
  const val = maps(6, 3, labels);
  const mem = await scoreWithDetector(be, det, [val]);
  assert.ok(mem.positional, 'in-memory scores have the part');
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 16, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({ features: new ort.Tensor('float32', val.data, [6, C, H, W]) });
  const part = out.positional_score.data as Float32Array;
  const score = out.pred_score.data as Float32Array;
  for (let i = 0; i < 6; i++) {
    assert.ok(close(part[i], mem.positional![i]), `positional_score ${part[i]} vs ${mem.positional![i]}`);
    assert.ok(close(score[i], mem.score[i]), `pred_score ${score[i]} vs ${mem.score[i]}`);
  }
  const lowestPlanted = Math.min(...[0, 3].map((i) => part[i]));
  const highestNormal = Math.max(...[1, 2, 4, 5].map((i) => part[i]));
  assert.ok(lowestPlanted > highestNormal, `planted ${lowestPlanted} > normal ${highestNormal}`);
  await session.release();
});

test('the position-aware part refuses cross-fitting (its references are training images)', async () => {
  const posRecipe: DetectorRecipe = {
    ...recipe,
    local: { ...recipe.local, positional: { refs: 4, reach: 1, k: 3, inset: 1, weight: 1 } },
  };
  await assert.rejects(
    fitDetector(be, [maps(30, 1)], { method: 'cross-fit' }, posRecipe, {
      groups: [Array.from({ length: 30 }, (_, i) => `p${i}`)],
    }),
    /held-out calibration/,
  );
});

test('composeModels joins a backbone and the head into one file with the head outputs', async () => {
  // A tiny "backbone": Relu(Conv 1x1) from a 3-channel image to C channels at stride 16 (AveragePool 16).
  const bb = new GraphBuilder('tiny_backbone');
  bb.input('input', ['N', 3, 'H', 'Wd']);
  const g = gaussianRng(mulberry32(4));
  const w = Float32Array.from({ length: C * 3 }, () => g());
  const conv = bb.op('Conv', ['input', bb.constant(w, [C, 3, 1, 1])], { kernel_shape: [1, 1] });
  bb.op('AveragePool', [bb.op('Relu', [conv])], { kernel_shape: [16, 16], strides: [16, 16] }, 'feat');
  bb.op('Identity', ['feat'], {}, 'unused_extra');
  bb.output('feat');
  bb.output('unused_extra');
  const bbSession = await ort.InferenceSession.create(bb.toBytes(), { intraOpNumThreads: 1 });
  const images = (n: number, seed: number) => {
    const r = mulberry32(seed);
    return new ort.Tensor(
      'float32',
      Float32Array.from({ length: n * 3 * 96 * 96 }, () => r()),
      [n, 3, 96, 96],
    );
  };
  const feats = async (t: ort.Tensor): Promise<FeatureMaps> => {
    const f = (await bbSession.run({ input: t })).feat;
    return { data: f.data as Float32Array, n: f.dims[0], c: f.dims[1], h: f.dims[2], w: f.dims[3] };
  };
  const det = await fitDetector(be, [await feats(images(30, 1))], [await feats(images(10, 2))], recipe);
  const test = images(3, 3);
  const mem = await scoreWithDetector(be, det, [await feats(test)]);
  const bytes = composeModels(bb.toBytes(), buildDetectorHead(det, { stride: 16 }).toBytes(), {
    connect: { features: 'feat' },
    outputs: ['pred_score', 'anomaly_map'],
  });
  const one = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  assert.deepEqual([...one.outputNames].sort(), ['anomaly_map', 'pred_score']);
  const out = await one.run({ input: test });
  for (let i = 0; i < 3; i++) assert.ok(close((out.pred_score.data as Float32Array)[i], mem.score[i]));
  assert.deepEqual(out.anomaly_map.dims, [3, 1, 96, 96]);
  assert.throws(
    () =>
      composeModels(bb.toBytes(), buildDetectorHead(det, { stride: 16 }).toBytes(), {
        connect: { features: 'nope' },
        outputs: ['pred_score'],
      }),
    /no tensor 'nope'/,
  );
  await one.release();
  await bbSession.release();
});
