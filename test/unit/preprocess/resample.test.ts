import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTaps, resampleInto } from '../../../src/core/preprocess/resample';
import { rasterFromImage, type Raster } from '../../../src/core/preprocess/raster';
import { makeImage } from './images';

function resample(src: Raster, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  resampleInto(src, w, h, out, w, 0, 0);
  return out;
}

const raster = (w: number, h: number, f: (x: number, y: number) => number, type: 'u16' | 'f32' = 'f32') =>
  rasterFromImage(makeImage(w, h, f, { type }));

test('taps of every destination pixel sum to one', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), (n, m) => {
      const t = buildTaps(n, m);
      for (let x = 0; x < m; x++) {
        let s = 0;
        for (let k = 0; k < t.count[x]; k++) {
          s += t.weight[t.offset[x] + k];
          assert.ok(t.start[x] + k >= 0 && t.start[x] + k < n, 'tap inside the source');
        }
        assert.ok(Math.abs(s - 1) < 1e-5, `weights sum ${s}`);
      }
    }),
  );
});

test('shrinking by an integer factor is the block mean', () => {
  const src = raster(8, 6, (x, y) => x * 10 + y);
  const out = resample(src, 4, 3);
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 4; x++) {
      const mean =
        [0, 1].flatMap((dy) => [0, 1].map((dx) => (2 * x + dx) * 10 + 2 * y + dy)).reduce((a, b) => a + b) / 4;
      assert.ok(Math.abs(out[y * 4 + x] - mean) < 1e-4);
    }
});

test('area shrinking preserves the image mean for any size', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 60 }),
      fc.integer({ min: 2, max: 60 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer(),
      (w, h, dw, dh, seed) => {
        fc.pre(dw <= w && dh <= h);
        const src = raster(w, h, (x, y) => ((x * 7919 + y * 104729 + seed) >>> 0) % 1000);
        const data = (src as { data: Float32Array }).data;
        const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
        assert.ok(Math.abs(mean(resample(src, dw, dh)) - mean(data)) < 1e-2);
      },
    ),
  );
});

test('enlarging a linear ramp reproduces the ramp between the outer sample centres', () => {
  const src = raster(10, 1, (x) => x * 3);
  const m = 37;
  const out = resample(src, m, 1);
  const r = 10 / m;
  for (let x = 0; x < m; x++) {
    const c = (x + 0.5) * r - 0.5;
    const want = Math.min(9, Math.max(0, c)) * 3;
    assert.ok(Math.abs(out[x] - want) < 1e-4, `x=${x}: ${out[x]} vs ${want}`);
  }
});

test('constant images stay constant whatever the size change', () => {
  for (const [w, h] of [
    [3, 200],
    [1, 1],
    [500, 400],
  ]) {
    const out = resample(
      raster(97, 53, () => 42),
      w,
      h,
    );
    assert.ok(out.every((v) => Math.abs(v - 42) < 1e-3));
  }
});

test('lookup-table and float rasters resample identically', () => {
  const f = (x: number, y: number) => (x * 13 + y * 7) % 4096;
  const a = resample(raster(123, 77, f, 'u16'), 31, 50);
  const b = resample(raster(123, 77, f, 'f32'), 31, 50);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-2));
});
