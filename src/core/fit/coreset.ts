/**
 * Greedy (k-center) coreset selection as in PatchCore: start from one row, repeatedly add the row that is
 * farthest from everything chosen so far. The whole loop runs inside ONE ONNX Loop, so each step is a
 * matrix-vector product in the runtime, not a JavaScript round trip. Distances use a random projection
 * of the rows (PatchCore's "approximate" greedy coreset) when `projectTo` is smaller than the row size;
 * the selected rows are returned as indices into the original matrix. The loop also keeps, for every
 * row, the selected row nearest to it, so that a selection can later be repaired without some rows
 * (cross-fitting: crossfit.ts) by re-covering only the rows that lost their nearest selected row and
 * continuing the same farthest-first rule (extendGreedy).
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
  body.input('assign_in', ['n'], OnnxDataType.INT64);
  // [n,d] x [d,1] as Gemm: ORT's MatMul with a 1-D right operand is ~4x slower than this GEMV.
  const axis0 = body.constant(new BigInt64Array([0n]), [1]);
  const xl = body.op('Gather', ['x', body.op('Unsqueeze', ['last', axis0])], { axis: 0 }); // [1,d]
  const dots = body.op('Squeeze', [
    body.op('Gemm', ['x', xl], { transB: 1 }),
    body.constant(new BigInt64Array([1n]), [1]),
  ]); // [n]
  const nl = body.op('Gather', ['sq', 'last'], { axis: 0 });
  const two = body.constant(new Float32Array([2]), []);
  const dist = body.op('Add', [body.op('Sub', ['sq', body.op('Mul', [dots, two])]), nl]);
  body.op('Min', ['mind_in', dist], {}, 'mind_out');
  // Rows now nearer to `last` than to any earlier selection are assigned to it.
  body.op('Where', [body.op('Less', [dist, 'mind_in']), 'last', 'assign_in'], {}, 'assign_out');
  body.op('ArgMax', ['mind_out'], { axis: 0, keepdims: 0 }, 'next');
  body.op('Identity', ['cond_in'], {}, 'cond_out');
  body.op('Identity', ['last'], {}, 'chosen');
  body.output('cond_out', [], OnnxDataType.BOOL);
  body.output('next', [], OnnxDataType.INT64);
  body.output('mind_out', ['n']);
  body.output('assign_out', ['n'], OnnxDataType.INT64);
  body.output('chosen', [], OnnxDataType.INT64);

  const g = new GraphBuilder('greedy_coreset');
  g.input('x', ['n', 'd']);
  g.input('sq', ['n']);
  g.input('count', [], OnnxDataType.INT64);
  g.input('start', [], OnnxDataType.INT64);
  g.input('mind0', ['n']);
  g.input('assign0', ['n'], OnnxDataType.INT64);
  g.node('Loop', ['count', '', 'start', 'mind0', 'assign0'], { body: subgraphSlot('body') }, [
    'last_final',
    'mind_final',
    'assign_final',
    'selected',
  ]);
  g.output('selected', ['m'], OnnxDataType.INT64);
  g.output('mind_final', ['n']);
  g.output('assign_final', ['n'], OnnxDataType.INT64);
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
  /** After selection: the row index of each row's nearest selected row. */
  assign: Int32Array;
  /** The [cols, projectTo] projection distances were measured after, when there was one. */
  projection?: Matrix;
}

export async function greedyCoreset(
  be: ComputeBackend,
  x: Matrix,
  count: number,
  opts: CoresetOptions = {},
): Promise<Coreset> {
  if (!Number.isInteger(count) || count < 1 || count > x.rows)
    throw new XrayError('INTERNAL', `coreset of ${count} rows from ${x.rows}`);
  const seed = opts.seed ?? 0;
  const proj = opts.projectTo ?? 128;
  let y = x;
  let w: Matrix | undefined;
  if (proj > 0 && proj < x.cols) {
    // Gaussian random projection (Johnson-Lindenstrauss): distances are kept up to a small distortion.
    const g = gaussianRng(mulberry32(seed ^ 0x9e3779b9));
    w = matrix(
      x.cols,
      proj,
      Float32Array.from({ length: x.cols * proj }, () => g() / Math.sqrt(proj)),
    );
    y = await matmul(be, x, w);
  }
  const start = Math.floor(mulberry32(seed)() * x.rows);
  const mind = new Float32Array(y.rows).fill(Number.MAX_VALUE);
  const out = await extendGreedy(be, y, count, { ...opts, start, mind });
  return { ...out, ...(w ? { projection: w } : {}) };
}

/**
 * Continues a farthest-first selection on rows `y` (already in the selection space) for `count` more
 * rows: `mind` holds each row's squared distance to the rows selected so far (0 for those; -MAX_VALUE
 * for rows that must never be selected), `assign` their nearest selected row (-1: none yet), `start`
 * the first row to add (default: the farthest, as the loop itself would pick).
 */
export async function extendGreedy(
  be: ComputeBackend,
  y: Matrix,
  count: number,
  opts: Omit<CoresetOptions, 'projectTo' | 'seed'> & { mind: Float32Array; assign?: Int32Array; start?: number },
): Promise<Omit<Coreset, 'projection'>> {
  if (!Number.isInteger(count) || count < 1 || count > y.rows)
    throw new XrayError('INTERNAL', `coreset of ${count} rows from ${y.rows}`);
  if (opts.mind.length !== y.rows || (opts.assign && opts.assign.length !== y.rows))
    throw new XrayError('INTERNAL', 'selection state does not match the rows');
  // The selection runs in chunks of Loop iterations: each call carries the min-distance vector on, and
  // the next start is its argmax (what the Loop itself would pick next), so the result equals one long
  // Loop while progress and cancellation get a say between chunks.
  const chunk = Math.max(1, Math.min(count, opts.chunk ?? Math.ceil(count / 40)));
  const xt = f32(y.data, [y.rows, y.cols]);
  const sq = f32(rowSquaredNorms(y), [y.rows]);
  const indices = new Int32Array(count);
  let mind: Float32Array = opts.mind;
  // Converting to and from int64 costs a BigInt per row: only at the ends, and not at all without a start state.
  let assign: BigInt64Array = opts.assign
    ? BigInt64Array.from(opts.assign, (v) => BigInt(v))
    : new BigInt64Array(y.rows).fill(-1n);
  let next = opts.start ?? argmax(mind);
  for (let done = 0; done < count;) {
    if (opts.signal?.aborted) throw new XrayError('CANCELLED', 'Fitting was cancelled.');
    const k = Math.min(chunk, count - done);
    const out = await be.run('greedy_coreset', GREEDY, {
      x: xt,
      sq,
      count: { data: new BigInt64Array([BigInt(k)]), dims: [] },
      start: { data: new BigInt64Array([BigInt(next)]), dims: [] },
      mind0: f32(mind, [y.rows]),
      assign0: { data: assign, dims: [y.rows] },
    });
    const sel = out.selected.data as BigInt64Array;
    for (let i = 0; i < k; i++) indices[done + i] = Number(sel[i]);
    mind = out.mind_final.data as Float32Array;
    assign = out.assign_final.data as BigInt64Array;
    done += k;
    next = argmax(mind);
    opts.onProgress?.(done / count);
  }
  return { indices, coverage2: mind, assign: Int32Array.from(assign, Number) };
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
