import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gaussianBlur, gaussianKernel, reflectIndex } from '../../../src/core/scoring/gaussian';

test('kernel: scipy radius (truncate 4) and unit sum', () => {
  assert.equal(gaussianKernel(1).length, 9);
  assert.equal(gaussianKernel(4).length, 33);
  assert.equal(gaussianKernel(0.3).length, 3);
  for (const s of [0.3, 1, 4, 10]) assert.ok(Math.abs(gaussianKernel(s).reduce((a, b) => a + b) - 1) < 1e-6);
});

/** The formula, in float64 and written out here rather than taken from the code under test. */
function formulaKernel(sigma: number): number[] {
  const radius = Math.floor(4 * sigma + 0.5); // scipy: int(truncate * sigma + 0.5), truncate 4
  const w = Array.from({ length: 2 * radius + 1 }, (_, j) => Math.exp(-((j - radius) ** 2) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b) => a + b);
  return w.map((v) => v / sum);
}

test('kernel: exp(-x^2 / 2 sigma^2) / sum over |x| <= round(4 sigma), pinned values', () => {
  for (const sigma of [0.3, 0.5, 1, 1.7, 2, 4, 10]) {
    const got = gaussianKernel(sigma);
    const want = formulaKernel(sigma);
    assert.equal(got.length, want.length, `sigma ${sigma}`);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7, `sigma ${sigma}, tap ${i}: ${v} vs ${want[i]}`));
  }
  // Literal values (float64 by hand from the formula), so that a change in both the code and the
  // formula above still shows.
  const one = [0.0001338306, 0.0044318616, 0.0539911274, 0.2419714457, 0.3989434694];
  gaussianKernel(1).forEach((v, i) =>
    assert.ok(Math.abs(v - one[Math.min(i, 8 - i)]) < 5e-8, `sigma 1, tap ${i}: ${v}`),
  );
  const half = [0.0002638651, 0.106450772, 0.7865707259];
  gaussianKernel(0.5).forEach((v, i) =>
    assert.ok(Math.abs(v - half[Math.min(i, 4 - i)]) < 5e-8, `sigma 0.5, tap ${i}: ${v}`),
  );
});

test("the blur equals scipy.ndimage.gaussian_filter1d's documented examples, along rows and along columns", () => {
  // scipy's documentation of gaussian_filter1d: [1, 2, 3, 4, 5] with sigma 1 and sigma 4 (mode 'reflect').
  const x = Float32Array.from([1, 2, 3, 4, 5]);
  const cases: [number, number[]][] = [
    [1, [1.42704095, 2.06782203, 3, 3.93217797, 4.57295905]],
    [4, [2.91948343, 2.95023502, 3, 3.04976498, 3.08051657]],
  ];
  for (const [sigma, want] of cases) {
    for (const [w, h] of [
      [5, 1],
      [1, 5],
    ]) {
      const got = gaussianBlur(x, w, h, sigma);
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - want[i]) < 2e-6, `sigma ${sigma}, ${w}x${h}, [${i}]: ${v} vs ${want[i]}`),
      );
    }
  }
});

test("reflection is scipy's 'reflect' mode (d c b a | a b c d | d c b a)", () => {
  const n = 4;
  assert.deepEqual(
    [-5, -4, -3, -2, -1, 0, 3, 4, 5, 8, 9].map((i) => reflectIndex(i, n)),
    [3, 3, 2, 1, 0, 0, 3, 3, 2, 0, 1],
  );
  assert.deepEqual(
    [-2, -1, 0, 1, 2].map((i) => reflectIndex(i, 1)),
    [0, 0, 0, 0, 0],
  );
});

/** Direct 2D convolution with the separable kernel and reflected borders. */
function bruteForce(data: number[], w: number, h: number, sigma: number): number[] {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let j = -r; j <= r; j++)
        for (let i = -r; i <= r; i++)
          acc += k[j + r] * k[i + r] * data[reflectIndex(y + j, h) * w + reflectIndex(x + i, w)];
      out.push(acc);
    }
  return out;
}

test('the separable blur equals direct convolution, including kernels wider than the image', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.integer(),
      (w, h, sigma, seed) => {
        const data = Array.from({ length: w * h }, (_, i) => ((i * 7919 + seed) >>> 0) % 17);
        const got = gaussianBlur(Float32Array.from(data), w, h, sigma);
        const want = bruteForce(data, w, h, sigma);
        got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${v} vs ${want[i]}`));
      },
    ),
    { numRuns: 60 },
  );
});

test('blurring keeps a constant image constant and sigma 0 is a copy', () => {
  const flat = gaussianBlur(new Float32Array(30 * 20).fill(3), 30, 20, 4);
  assert.ok(flat.every((v) => Math.abs(v - 3) < 1e-5));
  const src = Float32Array.from([1, 2, 3, 4]);
  const copy = gaussianBlur(src, 2, 2, 0);
  assert.deepEqual(copy, src);
  assert.notEqual(copy, src);
});
