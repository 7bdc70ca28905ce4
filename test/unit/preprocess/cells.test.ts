/**
 * The analysis copies' cell statistics are computed once and carried through crops, quarter turns,
 * table rewrites and pixel edits. Carried statistics must equal statistics computed from scratch on
 * the same grid, and the analysis copies derived from them must match their definitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { areaAnalysis, blockSize, carryAnalysis, maxPoolAnalysis } from '../../../src/core/preprocess/analysis';
import { cachedStats, cellEnd, cellStart, type CellStats } from '../../../src/core/preprocess/cells';
import { materialize, rasterFromImage, type Raster } from '../../../src/core/preprocess/raster';
import { cropRaster, rotateRaster, writeValues } from '../../../src/core/preprocess/transform';
import { makeImage } from './images';

/** Statistics of the raster's pixels on the grid of `s` (same f, ox, oy), the slow and obvious way. */
function bruteForce(r: Raster, s: CellStats): { sum: number[]; min: number[]; max: number[] } {
  const px = r.kind === 'lut' ? r.samples : r.data;
  const out = { sum: [] as number[], min: [] as number[], max: [] as number[] };
  for (let j = 0; j < s.h; j++) {
    for (let i = 0; i < s.w; i++) {
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let y = cellStart(j, s.f, s.oy); y < cellEnd(j, s.f, s.oy, r.height); y++) {
        for (let x = cellStart(i, s.f, s.ox); x < cellEnd(i, s.f, s.ox, r.width); x++) {
          const v = px[y * r.width + x];
          sum += v;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      out.sum.push(sum);
      out.min.push(min);
      out.max.push(max);
    }
  }
  return out;
}

function assertMatches(r: Raster, key = 512): CellStats {
  const s = cachedStats(r, key);
  assert.ok(s, 'statistics were carried');
  assert.ok(s.ox >= 0 && s.ox < s.f && s.oy >= 0 && s.oy < s.f, `offsets in range: ${s.ox}, ${s.oy}, f ${s.f}`);
  assert.ok(
    cellStart(s.w - 1, s.f, s.ox) < r.width && cellEnd(s.w - 1, s.f, s.ox, r.width) === r.width,
    'cells cover the width exactly',
  );
  assert.ok(
    cellStart(s.h - 1, s.f, s.oy) < r.height && cellEnd(s.h - 1, s.f, s.oy, r.height) === r.height,
    'cells cover the height exactly',
  );
  const b = bruteForce(r, s);
  assert.deepEqual(Array.from(s.sum), b.sum);
  assert.deepEqual(Array.from(s.min), b.min);
  assert.deepEqual(Array.from(s.max), b.max);
  return s;
}

const noisy = (w: number, h: number, seed: number) =>
  rasterFromImage(makeImage(w, h, (x, y) => (x * 131 + y * 71 + seed * 17 + ((x * y) % 13) * 97) % 4096));

test('cell statistics carried through crops and quarter turns equal statistics computed afresh on the same grid', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 40, max: 300 }),
      fc.integer({ min: 40, max: 300 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.array(
        fc.oneof(
          fc.constant('cw' as const),
          fc.constant('ccw' as const),
          fc.tuple(
            fc.double({ min: 0, max: 0.4, noNaN: true }),
            fc.double({ min: 0, max: 0.4, noNaN: true }),
            fc.double({ min: 0.5, max: 1, noNaN: true }),
            fc.double({ min: 0.5, max: 1, noNaN: true }),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      (w, h, seed, edits) => {
        let r = noisy(w, h, seed);
        // Small maxSide so that cells are several pixels wide even on small rasters.
        areaAnalysis(r, 16);
        for (const e of edits) {
          if (typeof e === 'string') r = rotateRaster(r, e);
          else {
            const x = Math.floor(e[0] * r.width);
            const y = Math.floor(e[1] * r.height);
            const rect = {
              x,
              y,
              width: Math.max(1, Math.floor((r.width - x) * e[2])),
              height: Math.max(1, Math.floor((r.height - y) * e[3])),
            };
            r = cropRaster(r, rect);
          }
          assertMatches(r, 16);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('a rewrite of a few pixels hands on the statistics with the touched cells recomputed', () => {
  const r = noisy(120, 90, 3);
  areaAnalysis(r, 16);
  const idx = [5 * 120 + 7, 60 * 120 + 100, 89 * 120 + 119];
  const to = writeValues(r, idx, [4000, 0, 2000]);
  carryAnalysis(r, to, [
    { x: 7, y: 5, width: 1, height: 1 },
    { x: 100, y: 60, width: 1, height: 1 },
    { x: 119, y: 89, width: 1, height: 1 },
  ]);
  assertMatches(to, 16);
});

test('analysis copies of a carried grid match their definitions through the current table', () => {
  // Crop (offset grid), then a falling table (inversion) as the photometric step makes.
  const base = noisy(203, 157, 9);
  areaAnalysis(base, 32);
  const cropped = cropRaster(base, { x: 13, y: 6, width: 171, height: 140 });
  const lut = new Float32Array(base.kind === 'lut' ? base.lut.length : 0).map((_, s) => 5000 - 2 * s);
  assert.equal(cropped.kind, 'lut');
  const inverted: Raster = { ...(cropped as Extract<Raster, { kind: 'lut' }>), lut };
  const max = maxPoolAnalysis(inverted, 32);
  const mean = areaAnalysis(inverted, 32);
  assert.ok(max.ox > 0 || max.oy > 0, 'the carried grid is offset');
  const values = materialize(inverted).data;
  for (let j = 0; j < max.image.height; j++) {
    for (let i = 0; i < max.image.width; i++) {
      let hi = -Infinity;
      let sum = 0;
      let n = 0;
      for (let y = cellStart(j, max.sy, max.oy); y < cellEnd(j, max.sy, max.oy, inverted.height); y++) {
        for (let x = cellStart(i, max.sx, max.ox); x < cellEnd(i, max.sx, max.ox, inverted.width); x++) {
          hi = Math.max(hi, values[y * inverted.width + x]);
          sum += values[y * inverted.width + x];
          n++;
        }
      }
      const k = j * max.image.width + i;
      assert.equal(max.image.data[k], hi, 'block maximum through a falling table');
      // The table is linear, so the table at the mean sample is the mean value.
      assert.ok(Math.abs(mean.image.data[k] - sum / n) < 1e-2, `block mean ${mean.image.data[k]} vs ${sum / n}`);
    }
  }
});

test('a table that is not monotone falls back to statistics of the values', () => {
  const r = noisy(64, 48, 1);
  assert.equal(r.kind, 'lut');
  const lut = new Float32Array((r as Extract<Raster, { kind: 'lut' }>).lut.length).map((_, s) => (s % 2 ? 1 : 0));
  const odd: Raster = { ...(r as Extract<Raster, { kind: 'lut' }>), lut };
  const max = maxPoolAnalysis(odd, 16);
  const values = materialize(odd).data;
  for (let j = 0; j < max.image.height; j++) {
    for (let i = 0; i < max.image.width; i++) {
      let hi = -Infinity;
      for (let y = cellStart(j, max.sy, max.oy); y < cellEnd(j, max.sy, max.oy, odd.height); y++) {
        for (let x = cellStart(i, max.sx, max.ox); x < cellEnd(i, max.sx, max.ox, odd.width); x++)
          hi = Math.max(hi, values[y * odd.width + x]);
      }
      assert.equal(max.image.data[j * max.image.width + i], hi);
    }
  }
});

/**
 * Statistics for maxSide 20 on a crop of a raster analysed at maxSide 48. statsFor derives them from the
 * carried 48 grid when its cells are no larger than the block size maxSide 20 asks for (then the cell
 * side is a multiple of the carried one and the grid keeps its offsets); when the crop is so small that
 * maxSide 20 needs smaller cells than the carried grid has (a 20 x 20 crop of a 60 x 60 raster: cells
 * of 1 against carried cells of 2), no coarsening can give them and they are computed afresh. Either
 * way they must equal a brute-force computation on their grid.
 */
function checkDerived(w: number, h: number, cx: number, cy: number): void {
  const base = noisy(w, h, w + h);
  areaAnalysis(base, 48);
  const r = cropRaster(base, {
    x: Math.min(cx, w - 10),
    y: Math.min(cy, h - 10),
    width: w - Math.min(cx, w - 10),
    height: h - Math.min(cy, h - 10),
  });
  areaAnalysis(r, 20);
  const fine = cachedStats(r, 48)!;
  const coarse = assertMatches(r, 20);
  const need = blockSize(r.width, r.height, 20);
  if (fine.f <= need) {
    assert.equal(
      coarse.f,
      fine.f * Math.max(1, Math.round(need / fine.f)),
      `derived from the finer grid (${fine.f} -> ${coarse.f})`,
    );
    assert.deepEqual([coarse.ox, coarse.oy], [fine.ox, fine.oy], 'a derived grid keeps the carried offsets');
  } else {
    assert.equal(coarse.f, need, `carried cells (${fine.f}) larger than needed (${need}): computed afresh`);
    assert.deepEqual([coarse.ox, coarse.oy], [0, 0], 'a fresh grid starts at the corner');
  }
}

test('coarser statistics derived from finer ones (no pass over the pixels) equal a fresh computation, also on a carried grid', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 60, max: 400 }),
      fc.integer({ min: 60, max: 400 }),
      fc.integer({ min: 0, max: 50 }),
      fc.integer({ min: 0, max: 50 }),
      checkDerived,
    ),
    { numRuns: 40 },
  );
});

test('regression: a 20 x 20 crop of a 60 x 60 raster gets fresh 1-pixel cells, not the carried 2-pixel ones', () => {
  // fast-check's counterexample [60, 60, 40, 40] (seed -684466407): the carried maxSide-48 grid has cells of 2,
  // maxSide 20 on the 20 x 20 crop needs cells of 1.
  checkDerived(60, 60, 40, 40);
  const base = noisy(60, 60, 120);
  areaAnalysis(base, 48);
  const r = cropRaster(base, { x: 40, y: 40, width: 20, height: 20 });
  assert.equal(cachedStats(r, 48)!.f, 2);
  const a = areaAnalysis(r, 20);
  assert.deepEqual([a.sx, a.image.width, a.image.height], [1, 20, 20]);
  // Cells of one pixel: the block means are the pixels themselves.
  assert.deepEqual(Array.from(a.image.data), Array.from(materialize(r).data));
});
