/**
 * A position-aware reference for the local evidence (issue 12; docs/experiments/local-evidence.md). PatchCore
 * compares each patch with normal patches from ANY position, so a dark blob where the heart should be matches
 * some dark lung patch and goes unnoticed. Here each patch is compared only with the patches of `count`
 * reference normal images at the same position or up to `reach` cells off (aligned radiographs such as chest
 * films): the distance to the nearest of them, per position. Its worst place (worstPlace.ts, on the map centred
 * per position by calibration normals) is an image-score part; on the default model's features it lifted the
 * planted anomalies covering >= 1% from ROC-AUC 0.836 to 0.876 with test-dev 0.877 -> 0.876.
 *
 * The references are 3x3-averaged patch rows (as the memory bank's), stored padded by `reach` cells with a
 * value far from any feature, so every shift of the query meets a reference patch (a padded neighbour is never
 * the nearest) and the exported graph needs no special case at the edges.
 */
import { XrayError } from '../errors';
import { GraphBuilder } from '../onnx/builder';
import { roundToFloat16 } from '../onnx/float16';
import { type ComputeBackend, f32 } from './compute';
import type { FeatureMaps } from './features';
import { mulberry32, shuffled } from './random';

export interface PositionalOptions {
  /** Reference images (a seeded sample of the training images). */
  refs: number;
  /** Cells a reference patch may be off the query's position (1: its 3x3 neighbourhood). */
  reach: number;
}

export interface PositionalReference {
  /** [count, c, h + 2 reach, w + 2 reach]: the references' patch rows, channel-major, padded with PAD. */
  padded: Float32Array;
  count: number;
  c: number;
  h: number;
  w: number;
  reach: number;
  /**
   * Stored in half precision (`padded` holds the rounded values): the exported graph keeps a float16 constant
   * and casts it, so in-memory and exported searches see the same numbers in half the file.
   */
  half?: boolean;
  /**
   * The references are in a reduced space: `matrix` [c, from] (row-major) maps a patch row of `from` channels to
   * the `c` kept ones (fineMap.ts: the references' leading principal directions). Queries are mapped the same way
   * (a 1x1 Conv in the graph) before the search; distances are between mapped rows.
   */
  projection?: { matrix: Float32Array; from: number };
}

/** Far from any (non-negative, ReLU6-bounded) feature: a padded neighbour's distance dwarfs every real one. */
export const PAD = 1e3;

/**
 * Picks `opts.refs` images (seeded) from training patch rows ([n*h*w, c], image-major, as TrainingSet.patches)
 * and lays them out for the search.
 */
export function positionalReference(
  rows: Float32Array,
  n: number,
  shape: { c: number; h: number; w: number },
  opts: PositionalOptions,
  seed: number,
): PositionalReference {
  const { c, h, w } = shape;
  const hw = h * w;
  if (rows.length !== n * hw * c)
    throw new XrayError('INTERNAL', `${rows.length} values are not ${n} images of ${hw}x${c}`);
  const picked = shuffled(
    Array.from({ length: n }, (_, i) => i),
    mulberry32(seed ^ 0x5eed),
  ).slice(0, Math.max(1, Math.min(n, Math.round(opts.refs))));
  picked.sort((a, b) => a - b);
  return layOutReference(
    picked.map((img) => rows.subarray(img * hw * c, (img + 1) * hw * c)),
    shape,
    opts.reach,
  );
}

/**
 * Reference images' patch rows ([h*w, c] each) laid out for the search: channel-major, padded by `reach` with PAD
 * (exact in half precision too); `half`: rounded to half precision, as the exported constant will be.
 */
export function layOutReference(
  images: readonly ArrayLike<number>[],
  shape: { c: number; h: number; w: number },
  reachOption: number,
  half = false,
): PositionalReference {
  const { c, h, w } = shape;
  const reach = Math.max(0, Math.round(reachOption));
  const ph = h + 2 * reach;
  const pw = w + 2 * reach;
  const padded = new Float32Array(images.length * c * ph * pw).fill(PAD);
  images.forEach((rows, r) => {
    if (rows.length !== h * w * c) throw new XrayError('INTERNAL', `a reference image has ${rows.length} values`);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const src = (y * w + x) * c;
        for (let k = 0; k < c; k++) padded[((r * c + k) * ph + y + reach) * pw + x + reach] = rows[src + k];
      }
  });
  if (half) roundToFloat16(padded);
  return { padded, count: images.length, c, h, w, reach, ...(half ? { half } : {}) };
}

/**
 * Per position, the distance from each query patch row ([n*h*w, c], image-major) to the nearest reference
 * patch at that position or up to `reach` cells off: [n*h*w]. Float32 steps, as the graph's.
 */
