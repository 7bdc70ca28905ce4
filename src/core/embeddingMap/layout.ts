/**
 * The embedding map's layout: a folder's backbone features (int8, one vector per content) placed in 2-D
 * by UMAP (umap-js), reproducibly: the contents are taken in hash order and every random choice comes from
 * the seed, so the same contents give the same map on any machine and in any store order.
 * The features are first reduced to their principal components (umap-js searches neighbours in the full
 * dimension, in plain JS). Above `params.sample` points UMAP is fitted on a seeded sample and the others
 * are placed by its transform (their neighbours among the sample), chunk by chunk so progress can be told.
 * Synchronous and CPU-heavy: it runs in a worker (src/extension/embeddingMap/worker.ts).
 */
import { UMAP } from 'umap-js';
import { symmetricEigen } from '../fit/linalg';
import { gaussianRng, mulberry32 } from '../fit/random';
import { DEFAULT_MAP_PARAMS, type MapParams } from './key';

export interface MapInput {
  /** Content hash of each vector. */
  hashes: readonly string[];
  /** hashes.length x dim int8 values, back to back (the store's format, core/similar/file.ts). */
  vectors: Int8Array;
  dim: number;
}

export interface MapProgress {
  phase: 'reduce' | 'neighbours' | 'layout' | 'place';
  done: number;
  total: number;
}

export interface MapLayout {
  /** The contents in hash order, and each one's place in [0, 1] x [0, 1] (same scale on both axes). */
  hashes: string[];
  x: Float32Array;
  y: Float32Array;
  /** Points UMAP was fitted on (the others were placed by its transform). */
  fitted: number;
}

/** Points placed per transform call (never the sample's size: umap-js would then move the sample too). */
const CHUNK = 2000;

export function embeddingLayout(
  input: MapInput,
  params: MapParams = DEFAULT_MAP_PARAMS,
  progress: (p: MapProgress) => void = () => undefined,
): MapLayout {
  const { dim } = input;
  const n = input.hashes.length;
  if (input.vectors.length < n * dim) throw new Error(`${n} hashes but ${input.vectors.length / dim} vectors`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    input.hashes[a] < input.hashes[b] ? -1 : input.hashes[a] > input.hashes[b] ? 1 : 0,
  );
  const hashes = order.map((i) => input.hashes[i]);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  // UMAP needs more points than neighbours; a handful are put on a line.
  if (n < 4) {
    for (let i = 0; i < n; i++) [x[i], y[i]] = [n === 1 ? 0.5 : i / (n - 1), 0.5];
    return { hashes, x, y, fitted: n };
  }
  const sample = chooseSample(n, params.sample, params.seed);
  const m = sample.length;
  progress({ phase: 'reduce', done: 0, total: n });
  const project = projection(input, order, sample, Math.min(params.components, dim, m - 1), params.seed);
  const fitX = sample.map((i) => project(i));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(params.neighbours, m - 1),
    minDist: params.minDist,
    // A multiple of 3: umap-js's transform runs a third of them and stops only on an exact match (100 epochs
    // made it loop for ever).
    nEpochs: params.epochs > 0 ? Math.max(3, Math.round(params.epochs / 3) * 3) : undefined,
    random: mulberry32(params.seed),
  });
  progress({ phase: 'neighbours', done: 0, total: m });
  const epochs = umap.initializeFit(fitX);
  const every = Math.max(1, Math.floor(epochs / 50));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % every === 0) progress({ phase: 'layout', done: e, total: epochs });
  }
  const fitted = umap.getEmbedding();
  sample.forEach((i, k) => ([x[i], y[i]] = [fitted[k][0], fitted[k][1]]));
  if (m < n) {
    const inSample = new Uint8Array(n);
    for (const i of sample) inSample[i] = 1;
    const rest: number[] = [];
    for (let i = 0; i < n; i++) if (!inSample[i]) rest.push(i);
    let done = 0;
    for (const part of chunks(rest, m)) {
      progress({ phase: 'place', done, total: rest.length });
      const placed = umap.transform(part.map((i) => project(i)));
      part.forEach((i, k) => ([x[i], y[i]] = [placed[k][0], placed[k][1]]));
      done += part.length;
    }
    progress({ phase: 'place', done: rest.length, total: rest.length });
  }
  normalise(x, y);
  return { hashes, x, y, fitted: m };
}

/** `rest` in pieces of CHUNK, none of exactly `m` points (umap-js would take such a piece for the fitted points and move them). */
function chunks(rest: number[], m: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < rest.length;) {
    let len = Math.min(CHUNK, rest.length - s);
    if (len === m) len--;
    out.push(rest.slice(s, s + len));
    s += len;
  }
  return out;
}

/** Positions (in hash order) of the points UMAP is fitted on: all, or a seeded sample of `size`, ascending. */
export function chooseSample(n: number, size: number, seed: number): number[] {
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const idx = Array.from({ length: n }, (_, i) => i);
  // Partial Fisher-Yates: the first `size` entries are a uniform sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, size).sort((a, b) => a - b);
}

