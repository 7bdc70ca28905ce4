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

/**
 * The definition the fast loops must keep bit for bit: rows first (each destination column a sum from 0 in
 * tap order, in doubles, rounded to float32), then columns the same way over those rows.
 */
function reference(src: Raster, w: number, h: number): Float32Array {
  const value = (i: number) =>
    src.kind === 'float' ? src.data[i] : src.kind === 'lut' ? src.lut[src.samples[i] + src.lutOffset] : NaN;
  const hz = buildTaps(src.width, w);
  const v = buildTaps(src.height, h);
  const rows = new Float32Array(src.height * w);
  for (let y = 0; y < src.height; y++)
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let k = 0; k < hz.count[x]; k++) a += hz.weight[hz.offset[x] + k] * value(y * src.width + hz.start[x] + k);
      rows[y * w + x] = a;
    }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let k = 0; k < v.count[y]; k++) a += v.weight[v.offset[y] + k] * rows[(v.start[y] + k) * w + x];
      out[y * w + x] = a;
    }
  return out;
}

test('resampling equals its reference definition bit for bit (8-, 16-bit, signed and float sources)', () => {
  const types = ['u8', 'u16', 'i16', 'f32'] as const;
  fc.assert(
    fc.property(
      fc.constantFrom(...types),
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 1, max: 120 }),
      fc.integer(),
      (type, w, h, dw, dh, seed) => {
        const base = rasterFromImage(
          makeImage(w, h, (x, y) => ((x * 7919 + y * 104729 + seed) >>> 0) % (type === 'u8' ? 256 : 4000), { type }),
        );
        // A curved table with negative values, as windowing and equalisation leave it.
        const src =
          base.kind === 'lut' ? { ...base, lut: base.lut.map((v) => Math.sqrt(Math.abs(v)) / 7 - 0.3) } : base;
        const got = resample(src, dw, dh);
        const want = reference(src, dw, dh);
        for (let i = 0; i < want.length; i++)
          if (!Object.is(got[i], want[i]))
            assert.fail(`${type} ${w}x${h} -> ${dw}x${dh} at ${i}: ${got[i]} vs ${want[i]}`);
      },
    ),
  );
});
