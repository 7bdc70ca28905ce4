/**
 * Turning backbone feature maps into detector inputs, as ONNX graphs (the same operators go into the
 * exported model, so fit-time and run-time features are computed identically):
 *  - globally pooled statistics per channel: mean and standard deviation over all positions;
 *  - patch rows: each position's channel vector after a 3x3 neighbourhood average (PatchCore's
 *    "locally aware" patch features), laid out as [n*h*w, C].
 */
import { GraphBuilder } from '../onnx/builder';
import { type ComputeBackend, type Matrix, f32, matrix } from './compute';

/** A batch of feature maps, NCHW float32. */
export interface FeatureMaps {
  data: Float32Array;
  n: number;
  c: number;
  h: number;
  w: number;
  /** The same images at a finer tap (recipe.local.fineMap), when the detector draws a fine map. */
  fine?: FeatureMaps;
}

/** Images [at, at + n) of a batch (its fine maps too). */
export function sliceMaps(maps: FeatureMaps, at: number, n: number): FeatureMaps {
  const per = maps.c * maps.h * maps.w;
  return {
    data: maps.data.slice(at * per, (at + n) * per),
    n,
    c: maps.c,
    h: maps.h,
    w: maps.w,
    ...(maps.fine ? { fine: sliceMaps(maps.fine, at, n) } : {}),
  };
}

/** Batches of the same shape as one batch (their fine maps too, when every one has them). */
export function concatMaps(parts: readonly FeatureMaps[]): FeatureMaps {
  const { c, h, w } = parts[0];
  const n = parts.reduce((a, m) => a + m.n, 0);
  const data = new Float32Array(n * c * h * w);
  let o = 0;
  for (const m of parts) {
    data.set(m.data.subarray(0, m.n * c * h * w), o);
    o += m.n * c * h * w;
  }
  const fine = parts.every((m) => m.fine) ? concatMaps(parts.map((m) => m.fine!)) : undefined;
  return { data, n, c, h, w, ...(fine ? { fine } : {}) };
}

export interface PoolOptions {
  log1p?: boolean;
  /**
   * Cells dropped on each side before pooling, [rows, columns]: the pooled statistics then describe the
   * central field only (on chest X-rays the lung fields, not shoulders, neck and corners).
   */
  margin?: [number, number];
}

/** Appends mean+std pooling of `x` ([N,C,H,W]) to a graph; returns the [N, 2C] output name. */
export function addMeanStdPool(g: GraphBuilder, x: string, opts: PoolOptions = {}): string {
  // Opset 17: ReduceMean still takes `axes` as an attribute (ReduceSum already as an input).
  const axes = { axes: [2, 3], keepdims: 0 };
  const [mh, mw] = opts.margin ?? [0, 0];
  const field =
    mh > 0 || mw > 0
      ? g.op('Slice', [
          x,
          g.constant(new BigInt64Array([BigInt(mh), BigInt(mw)]), [2]),
          g.constant(new BigInt64Array([BigInt(-mh || 2 ** 31 - 1), BigInt(-mw || 2 ** 31 - 1)]), [2]),
          g.constant(new BigInt64Array([2n, 3n]), [2]),
        ])
      : x;
  const v = opts.log1p ? g.op('Log', [g.op('Add', [field, g.constant(new Float32Array([1]), [])])]) : field;
  const mean = g.op('ReduceMean', [v], axes);
  const meanSq = g.op('ReduceMean', [g.op('Mul', [v, v])], axes);
  const variance = g.op('Max', [
    g.op('Sub', [meanSq, g.op('Mul', [mean, mean])]),
    g.constant(new Float32Array([0]), []),
  ]);
  return g.op('Concat', [mean, g.op('Sqrt', [variance])], { axis: 1 });
}

/** Appends 3x3-averaged patch rows of `x` ([N,C,H,W]) to a graph; returns the [N*H*W, C] output name. */
export function addPatchRows(g: GraphBuilder, x: string, opts: { aggregate?: boolean } = {}): string {
  const agg =
    opts.aggregate === false
      ? x
      : g.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 });
  const nhwc = g.op('Transpose', [agg], { perm: [0, 2, 3, 1] });
  const shape = g.op('Shape', [x]);
  const c = g.op('Slice', [shape, g.constant(new BigInt64Array([1n]), [1]), g.constant(new BigInt64Array([2n]), [1])]);
  return g.op('Reshape', [nhwc, g.op('Concat', [g.constant(new BigInt64Array([-1n]), [1]), c], { axis: 0 })]);
}

const POOL = (opts: PoolOptions) => () => {
  const g = new GraphBuilder('pool');
  g.input('x', ['n', 'c', 'h', 'w']);
  g.op('Identity', [addMeanStdPool(g, 'x', opts)], {}, 'y');
  g.output('y', ['n', 'c2']);
  return g.toBytes({ opset: 17 });
};

const PATCHES = (aggregate: boolean) => () => {
  const g = new GraphBuilder('patches');
  g.input('x', ['n', 'c', 'h', 'w']);
  g.op('Identity', [addPatchRows(g, 'x', { aggregate })], {}, 'y');
  g.output('y', ['p', 'c']);
  return g.toBytes({ opset: 17 });
};

function batches(maps: FeatureMaps, step: number): { start: number; end: number; x: ReturnType<typeof f32> }[] {
  const per = maps.c * maps.h * maps.w;
  const out = [];
  for (let s = 0; s < maps.n; s += step) {
    const e = Math.min(maps.n, s + step);
    out.push({ start: s, end: e, x: f32(maps.data.subarray(s * per, e * per), [e - s, maps.c, maps.h, maps.w]) });
  }
  return out;
}

/** [n, 2C]: per-channel mean then per-channel standard deviation over all positions (inside the margin). */
export async function meanStdPool(be: ComputeBackend, maps: FeatureMaps, opts: PoolOptions = {}): Promise<Matrix> {
  const log1p = opts.log1p ?? false;
  const [mh, mw] = opts.margin ?? [0, 0];
  if (2 * mh >= maps.h || 2 * mw >= maps.w)
    throw new Error(`a pooling margin of ${mh}x${mw} cells leaves nothing of a ${maps.h}x${maps.w} map`);
  const out = matrix(maps.n, 2 * maps.c);
  const key = `pool_meanstd${log1p ? '_log1p' : ''}${mh || mw ? `_m${mh}x${mw}` : ''}`;
  for (const b of batches(maps, 64)) {
    const r = await be.run(key, POOL({ log1p, margin: [mh, mw] }), { x: b.x });
    out.data.set(r.y.data as Float32Array, b.start * 2 * maps.c);
  }
  return out;
}

/** [n*h*w, C] patch rows, image-major then row-major positions. */
export async function patchRows(
  be: ComputeBackend,
  maps: FeatureMaps,
  opts: { aggregate?: boolean } = {},
): Promise<Matrix> {
  const aggregate = opts.aggregate ?? true;
  const hw = maps.h * maps.w;
  const out = matrix(maps.n * hw, maps.c);
  for (const b of batches(maps, 64)) {
    const r = await be.run(`patch_rows${aggregate ? '_agg3' : ''}`, PATCHES(aggregate), { x: b.x });
    out.data.set(r.y.data as Float32Array, b.start * hw * maps.c);
  }
  return out;
}