export function positionalDistances(rows: ArrayLike<number>, ref: PositionalReference): Float32Array {
  if (ref.projection) rows = projectRows(rows, ref.projection.matrix, ref.c, ref.projection.from);
  const { padded, count, c, h, w, reach } = ref;
  const hw = h * w;
  if (rows.length % (hw * c) !== 0)
    throw new XrayError('INTERNAL', `${rows.length} values are not whole ${h}x${w}x${c} maps`);
  const n = rows.length / (hw * c);
  const ph = h + 2 * reach;
  const pw = w + 2 * reach;
  const plane = ph * pw;
  const out = new Float32Array(n * hw);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const q = (i * hw + y * w + x) * c;
        let best = Infinity;
        for (let r = 0; r < count; r++)
          for (let dy = 0; dy <= 2 * reach; dy++)
            for (let dx = 0; dx <= 2 * reach; dx++) {
              const at = r * c * plane + (y + dy) * pw + x + dx;
              let s = 0;
              for (let k = 0; k < c; k++) {
                const d = rows[q + k] - padded[at + k * plane];
                s += d * d;
              }
              if (s < best) best = s;
            }
        out[i * hw + y * w + x] = Math.sqrt(best);
      }
  return out;
}

/** Rows of `from` values ([m, from]) mapped by `matrix` [c, from] to rows of `c`: [m, c]. Float32 steps. */
export function projectRows(rows: ArrayLike<number>, matrix: Float32Array, c: number, from: number): Float32Array {
  const m = rows.length / from;
  const out = new Float32Array(m * c);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < from; k++) s = Math.fround(s + rows[i * from + k] * matrix[j * from + k]);
      out[i * c + j] = s;
    }
  return out;
}

/**
 * The same search in the graph, on 3x3-averaged features `pooled` [N, c, h, w]. The references stay where they
 * are (a constant [ph*pw, c, R], position-major, and their squared norms); the QUERY is shifted instead, once per
 * shift (Pad), and all shifts meet every reference position in one batched MatMul: d² = |q|² + |r|² − 2 q·r at
 * each padded position, its minimum over references, then each shift's window is cut out and the minimum taken
 * over shifts. Slicing the references per shift (as before) made onnxruntime fold 9 copies of them at load
 * (block 6: 2.6 s and 320 MB per session) and cost 2.4x the time per image. Returns [N, h*w].
 */
export function addPositional(
  g: GraphBuilder,
  pooled: string,
  ref: PositionalReference,
  n: string,
  name = 'positional.refs',
  layout: SearchLayout = 'ref-rows',
): string {
  const { c, h, w, reach, count } = ref;
  const i64 = (...v: number[]) => g.constant(new BigInt64Array(v.map(BigInt)), [v.length]);
  const [ph, pw] = [h + 2 * reach, w + 2 * reach];
  const positions = ph * pw;
  // [R, c, ph, pw] -> [ph*pw, c, R], and the squared norm of each reference patch (float32 steps).
  const byPosition = new Float32Array(positions * c * count);
  const norms = new Float32Array(positions * count);
  for (let r = 0; r < count; r++)
    for (let k = 0; k < c; k++)
      for (let p = 0; p < positions; p++) {
        const v = ref.padded[(r * c + k) * positions + p];
        byPosition[layout === 'ref-rows' ? (p * count + r) * c + k : (p * c + k) * count + r] = v;
        norms[p * count + r] = Math.fround(norms[p * count + r] + v * v);
      }
  const dims = layout === 'ref-rows' ? [positions, count, c] : [positions, c, count];
  const refs = ref.half ? g.constantFloat16(byPosition, dims, name) : g.constant(byPosition, dims, name);
  const refNorms = g.constant(norms, [positions, 1, count], `${name}.norms`);
  if (ref.projection)
    pooled = g.op(
      'Conv',
      [pooled, g.constant(ref.projection.matrix, [c, ref.projection.from, 1, 1], `${name}.projection`)],
      {
        kernel_shape: [1, 1],
      },
    );
  const shifts: [number, number][] = [];
  for (let dy = 0; dy <= 2 * reach; dy++) for (let dx = 0; dx <= 2 * reach; dx++) shifts.push([dy, dx]);
  // Each shift puts query (y, x) at padded (y + dy, x + dx), beside the reference patch it is compared with there.
  // The query is put in the MatMul's layout once, before the shifts (positions first, images last), so the
  // shifted copies concatenate straight into it: transposing the 9x larger shifted stack instead cost 2.1 of
  // 16.6 ms per image (fine-profile.ts). Same values in the same places, so the same MatMul and distances.
  const refRows = layout === 'ref-rows';
  const laid = g.op('Transpose', [pooled], { perm: refRows ? [2, 3, 1, 0] : [2, 3, 0, 1] }); // [h, w, c, N] | [h, w, N, c]
  const moved = shifts.map(([dy, dx]) =>
    g.op('Pad', [laid, i64(dy, dx, 0, 0, 2 * reach - dy, 2 * reach - dx, 0, 0)], { mode: 'constant' }),
  );
  // Shift-major along the image axis: column s·N + n is image n under shift s.
  const all = moved.length === 1 ? moved[0] : g.op('Concat', moved, { axis: refRows ? 3 : 2 });
  let nearest: string; // [P, S*N]
  if (refRows) {
    const q = g.op('Reshape', [all, i64(positions, c, -1)]); // [P, c, S*N]
    const qn = g.op('ReduceSum', [g.op('Mul', [q, q]), i64(1)], { keepdims: 1 }); // [P, 1, S*N]
    const dot = g.op('MatMul', [refs, q]); // [P, R, S*N]
    const rn = g.op('Transpose', [refNorms], { perm: [0, 2, 1] }); // [P, R, 1]
    const d2 = g.op('Sub', [g.op('Add', [qn, rn]), g.op('Mul', [dot, g.constant(new Float32Array([2]), [])])]);
    nearest = g.op('ReduceMin', [d2], { axes: [1], keepdims: 0 });
  } else {
    const q = g.op('Reshape', [all, i64(positions, -1, c)]); // [P, S*N, c]
    const qn = g.op('ReduceSum', [g.op('Mul', [q, q]), i64(2)], { keepdims: 1 }); // [P, S*N, 1]
    const dot = g.op('MatMul', [q, refs]); // [P, S*N, R]
    const d2 = g.op('Sub', [g.op('Add', [qn, refNorms]), g.op('Mul', [dot, g.constant(new Float32Array([2]), [])])]);
    nearest = g.op('ReduceMin', [d2], { axes: [2], keepdims: 0 });
  }
  const grid = g.op('Reshape', [g.op('Transpose', [nearest], { perm: [1, 0] }), i64(shifts.length, -1, ph, pw)]);
  const mins = shifts.map(([dy, dx], s) =>
    g.op('Slice', [grid, i64(s, dy, dx), i64(s + 1, dy + h, dx + w), i64(0, 2, 3)]),
  ); // [1, N, h, w] each
  const best = mins.length === 1 ? mins[0] : g.op('Min', mins);
  // Rounding can take a near-zero d² below 0.
  const d = g.op('Sqrt', [g.op('Max', [best, g.constant(new Float32Array([0]), [])])]);
  return g.op('Reshape', [d, g.op('Concat', [n, i64(-1)], { axis: 0 })]);
}

