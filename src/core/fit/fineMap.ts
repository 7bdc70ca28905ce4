/**
 * A finer position-aware map added to the map the viewer shows (issue 12; docs/experiments/local-evidence.md).
 * The shipped map is PatchCore's at the detector's tap (block 10, stride 16): each patch against normal
 * patches from anywhere. At a finer tap (block 6, stride 8) and compared only with reference normals' patches
 * at the same place (positional.ts), the map's hottest cell lands on a planted anomaly covering >= 1% of the
 * image in 85-88% of cases instead of 75%: small metal, fractures and soft blobs gain most.
 *
 * The shown map is then, on the fine grid: the tap's centred map (each cell repeated f x f times, f the ratio
 * of the two grids) + the fine map's per-position standard score; standardised, thresholded and scaled for
 * display as the tap's map alone was (calibrate.ts). The image score does not read it.
 *
 * The references are a seeded reservoir sample of the training images, so the fine rows of all training
 * images (1,000 images of 28x28x192 floats: 600 MB) are never held.
 */
import { XrayError } from '../errors';
import type { GraphBuilder } from '../onnx/builder';
import type { ComputeBackend } from './compute';
import { type FeatureMaps, patchRows } from './features';
import { symmetricEigen } from './linalg';
import { type LocalContrastOptions, contrastTapName } from './localContrast';
import { type PositionalReference, layOutReference, projectRows } from './positional';
import { mulberry32, type Rng } from './random';

export interface FineMapOptions {
  /** The backbone tensor [N, C, f*h, f*w] the map is computed on (a whole multiple f of the tap's grid). */
  tap: string;
  /** Reference images (a seeded sample of the training images). */
  refs: number;
  /** Cells a reference patch may be off the query's position. */
  reach: number;
  /**
   * Channels kept for the search (absent: all): the reference patches' leading principal directions. The search
   * reads every reference value once per image, so its cost follows the references' size.
   */
  project?: number;
  /**
   * The tap's channels plus its cells' local grey-level contrast (localContrast.ts), searched together; absent
   * in recipes of older models.
   */
  contrast?: LocalContrastOptions;
}

/** The backbone tensor the fine map reads: the tap, or the tap with its contrast channels appended. */
export function fineSourceTap(f: FineMapOptions): string {
  return f.contrast ? contrastTapName(f.tap) : f.tap;
}

/** How many times finer the fine grid is than the tap's ([h, w] -> [f*h, f*w]); throws when not whole and equal. */
export function fineFactor(coarse: { h: number; w: number }, fine: { h: number; w: number }): number {
  const f = fine.h / coarse.h;
  if (!(Number.isInteger(f) && f >= 1 && fine.w === f * coarse.w))
    throw new XrayError(
      'MODEL_INPUT_MISMATCH',
      `the fine map's ${fine.w}x${fine.h} grid is not a whole multiple of the tap's ${coarse.w}x${coarse.h}`,
    );
  return f;
}

/**
 * A seeded reservoir sample (Algorithm R) of `size` images' 3x3-averaged patch rows, fed batch by batch in a
 * fixed order: the same images and seed give the same sample, whatever the batch sizes.
 */
export class FineReservoir {
  private readonly kept: Float32Array[] = [];
  private seen = 0;
  private readonly rng: Rng;
  private shape?: { c: number; h: number; w: number };

  constructor(
    private readonly size: number,
    seed: number,
  ) {
    if (!(Number.isInteger(size) && size >= 1))
      throw new XrayError('INTERNAL', `a fine-map reference needs at least 1 image, got ${size}`);
    this.rng = mulberry32(seed ^ 0xf17e);
  }

  get images(): number {
    return this.seen;
  }

  async add(be: ComputeBackend, maps: FeatureMaps): Promise<void> {
    if (maps.n === 0) return;
    const { c, h, w } = maps;
    if (!this.shape) this.shape = { c, h, w };
    else if (this.shape.c !== c || this.shape.h !== h || this.shape.w !== w)
      throw new XrayError('MODEL_INPUT_MISMATCH', `fine feature maps differ in shape: [${c},${h},${w}]`);
    const per = h * w * c;
    let rows: Float32Array | undefined;
    for (let i = 0; i < maps.n; i++, this.seen++) {
      const slot = this.seen < this.size ? this.seen : Math.floor(this.rng() * (this.seen + 1));
      if (slot >= this.size) continue;
      // Only batches with a picked image are averaged (most are skipped once the reservoir is full).
      rows ??= (await patchRows(be, maps)).data;
      this.kept[slot] = rows.slice(i * per, (i + 1) * per);
    }
  }

