/**
 * CLAHE against a plain, per-pixel transcription of its definition (OpenCV's createCLAHE as described in
 * ops/clahe.ts): reflect-101 extension, integer clip limit, uniform redistribution with strided remainder,
 * bilinear interpolation between tile centres. The implementation bins once, builds the tables in
 * JavaScript and maps the rows in a WebAssembly kernel (f32); this reference does everything in doubles
 * the obvious way, for every sample type and both kernel bin widths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { claheValues } from '../../../src/core/preprocess/ops/clahe';
import { materialize, rasterFromImage, type Raster } from '../../../src/core/preprocess/raster';
import { makeImage } from './images';

function referenceClahe(
  values: Float32Array,
  W: number,
  H: number,
  content: { x: number; y: number; width: number; height: number },
  domain: { min: number; max: number },
  p: { clipLimit: number; tilesX: number; tilesY: number; bins: number },
): Float64Array {
  const { width: cw, height: ch } = content;
  const tilesX = Math.min(p.tilesX, cw);
  const tilesY = Math.min(p.tilesY, ch);
  const bins = p.bins;
  const span = domain.max - domain.min;
  const binOf = (v: number) => {
    const b = Math.floor((v - domain.min) * (span > 0 ? bins / span : 0));
    return Math.min(bins - 1, Math.max(0, b));
  };
  const at = (x: number, y: number) => binOf(values[(content.y + y) * W + content.x + x]);
  const extW = Math.ceil(cw / tilesX) * tilesX;
  const extH = Math.ceil(ch / tilesY) * tilesY;
  const tw = extW / tilesX;
  const th = extH / tilesY;
  const reflect = (i: number, n: number) => (i < n ? i : Math.max(0, 2 * n - 2 - i));
  const clip = p.clipLimit > 0 ? Math.max(1, Math.floor((p.clipLimit * tw * th) / bins)) : 0;
  const tables: number[][] = [];
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      const hist = new Array<number>(bins).fill(0);
      for (let y = ty * th; y < (ty + 1) * th; y++)
        for (let x = tx * tw; x < (tx + 1) * tw; x++) hist[at(reflect(x, cw), reflect(y, ch))]++;
      if (clip > 0) {
        let clipped = 0;
        for (let i = 0; i < bins; i++)
          if (hist[i] > clip) {
            clipped += hist[i] - clip;
            hist[i] = clip;
          }
        const batch = Math.floor(clipped / bins);
        let residual = clipped - batch * bins;
        for (let i = 0; i < bins; i++) hist[i] += batch;
        if (residual > 0)
          for (
            let i = 0, step = Math.max(Math.floor(bins / residual), 1);
            i < bins && residual > 0;
            i += step, residual--
          )
            hist[i]++;
      }
      const t: number[] = [];
      let sum = 0;
      for (let i = 0; i < bins; i++) t.push((sum += hist[i]) / (tw * th));
      tables.push(t);
    }
  }
  const out = new Float64Array(W * H);
  for (let y = 0; y < ch; y++) {
    const fy = y / th - 0.5;
    const ty1 = Math.floor(fy);
    const wy = fy - ty1;
    const ya = Math.max(ty1, 0);
    const yb = Math.min(ty1 + 1, tilesY - 1);
    for (let x = 0; x < cw; x++) {
      const fx = x / tw - 0.5;
      const tx1 = Math.floor(fx);
      const wx = fx - tx1;
      const xa = Math.max(tx1, 0);
      const xb = Math.min(tx1 + 1, tilesX - 1);
      const b = at(x, y);
      const top = tables[ya * tilesX + xa][b] * (1 - wx) + tables[ya * tilesX + xb][b] * wx;
      const bottom = tables[yb * tilesX + xa][b] * (1 - wx) + tables[yb * tilesX + xb][b] * wx;
      out[(content.y + y) * W + content.x + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

test('CLAHE equals a per-pixel transcription of its definition for every sample type, bin count and tiling', () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 3, max: 70 }),
        h: fc.integer({ min: 3, max: 70 }),
        type: fc.constantFrom('u8' as const, 'u16' as const, 'i16' as const, 'f32' as const),
        bins: fc.constantFrom(16, 64, 256, 300, 1024),
        tilesX: fc.integer({ min: 1, max: 9 }),
        tilesY: fc.integer({ min: 1, max: 9 }),
        clipLimit: fc.constantFrom(0, 1, 3, 40),
        seed: fc.integer({ min: 0, max: 1e6 }),
        pad: fc.integer({ min: 0, max: 2 }),
      }),
      ({ w, h, type, bins, tilesX, tilesY, clipLimit, seed, pad }) => {
        const hi = type === 'u8' ? 255 : 4000;
        const lo = type === 'i16' ? -2000 : 0;
        const img = makeImage(
          w,
          h,
          (x, y) => lo + ((x * 37 + y * 91 + seed * 13 + ((x * y * seed) % 17) * 29) % (hi - lo)),
          { type },
        );
        const r: Raster = rasterFromImage(img);
        const cx = Math.min(pad, Math.floor((w - 1) / 2));
        const cy = Math.min(pad, Math.floor((h - 1) / 2));
        const content = { x: cx, y: cy, width: w - 2 * cx, height: h - 2 * cy };
        const values = materialize(r).data;
        let min = Infinity;
        let max = -Infinity;
        for (const v of values) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        const domain = { min, max };
        const p = { clipLimit, tilesX, tilesY, bins };
        const got = claheValues(r, content, domain, p);
        const want = referenceClahe(values, w, h, content, domain, p);
        for (let i = 0; i < got.length; i++)
          assert.ok(Math.abs(got[i] - want[i]) < 2e-6, `pixel ${i}: ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 150 },
  );
});
