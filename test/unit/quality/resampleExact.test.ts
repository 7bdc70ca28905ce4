// The row-at-a-time area resampling equals, bit for bit, the per-sample loop it replaced (kept here as the reference):
// the sharpness threshold users set was chosen on the old figures, so the speed-up must not move them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resampleArea } from '../../../src/core/quality/resample';

function perSample(src: ArrayLike<number>, width: number, height: number, outW: number, outH: number): Float32Array {
  const taps = (n: number, out: number) => {
    const scale = n / out;
    const list: [number, number][][] = [];
    for (let o = 0; o < out; o++) {
      const a = o * scale;
      const b = a + scale;
      const t: [number, number][] = [];
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        const w = Math.min(b, i + 1) - Math.max(a, i);
        if (w > 1e-12) t.push([i, w / scale]);
      }
      list.push(t);
    }
    return list;
  };
  const xs = taps(width, outW);
  const ys = taps(height, outH);
  const mid = new Float64Array(height * outW);
  for (let y = 0; y < height; y++)
    for (let ox = 0; ox < outW; ox++) {
      let s = 0;
      for (const [i, w] of xs[ox]) s += src[y * width + i] * w;
      mid[y * outW + ox] = s;
    }
  const out = new Float32Array(outW * outH);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++) {
      let s = 0;
      for (const [i, w] of ys[oy]) s += mid[i * outW + ox] * w;
      out[oy * outW + ox] = s;
    }
  return out;
}

const pixels = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => ((i * 2654435761 + seed) >>> 0) >>> 24);

test('the sizes the quality pass uses (224 -> 256 and 32, 512 -> 256 and 32, 300 x 200 -> 256): bit for bit', () => {
  for (const [w, h, ow, oh] of [
    [224, 224, 256, 256],
    [224, 224, 32, 32],
    [512, 512, 256, 256],
    [512, 384, 32, 32],
    [300, 200, 256, 256],
  ]) {
    const src = pixels(w * h, w + h);
    assert.deepEqual(resampleArea(src, w, h, ow, oh), perSample(src, w, h, ow, oh), `${w}x${h} -> ${ow}x${oh}`);
  }
});

test('any sizes, enlarging and reducing: bit for bit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer(),
      (w, h, ow, oh, seed) => {
        const src = pixels(w * h, seed);
        assert.deepEqual(resampleArea(src, w, h, ow, oh), perSample(src, w, h, ow, oh));
      },
    ),
  );
});
