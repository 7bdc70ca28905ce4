/**
 * The graph cut a score-only run uses (core/onnx/prune.ts): taken where it drops a real share of the graph,
 * refused (with the reason) where it fails or keeps everything, and its score bit-identical to the full
 * graph's in onnxruntime, at batch 1 and in a batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { cutForOutputs, graphSize, MIN_CUT_SHARE } from '../../../src/core/onnx/prune';
import { EMBEDDING_OUTPUT, withEmbeddingOutput } from '../../../src/core/similar/tap';
import { sessionOptions } from '../../../src/engine/providers';
import { mulberry32, twoHeadModelBytes } from '../../fixtures/models';
import { GraphBuilder } from '../../../src/core/onnx/builder';

const SCORE = ['pred_score', EMBEDDING_OUTPUT];

test('a score head beside a heavier map head: the cut keeps the score and embedding, drops the map head', () => {
  const full = withEmbeddingOutput(twoHeadModelBytes(), 'features');
  const d = cutForOutputs(full, SCORE);
  assert.equal(d.use, 'cut');
  if (d.use !== 'cut') return;
  assert.deepEqual(d.full, graphSize(full));
  assert.ok(d.cut.nodes < d.full.nodes, `${d.cut.nodes} < ${d.full.nodes}`);
  // Backbone 8x1x3x3 + read-out 8 + the reshape's shape; the map head's 32x8x3x3 + 32 are gone.
  assert.equal(d.cut.weightBytes, (72 + 8) * 4 + 8);
  assert.equal(d.full.weightBytes, (72 + 8 + 32 * 72 + 32) * 4 + 8);
});

test('a score computed from the map: the cut keeps every node, so the full graph stays (and says why)', () => {
  const g = new GraphBuilder('amap');
  const x = g.input('input', ['N', 1, 8, 8]);
  const map = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 'anomaly_map');
  g.op('ReduceMax', [map], { axes: [1, 2, 3], keepdims: 0 }, 'pred_score');
  g.output('anomaly_map');
  g.output('pred_score');
  const d = cutForOutputs(g.toBytes(), ['pred_score']);
  assert.equal(d.use, 'full');
  if (d.use !== 'full') return;
  assert.match(d.reason, /keeps 2 of 2 nodes/);
});

test('a cut that drops less than the minimum share is not taken; one that cannot be made says so', () => {
  // Eleven nodes on the score's path and one (the map's) beside it, no weights: the cut drops 1 of 12.
  const g = new GraphBuilder('long');
  let t = g.input('input', ['N', 4]);
  for (let i = 0; i < 10; i++) t = g.op('Relu', [t]);
  g.op('Identity', [t], {}, 'pred_score');
  g.op('Neg', [t], {}, 'anomaly_map');
  g.output('pred_score');
  g.output('anomaly_map');
  assert.ok(1 / 12 < MIN_CUT_SHARE);
  const d = cutForOutputs(g.toBytes(), ['pred_score']);
  assert.equal(d.use, 'full');
  const failed = cutForOutputs(twoHeadModelBytes(), ['no_such_tensor']);
  assert.match(failed.use === 'full' ? failed.reason : '', /the cut failed .*no_such_tensor/);
  assert.match(
    (cutForOutputs(new TextEncoder().encode('not a model'), ['x']) as { reason: string }).reason,
    /cannot be read/,
  );
});

test('the cut graph scores bit-identically to the full graph in onnxruntime (batch 1 and 5)', async () => {
  const full = withEmbeddingOutput(twoHeadModelBytes({ height: 64, width: 64, mapChannels: 48 }), 'features');
  const d = cutForOutputs(full, SCORE);
  assert.equal(d.use, 'cut');
  if (d.use !== 'cut') return;
  const [a, b] = await Promise.all([
    ort.InferenceSession.create(full, sessionOptions('cpu', 2)),
    ort.InferenceSession.create(d.bytes, sessionOptions('cpu', 2)),
  ]);
  try {
    assert.deepEqual([...b.outputNames].sort(), [...SCORE].sort());
    const rand = mulberry32(11);
    for (const n of [1, 5]) {
      const data = Float32Array.from({ length: n * 64 * 64 }, () => rand());
      const feeds = { input: new ort.Tensor('float32', data, [n, 1, 64, 64]) };
      const whole = await a.run(feeds);
      const [fetched, lean] = await Promise.all([a.run(feeds, SCORE), b.run(feeds)]);
      for (const name of SCORE) {
        const ref = whole[name].data as Float32Array;
        assert.equal(ref.length, name === 'pred_score' ? n : n * 8);
        assert.deepEqual(lean[name].data, ref, `${name}, batch ${n}`);
        assert.deepEqual(fetched[name].data, ref, `${name}, batch ${n} (fetched alone)`);
      }
    }
  } finally {
    await Promise.all([a.release(), b.release()]);
  }
});
