/**
 * The fine map's local-contrast channels (localContrast.ts): appended to a backbone as graph nodes, they equal
 * the plain computation (cell means of the grey level, each neighbourhood less its mean, times the scale),
 * the tap's own channels come first unchanged, and the backbone keeps its outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { contrastKernel, contrastTapName, withLocalContrast } from '../../../src/core/fit/localContrast';
import { fineSourceTap } from '../../../src/core/fit/fineMap';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { mulberry32 } from '../../../src/core/fit/random';
import { XrayError } from '../../../src/core/errors';

const SIZE = 16;
const CELL = 2;
const G = SIZE / CELL;

/** A stand-in backbone: `tap` is the input's 2x2 max pool (stride 2, as the contrast cells), `out` a Relu. */
function tinyBackbone(): Uint8Array {
  const g = new GraphBuilder('tiny');
  g.input('input', ['N', 3, SIZE, SIZE]);
  g.op('MaxPool', ['input'], { kernel_shape: [CELL, CELL], strides: [CELL, CELL] }, 'tap');
  g.op('Relu', ['tap'], {}, 'out');
  g.output('out');
  return g.toBytes();
}

/** The contrast channels by plain loops: [k*k, G, G] for one image [3, SIZE, SIZE]. */
function plainContrast(img: Float32Array, k: number, scale: number): Float32Array {
  const cells = new Float64Array(G * G);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        cells[Math.floor(y / CELL) * G + Math.floor(x / CELL)] +=
          img[c * SIZE * SIZE + y * SIZE + x] / (3 * CELL * CELL);
  const r = (k - 1) / 2;
  const reflect = (i: number) => (i < 0 ? -i : i >= G ? 2 * (G - 1) - i : i);
  const out = new Float32Array(k * k * G * G);
  for (let y = 0; y < G; y++)
    for (let x = 0; x < G; x++) {
      const v: number[] = [];
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) v.push(cells[reflect(y + dy) * G + reflect(x + dx)]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      v.forEach((val, j) => (out[j * G * G + y * G + x] = scale * (val - mean)));
    }
  return out;
}

test('the contrast channels in the graph equal the plain computation; the tap and the backbone outputs are kept', async () => {
  const input = { name: 'input', channels: 3, height: SIZE, width: SIZE };
  const opts = { cell: CELL, window: 3, scale: 10 };
  const bytes = withLocalContrast(tinyBackbone(), input, 'tap', opts);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const rng = mulberry32(5);
  const n = 2;
  const data = Float32Array.from({ length: n * 3 * SIZE * SIZE }, () => rng());
  const res = await session.run({ input: new ort.Tensor('float32', data, [n, 3, SIZE, SIZE]) });
  await session.release();
  const name = contrastTapName('tap');
  assert.deepEqual(res[name].dims, [n, 3 + 9, G, G]);
  assert.deepEqual(res.out.dims, [n, 3, G, G], 'the backbone keeps its output');
  const got = res[name].data as Float32Array;
  const tap = res.out.data as Float32Array; // Relu of a non-negative max pool: the tap itself
  const per = (3 + 9) * G * G;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const want = plainContrast(data.subarray(i * 3 * SIZE * SIZE, (i + 1) * 3 * SIZE * SIZE), 3, 10);
    for (let j = 0; j < 3 * G * G; j++) assert.equal(got[i * per + j], tap[i * 3 * G * G + j]);
    for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[i * per + 3 * G * G + j] - want[j]));
  }
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
});

test('the contrast kernel sums to zero per output (exposure does not count); bad windows and cells are refused', () => {
  const k = contrastKernel({ cell: 8, window: 5, scale: 10 }, 3);
  for (let j = 0; j < 25; j++) {
    const sum = k.subarray(j * 75, (j + 1) * 75).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum) < 1e-5);
  }
  const input = { name: 'input', channels: 3, height: SIZE, width: SIZE };
  assert.throws(() => withLocalContrast(tinyBackbone(), input, 'tap', { cell: CELL, window: 4, scale: 1 }), XrayError);
  assert.throws(
    () => withLocalContrast(tinyBackbone(), input, 'tap', { cell: 3, window: 3, scale: 1 }),
    /do not divide/,
  );
  assert.throws(
    () => withLocalContrast(tinyBackbone(), input, 'nothing', { cell: CELL, window: 3, scale: 1 }),
    /no tensor/,
  );
  assert.equal(fineSourceTap({ tap: 'b6', refs: 1, reach: 1 }), 'b6');
  assert.equal(
    fineSourceTap({ tap: 'b6', refs: 1, reach: 1, contrast: { cell: 8, window: 5, scale: 10 } }),
    'b6+contrast',
  );
});
