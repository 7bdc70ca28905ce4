/**
 * PatchCore's memory bank: the patch rows of the normal images, reduced to a coreset, and the anomaly map
 * as each patch's distance to its nearest bank row. Optionally all rows are first projected to a smaller
 * random basis (kept with the bank, so scoring projects the same way); the projection makes both the
 * coreset selection and scoring cheaper.
 */
import { XrayError } from '../errors';
import { type ComputeBackend, type Matrix, matrix, selectRows } from './compute';
import { greedyCoreset } from './coreset';
import { type BankCentring, bankCentring, matmul, nearestNeighbours } from './ops';
import { gaussianRng, mulberry32, sampleIndices } from './random';

export interface MemoryBankOptions {
  /** Fraction of patch rows kept, (0, 1]. */
  coresetRatio: number;
  /**
   * The bank keeps at least this many rows (all of them when there are fewer). The ratio is tuned for
   * big fits; on a small one it leaves a bank too sparse to tell a lesion from an ordinary patch (every
   * patch is far from a 20-row bank, so the map is flat).
   */
  minRows?: number;
  /** 'greedy' (k-center, PatchCore) or 'random' sampling. */
  sampling?: 'greedy' | 'random';
  /** Project rows to this many dimensions before everything (0 = keep full width). */
  projectTo?: number;
  /** Projection used inside the greedy selection only (PatchCore: 128). */
  selectionProjectTo?: number;
  seed?: number;
  /** Checked between coreset steps; abort -> CANCELLED. */
  signal?: AbortSignal;
  /** Coreset selection progress, 0..1. */
  onProgress?: (fraction: number) => void;
  /** Keep the greedy selection's state on the bank (`selection`), for cross-fitting. */
  keepSelection?: boolean;
}

export interface MemoryBank {
  /** [m, d] bank rows (projected when `projection` is set). */
  bank: Matrix;
  /** Bank mean and centred squared norms, for the search (see nearest.ts). */
  centring: BankCentring;
  /** [C, d] projection applied to patch rows before the search, or undefined. */
  projection?: Matrix;
  /**
   * For each bank row, the row of the fitted patch matrix it was taken from (so calibration can tell
   * which image a row came from). Only at fit time: not exported.
   */
  sourceRows?: Int32Array;
  /**
   * Fit time only, when asked for (keepSelection) and the bank is a greedy coreset: the projection the
   * selection measured distances after (applied to bank-space rows; none: the rows themselves), each
   * row's squared distance there to its nearest bank row, and that row's index — what crossfit.ts needs
   * to repair the selection without one group's rows. The projected rows themselves are not kept (a
   * third of the patch rows' memory): the repair projects the few rows it needs again.
   */
  selection?: { projection?: Matrix; coverage2: Float32Array; assign: Int32Array };
}

export function randomProjection(inDim: number, outDim: number, seed: number): Matrix {
  const g = gaussianRng(mulberry32(seed ^ 0x5bd1e995));
  return matrix(
    inDim,
    outDim,
    Float32Array.from({ length: inDim * outDim }, () => g() / Math.sqrt(outDim)),
  );
}

export async function buildMemoryBank(
  be: ComputeBackend,
  patches: Matrix,
  opts: MemoryBankOptions,
): Promise<MemoryBank> {
  if (!(opts.coresetRatio > 0 && opts.coresetRatio <= 1))
    throw new XrayError('INTERNAL', `coreset ratio must be in (0, 1], got ${opts.coresetRatio}`);
  const seed = opts.seed ?? 0;
  const projection =
    opts.projectTo && opts.projectTo < patches.cols ? randomProjection(patches.cols, opts.projectTo, seed) : undefined;
  const rows = projection ? await matmul(be, patches, projection) : patches;
  const count = bankRowCount(rows.rows, opts);
  let idx: ArrayLike<number>;
  let selection: MemoryBank['selection'];
  if (count >= rows.rows) idx = Array.from({ length: rows.rows }, (_, i) => i);
  else if (opts.sampling === 'random') idx = sampleIndices(rows.rows, count, mulberry32(seed));
  else {
    const c = await greedyCoreset(be, rows, count, {
      projectTo: opts.selectionProjectTo ?? 128,
      seed,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    idx = c.indices;
    if (opts.keepSelection)
      selection = { ...(c.projection ? { projection: c.projection } : {}), coverage2: c.coverage2, assign: c.assign };
  }
  const bank = selectRows(rows, idx);
  return {
    bank,
    centring: bankCentring(bank),
    projection,
    sourceRows: Int32Array.from(idx),
    ...(selection ? { selection } : {}),
  };
}

/** Rows a bank built from `patches` rows keeps. */
export function bankRowCount(patches: number, opts: Pick<MemoryBankOptions, 'coresetRatio' | 'minRows'>): number {
  const minRows = opts.minRows ?? 0;
  if (!(Number.isInteger(minRows) && minRows >= 0))
    throw new XrayError('INTERNAL', `the minimum memory-bank size must be a whole number >= 0, got ${minRows}`);
  return Math.min(patches, Math.max(1, Math.round(patches * opts.coresetRatio), minRows));
}

/** Euclidean distance of every patch row to its nearest bank row (the exported head computes the same). */
export async function patchDistances(be: ComputeBackend, mb: MemoryBank, patches: Matrix): Promise<Float32Array> {
  const q = mb.projection ? await matmul(be, patches, mb.projection) : patches;
  const nn = await nearestNeighbours(be, q, mb.bank, 1, { centring: mb.centring });
  return nn.dist2.map(Math.sqrt);
}

/** Mean of each image's map (pneumonia is diffuse, so the mean beats max/top-k here). */
export function meanPerImage(perPatch: Float32Array, patchesPerImage: number): Float32Array {
  const n = perPatch.length / patchesPerImage;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < patchesPerImage; p++) s += perPatch[i * patchesPerImage + p];
    out[i] = s / patchesPerImage;
  }
  return out;
}
