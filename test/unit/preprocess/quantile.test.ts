import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { percentiles } from '../../../src/core/preprocess/quantile';
import { mapLinearClamped, materialize, rasterFromImage, type Raster } from '../../../src/core/preprocess/raster';
import { makeImage } from './images';

/** numpy.percentile(values, p) with the default 'linear' method. */
function numpyPercentile(values: ArrayLike<number>, p: number): number {
  const v = Array.from(values).sort((a, b) => a - b);
  const r = (p / 100) * (v.length - 1);
  const k = Math.floor(r);
  const hi = v[Math.min(v.length - 1, k + 1)];
  return v[k] + (r - k) * (hi - v[k]);
}

function rasterOf(values: number[], type: 'u16' | 'f32' | 'i16'): Raster {
  return rasterFromImage(makeImage(values.length, 1, (x) => values[x], { type }));
}

test('percentiles of integer images match numpy (lut path, many ties)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 300 }),
      fc.double({ min: 0, max: 100, noNaN: true }),
      (values, p) => {
        const [got] = percentiles(rasterOf(values, 'u16'), [p]);
        assert.equal(got, numpyPercentile(values, p));
      },
    ),
  );
});

test('percentiles of float images match numpy (coarse histogram + exact refinement)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(0, 1, 1e-7),
        ),
        { minLength: 1, maxLength: 400 },
      ),
      fc.double({ min: 0, max: 100, noNaN: true }),
      (values, p) => {
        const r = rasterOf(values, 'f32');
        const [got] = percentiles(r, [p]);
        assert.equal(got, numpyPercentile((r as { data: Float32Array }).data, p));
      },
    ),
  );
});

test('percentiles follow the lookup table even when it is decreasing', () => {
  const values = [5, 1, 9, 9, 3, 0, 7, 2];
  const r = mapLinearClamped(rasterOf(values, 'i16'), -1, 0, -Infinity, Infinity);
  const data = materialize(r).data;
  for (const p of [0, 12.5, 50, 99.5, 100]) assert.equal(percentiles(r, [p])[0], numpyPercentile(data, p));
});

test('a constant image has every percentile equal to its value', () => {
  assert.deepEqual(percentiles(rasterOf([7, 7, 7], 'f32'), [0.5, 99.5]), [7, 7]);
  assert.deepEqual(percentiles(rasterOf([7, 7, 7], 'u16'), [0.5, 99.5]), [7, 7]);
});