/**
 * How the search's MatMul lays out its operands. 'query-rows': queries [P, S*N, c] times references [P, c, R] (the
 * layout up to 1.0.0+b2a8bbbe). 'ref-rows': references [P, R, c] times queries [P, c, S*N]: onnxruntime's CPU
 * MatMul repacks its right-hand operand on every run, so the large constant goes on the left (search-cost.ts).
 */
export type SearchLayout = 'query-rows' | 'ref-rows';

/** A backend key per reference (a session holds its references as constants). */
const searchKeys = new WeakMap<PositionalReference, string>();
let searchCount = 0;
/** Images per search run: this many values over R·c·h·w (the run's intermediates are smaller than that). */
const SEARCH_VALUES = 16e6;

/**
 * positionalDistances on feature maps [n, c, h, w] (not yet 3x3-averaged), run by the backend with the
 * exported graph's own nodes (the same AveragePool and addPositional as the head), a few images per run.
 * What fits and scoring use: onnxruntime runs it several times faster than the plain loops, and in-memory
 * scores then equal the written model's. `runValues` bounds one run's largest intermediate. Returns [n*h*w].
 */
export async function searchPositional(
  be: ComputeBackend,
  maps: FeatureMaps,
  ref: PositionalReference,
  runValues = SEARCH_VALUES,
): Promise<Float32Array> {
  const { h, w } = ref;
  const c = ref.projection?.from ?? ref.c;
  if (maps.c !== c || maps.h !== h || maps.w !== w)
    throw new XrayError('INTERNAL', `[${maps.c},${maps.h},${maps.w}] maps for a [${c},${h},${w}] reference`);
  let key = searchKeys.get(ref);
  if (!key) searchKeys.set(ref, (key = `positional_search_${++searchCount}`));
  const build = () => {
    const g = new GraphBuilder('positional_search');
    const x = g.input('x', ['N', c, h, w]);
    const pooled = g.op('AveragePool', [x], {
      kernel_shape: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      count_include_pad: 0,
    });
    const n = g.op('Slice', [
      g.op('Shape', [x]),
      g.constant(new BigInt64Array([0n]), [1]),
      g.constant(new BigInt64Array([1n]), [1]),
    ]);
    g.op('Identity', [addPositional(g, pooled, ref, n)], {}, 'd');
    g.output('d', ['N', h * w]);
    return g.toBytes({ opset: 17 });
  };
  const per = c * h * w;
  const step = Math.max(1, Math.floor(runValues / (ref.count * per)));
  const out = new Float32Array(maps.n * h * w);
  for (let s = 0; s < maps.n; s += step) {
    const e = Math.min(maps.n, s + step);
    const r = await be.run(key, build, { x: f32(maps.data.subarray(s * per, e * per), [e - s, c, h, w]) });
    out.set(r.d.data as Float32Array, s * h * w);
  }
  return out;
}
