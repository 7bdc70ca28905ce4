/**
 * A multivariate Gaussian of normal-image features with a shrinkage covariance (Ledoit-Wolf by default)
 * and its precision matrix, so an anomaly score is the Mahalanobis distance — the PaDiM / "Gaussian AD"
 * recipe. With fewer samples than dimensions the sample covariance is singular; shrinkage towards a
 * scaled identity fixes that, and the precision is then computed in the n x n sample space (Woodbury),
 * which keeps the O(d³) work off the table when d is in the thousands.
 */
import { XrayError } from '../errors';
import { type ComputeBackend, type Matrix, matrix } from './compute';
import { invertSpd } from './linalg';
import { centeredGram, columnMeans, mahalanobis2, matmul } from './ops';

export interface GaussianModel {
  dim: number;
  mean: Float32Array;
  /** Row-major [dim, dim] inverse of the shrunk covariance. */
  precision: Float32Array;
  /** Weight of the identity target in (1 - s) S + s mu I. */
  shrinkage: number;
  samples: number;
}

export interface GaussianOptions {
  /** A fixed shrinkage in [0, 1], or 'ledoit-wolf' (default) to estimate it from the data. */
  shrinkage?: number | 'ledoit-wolf';
}

/** Ledoit-Wolf shrinkage from trace(S), ||S||_F² and Σ|x|⁴ (as scikit-learn's ledoit_wolf_shrinkage). */
function ledoitWolf(n: number, d: number, traceS: number, frob2S: number, sumNorm4: number): number {
  const mu = traceS / d;
  const deltaRaw = frob2S; // ||S||²_F
  let beta = (sumNorm4 / n - deltaRaw) / (d * n);
  const delta = (deltaRaw - 2 * mu * traceS + d * mu * mu) / d;
  beta = Math.min(beta, delta);
  return delta === 0 ? 0 : Math.max(0, Math.min(1, beta / delta));
}

export async function fitGaussian(be: ComputeBackend, x: Matrix, opts: GaussianOptions = {}): Promise<GaussianModel> {
  const { rows: n, cols: d } = x;
  if (n < 2) throw new XrayError('INTERNAL', `a Gaussian needs at least 2 samples, got ${n}`);
  const mean = columnMeans(x);
  const xc = matrix(n, d);
  let sumNorm4 = 0;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = x.data[r * d + c] - mean[c];
      xc.data[r * d + c] = v;
      s += v * v;
    }
    sumNorm4 += s * s;
  }
  const dual = d > n;
  // S = Xcᵀ Xc / n (primal, d x d) shares its non-zero spectrum with K = Xc Xcᵀ / n (dual, n x n).
  const gram = dual
    ? Float64Array.from((await matmul(be, xc, transpose(xc))).data)
    : await centeredGram(be, xc, new Float32Array(d));
  const m = dual ? n : d;
  let trace = 0;
  let frob2 = 0;
  for (let i = 0; i < m; i++) trace += gram[i * m + i] / n;
  for (let i = 0; i < gram.length; i++) frob2 += (gram[i] / n) ** 2;
  const s =
    opts.shrinkage === undefined || opts.shrinkage === 'ledoit-wolf'
      ? ledoitWolf(n, d, trace, frob2, sumNorm4)
      : opts.shrinkage;
  if (!(s >= 0 && s <= 1)) throw new XrayError('INTERNAL', `shrinkage must be in [0, 1], got ${s}`);
  const mu = trace / d;
  const a = (1 - s) / n;
  const beta = s * mu;

  let precision: Float32Array;
  if (!dual) {
    const cov = new Float64Array(d * d);
    for (let i = 0; i < cov.length; i++) cov[i] = a * gram[i];
    for (let i = 0; i < d; i++) cov[i * d + i] += beta;
    precision = Float32Array.from(invertSpd(cov, d));
  } else if (a === 0) {
    precision = new Float32Array(d * d);
    for (let i = 0; i < d; i++) precision[i * d + i] = 1 / beta;
  } else {
    if (!(beta > 0))
      throw new XrayError('INTERNAL', `with ${n} samples in ${d} dimensions the covariance needs shrinkage > 0`);
    // Σ = a XcᵀXc + βI  =>  Σ⁻¹ = (I − Xcᵀ (β/a I + Xc Xcᵀ)⁻¹ Xc) / β
    const k = Float64Array.from(gram);
    for (let i = 0; i < n; i++) k[i * n + i] += beta / a;
    const kinv = matrix(n, n, Float32Array.from(invertSpd(k, n)));
    const t = await matmul(be, kinv, xc); // n x d
    const xtx = await matmul(be, xc, t, true); // d x d
    precision = new Float32Array(d * d);
    for (let i = 0; i < d * d; i++) precision[i] = -xtx.data[i] / beta;
    for (let i = 0; i < d; i++) precision[i * d + i] += 1 / beta;
  }
  return { dim: d, mean, precision, shrinkage: s, samples: n };
}

/** Mahalanobis distance (not squared) of every row. */
export async function gaussianScores(be: ComputeBackend, model: GaussianModel, x: Matrix): Promise<Float32Array> {
  if (x.cols !== model.dim)
    throw new XrayError('MODEL_INPUT_MISMATCH', `features have ${x.cols} dimensions, the Gaussian ${model.dim}`);
  const d2 = await mahalanobis2(be, x, model.mean, model.precision);
  return d2.map((v) => Math.sqrt(Math.max(0, v)));
}

export function transpose(m: Matrix): Matrix {
  const out = matrix(m.cols, m.rows);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) out.data[c * m.rows + r] = m.data[r * m.cols + c];
  return out;
}