/**
 * Principal components of the sample (mean and covariance of its vectors), as a function from a point's
 * position in hash order to its first `k` coordinates. With k = dim, the vectors as they are.
 */
function projection(
  input: MapInput,
  order: number[],
  sample: number[],
  k: number,
  seed: number,
): (i: number) => number[] {
  const { dim, vectors } = input;
  const at = (i: number) => order[i] * dim;
  if (k >= dim) return (i) => Array.from(vectors.subarray(at(i), at(i) + dim), (v) => v / 127);
  const mean = new Float64Array(dim);
  for (const i of sample) for (let d = 0; d < dim; d++) mean[d] += vectors[at(i) + d];
  for (let d = 0; d < dim; d++) mean[d] /= sample.length;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (const i of sample) {
    const o = at(i);
    for (let d = 0; d < dim; d++) c[d] = vectors[o + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = c[a];
      if (ca === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b] += ca * c[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];
  const comps = topEigenvectors(cov, dim, k, seed);
  return (i) => {
    const o = at(i);
    const out = new Array<number>(k);
    for (let j = 0; j < k; j++) {
      let acc = 0;
      const r = j * dim;
      for (let d = 0; d < dim; d++) acc += (vectors[o + d] - mean[d]) * comps[r + d];
      out[j] = acc / 127;
    }
    return out;
  };
}

/**
 * The `k` leading eigenvectors of a symmetric `dim` x `dim` matrix, as rows, by seeded randomised subspace
 * iteration (k + 8 columns, 6 rounds), then an exact eigen-decomposition of the small projected matrix: the
 * full 384 x 384 decomposition took seconds, this a few ms. Each vector is made to point where its largest
 * entry is positive, so a solver's sign choice does not mirror the map.
 */
export function topEigenvectors(a: Float64Array, dim: number, k: number, seed: number): Float64Array {
  const p = Math.min(dim, k + 8);
  const g = gaussianRng(mulberry32(seed ^ 0x2545f491));
  // Q: dim x p, column-major (column c at c * dim).
  let q = Float64Array.from({ length: dim * p }, () => g());
  orthonormalise(q, dim, p);
  const times = (m: Float64Array) => {
    const out = new Float64Array(dim * p);
    for (let c = 0; c < p; c++)
      for (let r = 0; r < dim; r++) {
        let acc = 0;
        const row = r * dim;
        for (let j = 0; j < dim; j++) acc += a[row + j] * m[c * dim + j];
        out[c * dim + r] = acc;
      }
    return out;
  };
  for (let round = 0; round < 6; round++) {
    q = times(q);
    orthonormalise(q, dim, p);
  }
  const aq = times(q);
  const b = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let acc = 0;
      for (let r = 0; r < dim; r++) acc += q[i * dim + r] * aq[j * dim + r];
      b[i * p + j] = acc;
    }
  // Symmetrise against rounding before the exact solver.
  for (let i = 0; i < p; i++)
    for (let j = 0; j < i; j++) b[i * p + j] = b[j * p + i] = (b[i * p + j] + b[j * p + i]) / 2;
  const { vectors: w } = symmetricEigen(b, p);
  const out = new Float64Array(k * dim);
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let r = 0; r < dim; r++) {
      let acc = 0;
      for (let c = 0; c < p; c++) acc += q[c * dim + r] * w[c * p + j];
      out[j * dim + r] = acc;
      if (Math.abs(acc) > Math.abs(big)) big = acc;
    }
    if (big < 0) for (let r = 0; r < dim; r++) out[j * dim + r] = -out[j * dim + r];
  }
  return out;
}

/** Modified Gram-Schmidt on the `p` columns (column-major, `dim` rows); a column that vanishes is left zero. */
function orthonormalise(q: Float64Array, dim: number, p: number): void {
  for (let c = 0; c < p; c++) {
    const o = c * dim;
    for (let prev = 0; prev < c; prev++) {
      const po = prev * dim;
      let dot = 0;
      for (let r = 0; r < dim; r++) dot += q[o + r] * q[po + r];
      for (let r = 0; r < dim; r++) q[o + r] -= dot * q[po + r];
    }
    let n2 = 0;
    for (let r = 0; r < dim; r++) n2 += q[o + r] * q[o + r];
    const inv = n2 > 1e-300 ? 1 / Math.sqrt(n2) : 0;
    for (let r = 0; r < dim; r++) q[o + r] *= inv;
  }
}

/** Into [0, 1] on the longer side, centred on the other (distances keep their ratios). */
function normalise(x: Float32Array, y: Float32Array): void {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < x.length; i++) {
    x0 = Math.min(x0, x[i]);
    x1 = Math.max(x1, x[i]);
    y0 = Math.min(y0, y[i]);
    y1 = Math.max(y1, y[i]);
  }
  const span = Math.max(x1 - x0, y1 - y0) || 1;
  const ox = (span - (x1 - x0)) / 2;
  const oy = (span - (y1 - y0)) / 2;
  for (let i = 0; i < x.length; i++) {
    x[i] = (x[i] - x0 + ox) / span;
    y[i] = (y[i] - y0 + oy) / span;
  }
}
