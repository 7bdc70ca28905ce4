/** The ONNX-backed fitting ops against plain JavaScript references, on onnxruntime-node. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/core/fit/compute';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { invertSpd } from '../../../src/core/fit/linalg';
import { mahalanobis2, matmul, nearestNeighbours } from '../../../src/core/fit/ops';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';

const be = ortBackend(1);
after(() => be.release());

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const g = gaussianRng(mulberry32(seed));
  return matrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => g()),
  );
}

test('matmul and transposed matmul', async () => {
  const a = randomMatrix(7, 5, 1);
  const b = randomMatrix(5, 3, 2);
  const c = await matmul(be, a, b);
  const at = matrix(5, 7);
  for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) at.data[j * 7 + i] = a.data[i * 5 + j];
  const c2 = await matmul(be, at, b, true);
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += a.data[i * 5 + k] * b.data[k * 3 + j];
      assert.ok(Math.abs(c.data[i * 3 + j] - s) < 1e-4);
      assert.ok(Math.abs(c2.data[i * 3 + j] - s) < 1e-4);
    }
});

test('nearestNeighbours equals brute force, across query chunks', async () => {
  const bank = randomMatrix(50, 8, 3);
  const q = randomMatrix(23, 8, 4);
  const nn = await nearestNeighbours(be, q, bank, 3, { chunkRows: 5 });
  for (let i = 0; i < q.rows; i++) {
    const d = Array.from({ length: bank.rows }, (_, j) => {
      let s = 0;
      for (let k = 0; k < 8; k++) s += (q.data[i * 8 + k] - bank.data[j * 8 + k]) ** 2;
      return [s, j] as const;
    }).sort((x, y) => x[0] - y[0]);
    for (let r = 0; r < 3; r++) {
      assert.equal(nn.index[i * 3 + r], d[r][1]);
      assert.ok(Math.abs(nn.dist2[i * 3 + r] - d[r][0]) < 1e-3);
    }
  }
});

async function checkGaussian(n: number, d: number, shrinkage: number): Promise<void> {
  const x = randomMatrix(n, d, 5);
  const g = await fitGaussian(be, x, { shrinkage });
  // Reference: explicit shrunk covariance inverted in float64.
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c] / n;
  const s = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) s[i * d + j] += ((x.data[r * d + i] - mean[i]) * (x.data[r * d + j] - mean[j])) / n;
  let tr = 0;
  for (let i = 0; i < d; i++) tr += s[i * d + i];
  const cov = s.map((v) => (1 - shrinkage) * v);
  for (let i = 0; i < d; i++) cov[i * d + i] += (shrinkage * tr) / d;
  const p = invertSpd(cov, d);
  for (let i = 0; i < d * d; i++)
    assert.ok(
      Math.abs(g.precision[i] - p[i]) < 1e-3 * Math.max(1, Math.abs(p[i])),
      `precision[${i}] ${g.precision[i]} vs ${p[i]}`,
    );
  const q = randomMatrix(4, d, 6);
  const d2 = await mahalanobis2(be, q, g.mean, g.precision);
  const scores = await gaussianScores(be, g, q);
  for (let r = 0; r < 4; r++) {
    let ref = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) ref += (q.data[r * d + i] - mean[i]) * p[i * d + j] * (q.data[r * d + j] - mean[j]);
    assert.ok(Math.abs(d2[r] - ref) < 1e-3 * ref);
    assert.ok(Math.abs(scores[r] - Math.sqrt(ref)) < 1e-3 * Math.sqrt(ref));
  }
}

test('Gaussian precision: primal path (n > d) matches the explicit shrunk inverse', () => checkGaussian(60, 12, 0.1));
test('Gaussian precision: dual/Woodbury path (n < d) matches the explicit shrunk inverse', () =>
  checkGaussian(10, 25, 0.2));

test('Ledoit-Wolf shrinkage: near 1 when the truth is a scaled identity, near 0 for well-sampled anisotropic data', async () => {
  const isotropic = await fitGaussian(be, randomMatrix(2000, 5, 8));
  const aniso = randomMatrix(2000, 5, 9);
  for (let r = 0; r < aniso.rows; r++) for (let c = 0; c < 5; c++) aniso.data[r * 5 + c] *= 2 ** (2 * c);
  const anisotropic = await fitGaussian(be, aniso);
  assert.ok(isotropic.shrinkage > 0.8, `isotropic: ${isotropic.shrinkage}`);
  assert.ok(anisotropic.shrinkage < 0.01, `anisotropic: ${anisotropic.shrinkage}`);
});

test('greedy coreset equals a JavaScript k-center reference and covers outliers first', async () => {
  const { greedyCoreset } = await import('../../../src/core/fit/coreset');
  const x = randomMatrix(300, 6, 11);
  // plant three far-away rows: k-center must pick them right after the start
  for (const [r, v] of [
    [17, 40],
    [123, -40],
    [250, 60],
  ] as const)
    x.data.fill(v, r * 6, r * 6 + 6);
  const cs = await greedyCoreset(be, x, 20, { projectTo: 0, seed: 3 });
  const ref: number[] = [cs.indices[0]];
  const mind = new Float64Array(300).fill(Infinity);
  for (let s = 1; s < 20; s++) {
    const last = ref[ref.length - 1];
    let best = -1;
    for (let i = 0; i < 300; i++) {
      let d = 0;
      for (let k = 0; k < 6; k++) d += (x.data[i * 6 + k] - x.data[last * 6 + k]) ** 2;
      mind[i] = Math.min(mind[i], d);
      if (best < 0 || mind[i] > mind[best]) best = i;
    }
    ref.push(best);
  }
  assert.deepEqual([...cs.indices], ref);
  assert.deepEqual(new Set([...cs.indices].slice(0, 4).filter((i) => [17, 123, 250].includes(i))).size, 3);
  assert.equal(new Set(cs.indices).size, 20, 'no row chosen twice');
});
