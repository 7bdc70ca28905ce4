import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invertSpd, symmetricEigen } from '../../../src/core/fit/linalg';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';

function randomSpd(n: number, seed: number): Float64Array {
  const g = gaussianRng(mulberry32(seed));
  const b = Float64Array.from({ length: n * n }, () => g());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? 0.5 : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = s;
    }
  return a;
}

test('invertSpd: A · inv(A) = I', () => {
  const n = 40;
  const a = randomSpd(n, 1);
  const inv = invertSpd(a, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-8, `(${i},${j}) = ${s}`);
    }
});

test('invertSpd rejects a singular matrix', () => {
  assert.throws(() => invertSpd(new Float64Array([1, 1, 1, 1]), 2), /not positive definite/);
});

test('symmetricEigen: A v = λ v, orthonormal, descending', () => {
  const n = 30;
  const a = randomSpd(n, 2);
  const { values, vectors } = symmetricEigen(a, n);
  for (let j = 1; j < n; j++) assert.ok(values[j - 1] >= values[j]);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * vectors[k * n + j];
      assert.ok(Math.abs(s - values[j] * vectors[i * n + j]) < 1e-8);
    }
    for (let m = 0; m <= j; m++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += vectors[k * n + j] * vectors[k * n + m];
      assert.ok(Math.abs(dot - (m === j ? 1 : 0)) < 1e-9);
    }
  }
});