  /**
   * The sample laid out for the search (positional.ts), padded by `reach`, in half precision: 60 references at
   * block 6 are 41 MB of float32 in the model file, 21 MB of float16; on `project` 64 of the 192 channels, 6.9 MB.
   */
  reference(reach: number, project?: number): PositionalReference {
    if (!this.shape || this.kept.length === 0) throw new XrayError('INTERNAL', 'the fine-map reference has no images');
    const { c, h, w } = this.shape;
    if (!project || project >= c) return layOutReference(this.kept, this.shape, reach, true);
    const matrix = principalDirections(this.kept, c, project);
    const kept = this.kept.map((rows) => projectRows(rows, matrix, project, c));
    return { ...layOutReference(kept, { c: project, h, w }, reach, true), projection: { matrix, from: c } };
  }
}

/** The `k` leading principal directions of the rows ([m, c] each) as a float32 [k, c] matrix (row-major). */
export function principalDirections(images: readonly Float32Array[], c: number, k: number): Float32Array {
  const mean = new Float64Array(c);
  let m = 0;
  for (const rows of images)
    for (let i = 0; i < rows.length; i += c, m++) for (let j = 0; j < c; j++) mean[j] += rows[i + j];
  for (let j = 0; j < c; j++) mean[j] /= m;
  const cov = new Float64Array(c * c);
  const d = new Float64Array(c);
  for (const rows of images)
    for (let i = 0; i < rows.length; i += c) {
      for (let j = 0; j < c; j++) d[j] = rows[i + j] - mean[j];
      for (let a = 0; a < c; a++) {
        const da = d[a];
        for (let b = a; b < c; b++) cov[a * c + b] += da * d[b];
      }
    }
  for (let a = 0; a < c; a++) for (let b = 0; b < a; b++) cov[a * c + b] = cov[b * c + a];
  const { vectors } = symmetricEigen(cov, c);
  const out = new Float32Array(k * c);
  for (let j = 0; j < k; j++) for (let i = 0; i < c; i++) out[j * c + i] = vectors[i * c + j];
  return out;
}

/**
 * The shown map on the fine grid from the tap's centred map ([n, h*w]) and the fine map's standard scores
 * ([n, f*h * f*w]): each coarse cell repeated f x f times, plus the fine value. Float32 steps, as the graph's.
 */
export function addFineMaps(
  coarse: ArrayLike<number>,
  h: number,
  w: number,
  fine: ArrayLike<number>,
  f: number,
): Float32Array {
  const hw = h * w;
  const H = f * h;
  const W = f * w;
  const n = coarse.length / hw;
  if (!Number.isInteger(n) || fine.length !== n * H * W)
    throw new XrayError('INTERNAL', `${coarse.length} coarse and ${fine.length} fine map values do not match`);
  const out = new Float32Array(n * H * W);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const at = i * H * W + y * W + x;
        out[at] = Math.fround(coarse[i * hw + Math.floor(y / f) * w + Math.floor(x / f)] + fine[at]);
      }
  return out;
}

/**
 * The same in the graph: `coarse` [N, h*w] (centred), `fine` [N, H*W] (standard scores), `coarseShape` and
 * `fineShape` the [N, 1, h, w] and [N, 1, H, W] shape tensors. Nearest-neighbour Resize with asymmetric
 * coordinates and floor rounding repeats each cell exactly. Returns [N, H*W].
 */
export function addFineMapNodes(
  g: GraphBuilder,
  coarse: string,
  fine: string,
  coarseShape: string,
  fineShape: string,
  f: number,
  n: string,
): string {
  const grid = g.op('Reshape', [coarse, coarseShape]);
  const up = g.op('Resize', [grid, '', g.constant(new Float32Array([1, 1, f, f]), [4])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const sum = g.op('Add', [up, g.op('Reshape', [fine, fineShape])]);
  return g.op('Reshape', [sum, g.op('Concat', [n, g.constant(new BigInt64Array([-1n]), [1])], { axis: 0 })]);
}
