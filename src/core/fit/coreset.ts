/**
 * Greedy (k-center) coreset selection as in PatchCore: start from one row, repeatedly add the row that is
 * farthest from everything chosen so far. The whole loop runs inside ONE ONNX Loop, so each step is a
 * matrix-vector product in the runtime, not a JavaScript round trip. Distances use a random projection
 * of the rows (PatchCore's "approximate" greedy coreset) when `projectTo` is smaller than the row size;
 * the selected rows are returned as indices into the original matrix.
 */
import { XrayError } from '../errors';
import { GraphBuilder, OnnxDataType } from '../onnx/builder';
import { attachSubgraphs, subgraphSlot } from '../onnx/subgraph';
import { type ComputeBackend, type Matrix, f32, matrix } from './compute';
import { matmul, rowSquaredNorms } from './ops';
import { gaussianRng, mulberry32 } from './random';

const GREEDY = (): Uint8Array => {
  const body = new GraphBuilder('greedy_step');
  body.input('iter', [], OnnxDataType.INT64);
  body.input('cond_in', [], OnnxDataType.BOOL);
  body.input('last', [], OnnxDataType.INT64);
  body.input('mind_in', ['n']);
  // [n,d] x [d,1] as Gemm: ORT's MatMul with a 1-D right operand is ~4x slower than this GEMV.
  const axis0 = body.constant(new BigInt64Array([0n]), [1]);
  const xl = body.op('Gather', ['x', body.op('Unsqueeze', ['last', axis0])], { axis: 0 }); // [1,d]
  const dots = body.op('Squeeze', [body.op('Gemm', ['x', xl], { transB: 1 }), body.constant(new BigInt64Array([1n]), [1])]); // [n]
  const nl = body.op('Gather', ['sq', 'last'], { axis: 0 });
  const two = body.constant(new Float32Array([2]), []);
  const dist = body.op('Add', [body.op('Sub', ['sq', body.op('Mul', [dots, two])]), nl]);
  body.op('Min', ['mind_in', dist], {}, 'mind_out');
  body.op('ArgMax', ['mind_out'], { axis: 0, keepdims: 0 }, 'next');
  body.op('Identity', ['cond_in'], {}, 'cond_out');
  body.op('Identity', ['last'], {}, 'chosen');
  body.output('cond_out', [], OnnxDataType.BOOL);
  body.output('next', [], OnnxDataType.INT64);
  body.output('mind_out', ['n']);
  body.output('chosen', [], OnnxDataType.INT64);

  const g = new GraphBuilder('greedy_coreset');
  g.input('x', ['n', 'd']);
  g.input('sq', ['n']);
  g.input('count', [], OnnxDataType.INT64);
  g.input('start', [], OnnxDataType.INT64);
  g.input('mind0', ['n']);
  g.node('Loop', ['count', '', 'start', 'mind0'], { body: subgraphSlot('body') }, ['last_final', 'mind_final', 'selected']);
  g.output('selected', ['m'], OnnxDataType.INT64);
  g.output('mind_final', ['n']);
  return attachSubgraphs(g.toBytes({ opset: 17 }), { body });
};

export interface CoresetOptions {
  /** Random projection size for the distance computations (PatchCore uses 128); 0 = no projection. */
  projectTo?: number;
  seed?: number;
  /** Checked between chunks of selection steps; abort -> CANCELLED. */
  signal?: AbortSignal;
  /** Fraction of the rows selected so far, after each chunk. */
  onProgress?: (fraction: number) => void;
  /** Selection steps per runtime call (default: the count split into about 40 calls). */
  chunk?: number;
}

export interface Coreset {
  /** Selected row indices, in selection order. */
  indices: Int32Array;
  /** After selection: each row's squared distance (projected space) to its nearest selected row. */
  coverage2: Float32Array;
}

export async function greedyCoreset(be: ComputeBackend, x: Matrix, count: number, opts: CoresetOptions = {}): Promise<Coreset> {
  if (!Number.isInteger(count) || count < 1 || count > x.rows) throw new XrayError('INTERNAL', `coreset of ${count} rows from ${x.rows}`);
  const seed = opts.seed ?? 0;
  const proj = opts.projectTo ?? 128;
  let y = x;
  if (proj > 0 && proj < x.cols) {
    // Gaussian random projection (Johnson-Lindenstrauss): distances are kept up to a small distortion.
    const g = gaussianRng(mulberry32(seed ^ 0x9e3779b9));
    const w = matrix(x.cols, proj, Float32Array.from({ length: x.cols * proj }, () => g() / Math.sqrt(proj)));
    y = await matmul(be, x, w);
  }
  const start = Math.floor(mulberry32(seed)() * x.rows);
  // The selection runs in chunks of Loop iterations: each call carries the min-distance vector on, and
  // the next start is its argmax (what the Loop itself would pick next), so the result equals one long
  // Loop while progress and cancellation get a say between chunks.
  const chunk = Math.max(1, Math.min(count, opts.chunk ?? Math.ceil(count / 40)));
  const xt = f32(y.data, [y.rows, y.cols]);
  const sq = f32(rowSquaredNorms(y), [y.rows]);
  const indices = new Int32Array(count);
  let mind: Float32Array = new Float32Array(y.rows).fill(Number.MAX_VALUE);
  let next = start;
  for (let done = 0; done < count; ) {
    if (opts.signal?.aborted) throw new XrayError('CANCELLED', 'Fitting was cancelled.');
    const k = Math.min(chunk, count - done);
    const out = await be.run('greedy_coreset', GREEDY, {
      x: xt,
      sq,
      count: { data: new BigInt64Array([BigInt(k)]), dims: [] },
      start: { data: new BigInt64Array([BigInt(next)]), dims: [] },
      mind0: f32(mind, [y.rows]),
    });
    const sel = out.selected.data as BigInt64Array;
    for (let i = 0; i < k; i++) indices[done + i] = Number(sel[i]);
    mind = out.mind_final.data as Float32Array;
    done += k;
    next = argmax(mind);
    opts.onProgress?.(done / count);
  }
  return { indices, coverage2: mind };
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
