/**
 * The shipped backbone must compute what the original network computes: the committed ONNX file's taps
 * are compared with the same layers of the nsfwjs MobileNetV2 run by @tensorflow/tfjs (pure-JS CPU
 * backend, which dequantizes the weights itself, so the check is independent of our converter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { BACKBONE_FILE, BACKBONE_POOLED, BACKBONE_TAPS, convertNsfwjsBackbone } from '../../../scripts/models/backbone';
import { readNsfwjsArtifacts } from '../../../scripts/models/nsfwjs-weights';

const ROOT = resolve(__dirname, '../../..');
const MODEL = resolve(ROOT, BACKBONE_FILE);

/** A deterministic test image in [0,1], HWC RGB: smooth gradients, a bright disc and hashed noise. */
function syntheticImage(h: number, w: number): Float32Array {
  const img = new Float32Array(h * w * 3);
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (h * 0.2) ** 2 ? 0.4 : 0;
      for (let c = 0; c < 3; c++) {
        const v = 0.3 * (x / w) + 0.2 * (y / h) + 0.1 * c + disc + 0.2 * rnd();
        img[(y * w + x) * 3 + c] = Math.min(1, v);
      }
    }
  return img;
}

function hwcToChw(src: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = src[(y * w + x) * c + k];
  return out;
}

async function runOnnx(chw: Float32Array, h: number, w: number): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
  try {
    return await session.run({ input: new ort.Tensor('float32', chw, [1, 3, h, w]) });
  } finally {
    await session.release();
  }
}

test('ONNX backbone taps match tfjs within 1e-3', async () => {
  await tf.setBackend('cpu');
  const art = readNsfwjsArtifacts();
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: art.modelTopology,
      weightSpecs: art.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: art.weightData,
    }),
  );
  const layerOutputs = BACKBONE_TAPS.map((t) => model.getLayer(t).output as tf.SymbolicTensor);
  const taps = tf.model({ inputs: model.inputs, outputs: layerOutputs });

  const H = 224;
  const W = 224;
  const hwc = syntheticImage(H, W);
  const expected = tf.tidy(() =>
    (taps.predict(tf.tensor4d(hwc, [1, H, W, 3])) as tf.Tensor[]).map((t) => t.arraySync() as number[][][][]),
  );
  const got = await runOnnx(hwcToChw(hwc, H, W, 3), H, W);

  const report: string[] = [];
  BACKBONE_TAPS.forEach((name, i) => {
    const ref = expected[i][0]; // [h][w][c]
    const out = got[name];
    const [n, c, h, w] = out.dims;
    assert.deepEqual([n, c, h, w], [1, ref[0][0].length, ref.length, ref[0].length], `${name} shape`);
    const data = out.data as Float32Array;
    let maxErr = 0;
    let maxRef = 0;
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const r = ref[y][x][k];
          maxRef = Math.max(maxRef, Math.abs(r));
          maxErr = Math.max(maxErr, Math.abs(data[(k * h + y) * w + x] - r));
        }
    report.push(`${name}: max |diff| ${maxErr.toExponential(2)} (max |value| ${maxRef.toFixed(2)})`);
    assert.ok(maxRef > 0.1, `${name}: reference is all ~zero, the test would prove nothing`);
    assert.ok(maxErr < 1e-3, `${name}: max |onnx - tfjs| = ${maxErr}`);
  });

  // The pooled output is the spatial mean of out_relu (what the original AveragePooling2D(7) computes at 224).
  const last = expected[BACKBONE_TAPS.indexOf('out_relu')][0];
  const pooled = got[BACKBONE_POOLED].data as Float32Array;
  let maxPoolErr = 0;
  for (let k = 0; k < pooled.length; k++) {
    let s = 0;
    for (const row of last) for (const px of row) s += px[k];
    maxPoolErr = Math.max(maxPoolErr, Math.abs(pooled[k] - s / (last.length * last[0].length)));
  }
  report.push(`${BACKBONE_POOLED}: max |diff| ${maxPoolErr.toExponential(2)}`);
  assert.ok(maxPoolErr < 1e-3);
  model.dispose(); // also disposes `taps`, which shares its layers
  console.log(report.join('\n'));
});

test('backbone accepts other sizes and batches (dynamic N, H, W)', async () => {
  const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
  try {
    const [N, H, W] = [2, 96, 160];
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(N * 3 * H * W).fill(0.5), [N, 3, H, W]),
    });
    assert.deepEqual(out.block_6_expand_relu.dims, [N, 192, H / 8, W / 8]);
    assert.deepEqual(out.block_13_expand_relu.dims, [N, 576, H / 16, W / 16]);
    assert.deepEqual(out.out_relu.dims, [N, 1280, H / 32, W / 32]);
    assert.deepEqual(out[BACKBONE_POOLED].dims, [N, 1280]);
  } finally {
    await session.release();
  }
});

test('committed backbone is byte-identical to a fresh conversion (reproducible converter)', () => {
  const fresh = convertNsfwjsBackbone();
  assert.equal(
    Buffer.compare(readFileSync(MODEL), Buffer.from(fresh.bytes)),
    0,
    'run npm run models:backbone and commit the result',
  );
});
