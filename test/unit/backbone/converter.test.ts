/** The Keras -> ONNX converter on small hand-made networks: layout, BN folding, padding, refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { convertKerasFeatureExtractor } from '../../../scripts/models/keras-to-onnx';
import type { DequantizedTensor, KerasLayer } from '../../../scripts/models/nsfwjs-weights';

const layer = (name: string, class_name: string, config: Record<string, unknown>, from: string[]): KerasLayer => ({
  name,
  class_name,
  config: { name, ...config },
  inbound_nodes: from.length ? [from.map((f) => [f, 0, 0, {}] as [string, number, number, unknown])] : [],
});
const t = (shape: number[], f: (i: number) => number): DequantizedTensor => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
});

// input 4x4x2 -> pad (0,1) -> conv 3x3 s2 (2->3) -> BN -> ReLU6
const layers: KerasLayer[] = [
  layer('in', 'InputLayer', { batch_input_shape: [null, 4, 4, 2] }, []),
  layer(
    'pad',
    'ZeroPadding2D',
    {
      padding: [
        [0, 1],
        [0, 1],
      ],
    },
    ['in'],
  ),
  layer(
    'conv',
    'Conv2D',
    {
      filters: 3,
      kernel_size: [3, 3],
      strides: [2, 2],
      padding: 'valid',
      data_format: 'channels_last',
      activation: 'linear',
      use_bias: false,
    },
    ['pad'],
  ),
  layer('bn', 'BatchNormalization', { axis: -1, epsilon: 1e-3, center: true, scale: true }, ['conv']),
  layer('relu', 'ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, ['bn']),
];
const weights = new Map<string, DequantizedTensor>([
  ['conv/kernel', t([3, 3, 2, 3], (i) => ((i % 7) - 3) / 4)],
  ['bn/gamma', t([3], (i) => 1 + i / 2)],
  ['bn/beta', t([3], (i) => i - 1)],
  ['bn/moving_mean', t([3], (i) => i / 3)],
  ['bn/moving_variance', t([3], (i) => 0.5 + i)],
]);

/** Plain reference in NHWC, straight from the Keras semantics. */
function reference(x: Float32Array): number[] {
  const H = 4,
    Cin = 2,
    Cout = 3;
  const k = weights.get('conv/kernel')!.data;
  const out: number[] = [];
  for (let oy = 0; oy < 2; oy++)
    for (let ox = 0; ox < 2; ox++)
      for (let o = 0; o < Cout; o++) {
        let s = 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++)
            for (let i = 0; i < Cin; i++) {
              const y = oy * 2 + ky,
                xx = ox * 2 + kx; // padded input: rows/cols 4 are zeros
              if (y < H && xx < H) s += x[(y * H + xx) * Cin + i] * k[((ky * 3 + kx) * Cin + i) * Cout + o];
            }
        const g = weights.get('bn/gamma')!.data[o],
          b = weights.get('bn/beta')!.data[o];
        const m = weights.get('bn/moving_mean')!.data[o],
          v = weights.get('bn/moving_variance')!.data[o];
        out[(o * 2 + oy) * 2 + ox] = Math.min(6, Math.max(0, ((s - m) / Math.sqrt(v + 1e-3)) * g + b)); // NCHW index
      }
  return out;
}

test('conv + asymmetric padding + folded BN + ReLU6 match the Keras semantics; a tapped conv is left unfolded', async () => {
  const m = convertKerasFeatureExtractor(layers, weights, { taps: ['relu'] });
  assert.equal(m.parameterCount, 3 * 2 * 9 + 3);
  const x = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 2);
  const nchw = new Float32Array(32);
  for (let y = 0; y < 4; y++)
    for (let xx = 0; xx < 4; xx++) for (let c = 0; c < 2; c++) nchw[(c * 4 + y) * 4 + xx] = x[(y * 4 + xx) * 2 + c];
  const s = await ort.InferenceSession.create(m.bytes);
  const out = (await s.run({ input: new ort.Tensor('float32', nchw, [1, 2, 4, 4]) })).relu;
  assert.deepEqual(out.dims, [1, 3, 2, 2]);
  const ref = reference(x);
  (out.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `${i}: ${v} vs ${ref[i]}`));
  const raw = convertKerasFeatureExtractor(layers, weights, { taps: ['conv', 'relu'] });
  const both = await (
    await ort.InferenceSession.create(raw.bytes)
  ).run({ input: new ort.Tensor('float32', nchw, [1, 2, 4, 4]) });
  (both.relu.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5));
  assert.notDeepEqual([...(both.conv.data as Float32Array)], [...(both.relu.data as Float32Array)]);
});

test('refuses unknown taps, unsupported layers and missing weights with a readable message', () => {
  assert.throws(() => convertKerasFeatureExtractor(layers, weights, { taps: ['nope'] }), /unknown layer 'nope'/);
  const withDense = [...layers, layer('dense', 'Dense', { units: 2 }, ['relu'])];
  assert.throws(() => convertKerasFeatureExtractor(withDense, weights, { taps: ['dense'] }), /unsupported type Dense/);
  const partial = new Map(weights);
  partial.delete('bn/moving_variance');
  assert.throws(
    () => convertKerasFeatureExtractor(layers, partial, { taps: ['relu'] }),
    /missing weight bn\/moving_variance/,
  );
  assert.throws(() => convertKerasFeatureExtractor(layers, weights, { taps: ['pad'] }), /padding layer/);
});
