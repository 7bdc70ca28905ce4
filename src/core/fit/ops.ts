/**
 * The fitting math that touches big arrays, each as a tiny ONNX graph with dynamic shapes (one session
 * per graph kind, reused for every call). Callers chunk their rows so no call needs more than a few
 * hundred MB.
 */
import { GraphBuilder, OnnxDataType } from '../onnx/builder';
import { type ComputeBackend, type Matrix, f32, matrix } from './compute';
import { addNearest, candidateCount } from './nearest';

function graph(build: (g: GraphBuilder) => void): () => Uint8Array {
  return () => {
    const g = new GraphBuilder('fit_op');
    build(g);
    return g.toBytes({ opset: 17 });
  };
}

const MATMUL = graph((g) => {
  g.input('a', ['n', 'k']);
  g.input('b', ['k', 'm']);
  g.op('MatMul', ['a', 'b'], {}, 'c');
  g.output('c', ['n', 'm']);
});

const MATMUL_TA = graph((g) => {
  g.input('a', ['k', 'n']);
  g.input('b', ['k', 'm']);
  g.op('MatMul', [g.op('Transpose', ['a'], { perm: [1, 0] }), 'b'], {}, 'c');
  g.output('c', ['n', 'm']);
});

/** a @ b, or aᵀ @ b when `transposeA`. */
export async function matmul(be: ComputeBackend, a: Matrix, b: Matrix, transposeA = false): Promise<Matrix> {
  const inner = transposeA ? a.rows : a.cols;
  if (inner !== b.rows) throw new Error(`matmul: inner sizes ${inner} and ${b.rows} differ`);
  const out = await be.run(transposeA ? 'matmul_ta' : 'matmul', transposeA ? MATMUL_TA : MATMUL, {
    a: f32(a.data, [a.rows, a.cols]),
    b: f32(b.data, [b.rows, b.cols]),
  });
  return matrix(transposeA ? a.cols : a.rows, b.cols, out.c.data as Float32Array);
}

const CENTERED_GRAM = graph((g) => {
  g.input('x', ['n', 'd']);
  g.input('mean', [1, 'd']);
  const xc = g.op('Sub', ['x', 'mean']);
  g.op('MatMul', [g.op('Transpose', [xc], { perm: [1, 0] }), xc], {}, 'gram');
  g.output('gram', ['d', 'd']);
});

/** Σ (x - mean)(x - mean)ᵀ over the rows, accumulated in float64 across row chunks. */
export async function centeredGram(
  be: ComputeBackend,
  x: Matrix,
  mean: Float32Array,
  chunkRows = 2048,
): Promise<Float64Array> {
  const d = x.cols;
  const acc = new Float64Array(d * d);
  for (let r = 0; r < x.rows; r += chunkRows) {
    const end = Math.min(x.rows, r + chunkRows);
    const out = await be.run('centered_gram', CENTERED_GRAM, {
      x: f32(x.data.subarray(r * d, end * d), [end - r, d]),
      mean: f32(mean, [1, d]),
    });
    const gdata = out.gram.data as Float32Array;
    for (let i = 0; i < acc.length; i++) acc[i] += gdata[i];
  }
  return acc;
}

const KNN = graph((g) => {
  g.input('q', ['q', 'd']);
  g.input('bank', ['m', 'd']);
  g.input('centre', [1, 'd']);
  g.input('centred_sq', [1, 'm']);
  g.input('k', [1], OnnxDataType.INT64);
  g.input('candidates', [1], OnnxDataType.INT64);
  const nn = addNearest(g, {
    queries: 'q',
    bank: 'bank',
    centre: 'centre',
    centredSq: 'centred_sq',
    k: 'k',
    candidates: 'candidates',
  });
  g.op('Identity', [nn.dist2], {}, 'dist2');
  g.op('Identity', [nn.index], {}, 'index');
  g.output('dist2', ['q', 'kk']);
  g.output('index', ['q', 'kk'], OnnxDataType.INT64);
});

export function rowSquaredNorms(m: Matrix): Float32Array {
  const out = new Float32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = r * m.cols; c < (r + 1) * m.cols; c++) s += m.data[c] * m.data[c];
    out[r] = s;
  }
  return out;
}

export interface Neighbours {
  /** [queries, k] squared Euclidean distances, ascending per row. */
  dist2: Float32Array;
  /** [queries, k] row indices into the bank. */
  index: Int32Array;
  k: number;
}

