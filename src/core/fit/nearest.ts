/**
 * Nearest-neighbour distances to a memory bank as ONNX nodes. The SAME nodes run at fit time (ops.ts,
 * the in-memory detector that calibrates the threshold) and inside the exported model (head.ts), so the
 * written file reproduces the fitted distances up to the rounding of the features themselves.
 *
 * Why two stages. The fast form |q-b|² = |q|² - 2 q·b + |b|² (one matrix product for all pairs) loses
 * everything to cancellation when q is close to b: in float32 its absolute error is about
 * ε·(|q|² + |b|²)·√d, and sqrt turns an error δ on a squared distance near 0 into an error √δ on the
 * distance. A small fit whose memory bank holds most of the training patches is exactly that case (many
 * patches of a new normal image have a near-twin in the bank), and the old graph then disagreed with the
 * fit-time search by far more than any feature difference could explain. So:
 *  1. screen: rows and queries are centred on the bank mean first (distances do not change; for
 *     non-negative ReLU features most of |q|² is the common mean, so centring shrinks the error of the
 *     fast form several-fold), then the fast form picks the `candidates` closest bank rows;
 *  2. refine: the exact Σ(q-b)² is computed for those candidates only and the nearest k are kept.
 * The refined distance is accurate to float32 rounding of the distance itself, and it is 1-Lipschitz
 * in the query: two runs whose features differ by δ give distances that differ by at most |δ|. The
 * screen can only matter when more than `candidates` bank rows lie within its error band of the true
 * nearest; they are then all within √band of the query, so the error is bounded by the old method's,
 * in that degenerate case only.
 * Measured (integration test's fit, 12 phantoms, MobileNetV2 at 224, 1000-row bank): the local score of
 * the exported file and of the fit-time search agree to 5e-6 relative (single-stage: 1.2e-2). On the
 * near-duplicate unit test, screening 1 row is off by 3e-4 and 2 are exact; 4 leave a margin. The
 * refine adds ~0.6 ms per 196-patch image to a 1000-row search that alone takes ~1.1 ms (8 rows: ~1.1 ms).
 */
import type { GraphBuilder } from '../onnx/builder';

/** Bank rows re-ranked exactly per query beyond the k asked for (k = 1: 4 candidates). */
export const EXTRA_CANDIDATES = 3;

export interface NearestNames {
  /** [n, d] query rows. */
  queries: string;
  /** [m, d] bank rows, not centred. */
  bank: string;
  /** [1, d] the point both sides are centred on (the bank mean). */
  centre: string;
  /** [1, m] squared norms of the centred bank rows. */
  centredSq: string;
  /** [1] int64: neighbours returned per query. */
  k: string;
  /** [1] int64: rows screened per query, k <= candidates <= m. */
  candidates: string;
}

/**
 * Appends the two-stage search; returns `dist2` [n, k] (exact squared distances, ascending) and
 * `index` [n, k] (int64 bank rows).
 */
export function addNearest(g: GraphBuilder, x: NearestNames): { dist2: string; index: string } {
  const q = g.op('Sub', [x.queries, x.centre]);
  const b = g.op('Sub', [x.bank, x.centre]);
  const axis1 = g.constant(new BigInt64Array([1n]), [1]);
  const qsq = g.op('ReduceSum', [g.op('Mul', [q, q]), axis1], { keepdims: 1 }); // [n, 1]
  const qb = g.op('MatMul', [q, g.op('Transpose', [b], { perm: [1, 0] })]); // [n, m]
  const fast = g.op('Add', [g.op('Sub', [qsq, g.op('Mul', [qb, g.constant(new Float32Array([2]), [])])]), x.centredSq]);
  const [, screened] = g.node('TopK', [fast, x.candidates], { axis: 1, largest: 0, sorted: 1 }, 2); // [n, c]
  const rows = g.op('Gather', [b, screened], { axis: 0 }); // [n, c, d]
  const diff = g.op('Sub', [rows, g.op('Unsqueeze', [q, axis1])]);
  const exact = g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.constant(new BigInt64Array([2n]), [1])], {
    keepdims: 0,
  }); // [n, c]
  const [dist2, order] = g.node('TopK', [exact, x.k], { axis: 1, largest: 0, sorted: 1 }, 2);
  const index = g.op('GatherElements', [screened, order], { axis: 1 });
  return { dist2, index };
}

/** Rows screened for k neighbours in a bank of m rows. */
export function candidateCount(k: number, m: number): number {
  return Math.min(m, k + EXTRA_CANDIDATES);
}
