/**
 * Half-precision constants (onnx/float16.ts, GraphBuilder.constantFloat16): the bits of known values, rounding as
 * onnxruntime's own Cast rounds, and a float16 constant read back through its Cast as the rounded float32 values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, OnnxDataType } from '../../../src/core/onnx/builder';
import { float16Bits, float16Value, roundToFloat16, toFloat16 } from '../../../src/core/onnx/float16';
import { mulberry32 } from '../../../src/core/fit/random';

test('half-precision bits of known values: exact ones, rounding to nearest even, subnormals, overflow', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [1000, 0x63d0], // the positional search's padding (positional.ts PAD) is exact
    [65504, 0x7bff],
    [65520, 0x7c00], // halfway past the largest half rounds to infinity
    [1e6, 0x7c00],
    [2 ** -24, 0x0001], // the smallest subnormal
    [2 ** -14, 0x0400], // the smallest normal
    [1 + 2 ** -11, 0x3c00], // a tie: to the even significand (down)
    [1 + 3 * 2 ** -11, 0x3c02], // a tie: to the even significand (up)
    [1 / 3, 0x3555],
  ];
  for (const [x, bits] of cases) assert.equal(float16Bits(x), bits, `${x}`);
  for (const [x, bits] of cases.filter(([v]) => Math.abs(v) <= 65504)) {
    const back = float16Value(bits);
    assert.ok(Math.abs(back - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25, `${x} -> ${back}`);
  }
  assert.ok(Number.isNaN(float16Value(float16Bits(NaN))));
});

test('roundToFloat16 rounds as onnxruntime casts float32 -> float16 -> float32, and a float16 constant reads back so', async () => {
  const rng = mulberry32(7);
  // Features in [0, 6] (ReLU6), tiny and large values, and negatives.
  const values = Float32Array.from({ length: 4000 }, (_, i) =>
    i % 4 === 0 ? rng() * 6 : i % 4 === 1 ? (rng() - 0.5) * 1e-5 : i % 4 === 2 ? (rng() - 0.5) * 2e4 : -rng(),
  );
  const g = new GraphBuilder('cast');
  g.input('x', [values.length]);
  g.op('Cast', [g.op('Cast', ['x'], { to: OnnxDataType.FLOAT16 })], { to: OnnxDataType.FLOAT }, 'y');
  g.output('y', [values.length]);
  g.op('Identity', [g.constantFloat16(values, [values.length], 'half')], {}, 'k');
  g.output('k', [values.length]);
  const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float32', values, [values.length]) });
  const rounded = roundToFloat16(values.slice());
  assert.deepEqual(Array.from(out.y.data as Float32Array), Array.from(rounded), 'the same rounding as a Cast');
  assert.deepEqual(Array.from(out.k.data as Float32Array), Array.from(rounded), 'the constant reads back rounded');
  assert.equal(toFloat16(values).byteLength * 2, values.byteLength, 'half the bytes');
  await session.release();
});