/** What a search needs besides the bank rows: their mean and the squared norms of the centred rows. */
export interface BankCentring {
  centre: Float32Array;
  centredSq: Float32Array;
}

export function bankCentring(bank: Matrix): BankCentring {
  const centre = columnMeans(bank);
  const centred = matrix(
    bank.rows,
    bank.cols,
    Float32Array.from(bank.data, (v, i) => v - centre[i % bank.cols]),
  );
  return { centre, centredSq: rowSquaredNorms(centred) };
}

/**
 * k nearest bank rows for every query row, with exact squared Euclidean distances (the two-stage search
 * of nearest.ts). `centring` is the bank's, computed once by the caller that searches it often.
 * `chunkRows` bounds the queries held at once: each needs a bank-wide row of screening distances and
 * its candidates' rows (several temporaries of that size), so the default keeps each block near 8M floats.
 */
export async function nearestNeighbours(
  be: ComputeBackend,
  queries: Matrix,
  bank: Matrix,
  k: number,
  opts: { centring?: BankCentring; chunkRows?: number } = {},
): Promise<Neighbours> {
  if (queries.cols !== bank.cols) throw new Error(`knn: query dim ${queries.cols} != bank dim ${bank.cols}`);
  if (!Number.isInteger(k) || k < 1 || k > bank.rows) throw new Error(`knn: k=${k} with a bank of ${bank.rows}`);
  const { centre, centredSq } = opts.centring ?? bankCentring(bank);
  const d = queries.cols;
  const candidates = candidateCount(k, bank.rows);
  const chunk = opts.chunkRows ?? Math.max(1, Math.floor(8_000_000 / (bank.rows + candidates * d)));
  const dist2 = new Float32Array(queries.rows * k);
  const index = new Int32Array(queries.rows * k);
  for (let r = 0; r < queries.rows; r += chunk) {
    const end = Math.min(queries.rows, r + chunk);
    const out = await be.run('knn', KNN, {
      q: f32(queries.data.subarray(r * d, end * d), [end - r, d]),
      bank: f32(bank.data, [bank.rows, d]),
      centre: f32(centre, [1, d]),
      centred_sq: f32(centredSq, [1, bank.rows]),
      k: { data: new BigInt64Array([BigInt(k)]), dims: [1] },
      candidates: { data: new BigInt64Array([BigInt(candidates)]), dims: [1] },
    });
    dist2.set(out.dist2.data as Float32Array, r * k);
    const idx = out.index.data as BigInt64Array;
    for (let i = 0; i < idx.length; i++) index[r * k + i] = Number(idx[i]);
  }
  return { dist2, index, k };
}

const MAHALANOBIS = graph((g) => {
  g.input('x', ['n', 'd']);
  g.input('mean', [1, 'd']);
  g.input('precision', ['d', 'd']);
  const xc = g.op('Sub', ['x', 'mean']);
  const y = g.op('MatMul', [xc, 'precision']);
  g.op('ReduceSum', [g.op('Mul', [y, xc]), g.constant(new BigInt64Array([1n]), [1])], { keepdims: 0 }, 'd2');
  g.output('d2', ['n']);
});

/** Squared Mahalanobis distance (x - mean)ᵀ P (x - mean) of every row. */
export async function mahalanobis2(
  be: ComputeBackend,
  x: Matrix,
  mean: Float32Array,
  precision: Float32Array,
  chunkRows = 4096,
): Promise<Float32Array> {
  const d = x.cols;
  if (mean.length !== d || precision.length !== d * d)
    throw new Error(`mahalanobis: dims ${d}, mean ${mean.length}, precision ${precision.length}`);
  const out = new Float32Array(x.rows);
  for (let r = 0; r < x.rows; r += chunkRows) {
    const end = Math.min(x.rows, r + chunkRows);
    const res = await be.run('mahalanobis', MAHALANOBIS, {
      x: f32(x.data.subarray(r * d, end * d), [end - r, d]),
      mean: f32(mean, [1, d]),
      precision: f32(precision, [d, d]),
    });
    out.set(res.d2.data as Float32Array, r);
  }
  return out;
}

export function columnMeans(x: Matrix): Float32Array {
  const acc = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) acc[c] += x.data[r * x.cols + c];
  return Float32Array.from(acc, (v) => v / Math.max(1, x.rows));
}
