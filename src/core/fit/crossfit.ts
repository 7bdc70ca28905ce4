/**
 * Cross-fitted calibration scores: each calibration image is scored by a detector fitted WITHOUT its
 * group (its patient, where file names tell it), so its score is an honest "unseen normal" score, while
 * the model that is shipped is fitted on every image. This is the cross-validation analogue of split
 * conformal calibration (Barber et al. 2021, "Predictive inference with the jackknife+"; for anomaly
 * detection, Hennhöfer & Preisach 2024): a held-out split spends images on calibration that the detector
 * never learns from, and on a folder of a dozen images leaves a threshold from two scores.
 *
 *  - Global part: the Gaussian is refitted (mean, covariance, Ledoit-Wolf shrinkage: the whole
 *    estimator) on all images but one fold of calibration groups, and scores that fold. Folds are as
 *    many as it takes for each refit to miss at most 5% of the images (so its scores are at most
 *    slightly pessimistic), at least 10 and at most `maxFolds`, and never more than the groups: a dozen
 *    images is leave-one-group-out, 100 images 20 folds, 400 or more 10 folds.
 *  - Local part: a patch's score is its distance to the memory bank a fit without its group would have
 *    selected: the fitted bank less the group's rows, repaired by continuing the farthest-first
 *    selection over the other groups' patches (leaveGroupOutDistances says why the repair matters).
 *    That costs a fraction of one coreset selection in all, where refitting the bank per group or fold
 *    would cost one selection each. While the bank holds every training patch it is exact.
 *
 * Scoring every image costs one nearest-neighbour pass over the folder, which for big folders is more
 * than the coreset selection itself; so at most `maxImages` images (whole groups, seeded) are scored —
 * as many as a held-out split of big folders had, while the model still learns from all of them.
 */
import { XrayError } from '../errors';
import { type ComputeBackend, type Matrix, matrix, selectRows } from './compute';
import { extendGreedy } from './coreset';
import { type GaussianOptions, fitGaussian, gaussianScores } from './gaussian';
import { matmul, nearestNeighbours } from './ops';
import { type MemoryBankOptions, type MemoryBank, bankRowCount, meanPerImage } from './patchcore';
import { mulberry32, sampleIndices } from './random';
import { groupFolds, groupedHoldout } from './split';

export interface CrossFitOptions {
  /** Most images scored (default 200); whole groups, chosen with `seed`. */
  maxImages?: number;
  /** Most Gaussian refits (default 20). */
  maxFolds?: number;
}

export const DEFAULT_CROSS_FIT: Required<CrossFitOptions> = { maxImages: 200, maxFolds: 20 };

export interface CrossFitInput {
  /** [n, 2C] pooled features of the training images, when the recipe has a global part. */
  pooled?: Matrix;
  gaussian?: GaussianOptions;
  /**
   * [n * patchesPerImage, C] patch rows and the bank fitted on them (with `sourceRows`, and `selection`
   * when greedy), for the local part, and the options it was built with (for the size of a bank
   * fitted without one group).
   */
  patches?: Matrix;
  bank?: MemoryBank;
  bankOptions?: Pick<MemoryBankOptions, 'coresetRatio' | 'minRows'>;
  patchesPerImage: number;
  /** Group of each training image (n labels). */
  groups: readonly string[];
  seed: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface CrossFitted {
  /** Training images scored (indices, ascending). */
  images: Int32Array;
  global?: Float32Array;
  local?: Float32Array;
  /** Patch distances of the scored images, image after image. */
  maps?: Float32Array;
  /** Gaussian refits. */
  folds: number;
  /** Groups among the scored images. */
  groups: number;
}

/** Gaussian refits for `scored` of `images` images in `groups` groups (see the header: at most 5% left out). */
export function foldCount(
  images: number,
  scored: number,
  groups: number,
  maxFolds = DEFAULT_CROSS_FIT.maxFolds,
): number {
  return Math.min(groups, maxFolds, Math.max(10, Math.ceil(scored / (0.05 * images))));
}

/** Bank rows a group may own before its patches are searched against the bank without them. */
const SHARED_SEARCH_K = 16;

export async function crossFittedScores(
  be: ComputeBackend,
  input: CrossFitInput,
  opts: CrossFitOptions = {},
): Promise<CrossFitted> {
  const maxImages = opts.maxImages ?? DEFAULT_CROSS_FIT.maxImages;
  const maxFolds = opts.maxFolds ?? DEFAULT_CROSS_FIT.maxFolds;
  const n = input.groups.length;
  const groupNames = [...new Set(input.groups)];
  if (groupNames.length < 2)
    throw new XrayError('INTERNAL', `cross-fitting needs images of at least 2 groups, got ${groupNames.length}`);
  if (input.pooled && input.pooled.rows !== n)
    throw new XrayError('INTERNAL', `${input.pooled.rows} pooled rows for ${n} images`);
  if (input.patches && input.patches.rows !== n * input.patchesPerImage)
    throw new XrayError('INTERNAL', `${input.patches.rows} patch rows for ${n} images`);
  if (input.patches && (!input.bank?.sourceRows || !input.bankOptions))
    throw new XrayError('INTERNAL', "cross-fitting the local part needs the bank rows' sources and the bank options");

  const all = Array.from({ length: n }, (_, i) => i);
  const groupOf = (i: number) => input.groups[i];
  // The scored images: whole groups; all of them unless there are more than maxImages.
  const chosen = n <= maxImages ? all : groupedHoldout(all, groupOf, maxImages, input.seed ^ 0x3c6ef372).held;
  const images = Int32Array.from(chosen);
  const scoredGroups = new Set(chosen.map(groupOf)).size;
  if (scoredGroups < 2)
    throw new XrayError('INTERNAL', 'cross-fitting needs at least 2 groups among the scored images');
  const k = foldCount(n, chosen.length, scoredGroups, maxFolds);

  // Progress: the Gaussian refits first, then the bank searches, each part its share of 0..1.
  const parts = (input.pooled ? 1 : 0) + (input.patches ? 1 : 0);
  let partsDone = 0;
  const progress = (f: number) => input.onProgress?.(Math.min(1, (partsDone + f) / parts));
  const checkAbort = () => {
    if (input.signal?.aborted) throw new XrayError('CANCELLED', 'Fitting was cancelled.');
  };

  const out: CrossFitted = { images, folds: input.pooled ? k : 0, groups: scoredGroups };
  if (input.pooled) {
    const folds = groupFolds(chosen, groupOf, k, input.seed ^ 0x7f4a7c15);
    const global = new Float32Array(chosen.length);
    const inFold = new Int32Array(n).fill(-1);
    chosen.forEach((img, j) => (inFold[img] = folds[j]));
    for (let f = 0; f < k; f++) {
      checkAbort();
      const train = all.filter((i) => inFold[i] !== f);
      const test = chosen.map((img, j) => ({ img, j })).filter(({ j }) => folds[j] === f);
      if (train.length < 2)
        throw new XrayError('INTERNAL', `a cross-fitting fold leaves ${train.length} images to fit the Gaussian on`);
      const g = await fitGaussian(be, selectRows(input.pooled, train), input.gaussian);
      const s = await gaussianScores(
        be,
        g,
        selectRows(
          input.pooled,
          test.map((t) => t.img),
        ),
      );
      test.forEach((t, i) => (global[t.j] = s[i]));
      progress((f + 1) / k);
    }
    out.global = global;
    partsDone++;
  }
  if (input.patches && input.bank) {
    const maps = await leaveGroupOutDistances(be, input, chosen, checkAbort, progress);
    out.maps = maps;
    out.local = meanPerImage(maps, input.patchesPerImage);
  }
  return out;
}

/**
 * Each chosen image's patch distances to the memory bank a fit without its group would have built:
 *
 *  1. the fitted bank less the group's own rows: the nearest of those is found exactly — groups owning
 *     fewer than SHARED_SEARCH_K rows share one search of the whole bank for that many neighbours (at
 *     least one is foreign, and the first foreign one is the nearest); a group owning more (small fits,
 *     where the bank holds every patch) is searched against the bank without its rows;
 *  2. plus the rows such a fit would have selected in their place. The bank less a group's rows has holes
 *     exactly where that group's patches were unusual (farthest-first selection picks them), and those
 *     holes make its patches look far: on 100 chest X-rays (1000-row bank) the local scores of the left-out
 *     patients averaged 4.719 against 4.659 for 300 new patients (sd 0.17), and 0.056 above a bank
 *     selected afresh without the patient (25 patients checked); repaired, 4.671, and 0.008 above.
 *     So the selection is repaired: rows that had their nearest bank row in the group get their distance
 *     to the remaining rows, and the farthest-first rule continues over the other groups' rows until
 *     the bank has the size a fit without the group would have (bankRowCount). Random banks are refilled
 *     at random; a bank that holds every patch needs nothing (it is then exactly the fit without it).
 */
async function leaveGroupOutDistances(
  be: ComputeBackend,
  input: CrossFitInput,
  chosen: number[],
  checkAbort: () => void,
  progress: (fraction: number) => void,
): Promise<Float32Array> {
  const mb = input.bank!;
  const patches = input.patches!;
  const hw = input.patchesPerImage;
  const groupIndex = new Map<string, number>();
  const gid = Int32Array.from(input.groups, (g) => {
    if (!groupIndex.has(g)) groupIndex.set(g, groupIndex.size);
    return groupIndex.get(g)!;
  });
  const groupOfRow = (r: number) => gid[Math.floor(r / hw)];
  const rowGroup = Int32Array.from(mb.sourceRows!, groupOfRow);
  const owned = new Int32Array(groupIndex.size);
  for (const g of rowGroup) owned[g]++;
  const imagesOf = new Int32Array(groupIndex.size);
  for (const g of gid) imagesOf[g]++;
  const m = mb.bank.rows;
  const k = Math.min(SHARED_SEARCH_K, m);

  // Queries (projected like the bank), image after image.
  const q = await projectRows(be, mb, selectImageRows(patches, chosen, hw));
  const maps = new Float32Array(chosen.length * hw);
  const shared: number[] = [];
  const byGroup = new Map<number, number[]>();
  chosen.forEach((img, j) => {
    const g = gid[img];
    if (owned[g] < k) shared.push(j);
    if (byGroup.has(g)) byGroup.get(g)!.push(j);
    else byGroup.set(g, [j]);
  });
  const owning = [...byGroup.keys()].filter((g) => owned[g] > 0);
  // Progress in images searched: the shared search, the groups searched alone, the repaired groups.
  const imagesIn = (gs: number[]) => gs.reduce((a, g) => a + byGroup.get(g)!.length, 0);
  const work = shared.length + imagesIn([...byGroup.keys()].filter((g) => owned[g] >= k)) + imagesIn(owning);
  let done = 0;
  const did = (images: number) => progress(work ? (done += images) / work : 1);

  // 1. Nearest row of the fitted bank outside the group.
  checkAbort();
  if (shared.length) {
    const nn = await nearestNeighbours(be, selectImageRows(q, shared, hw), mb.bank, k, { centring: mb.centring });
    shared.forEach((j, s) => {
      const own = gid[chosen[j]];
      for (let p = 0; p < hw; p++) {
        const row = (s * hw + p) * k;
        let t = 0;
        while (rowGroup[nn.index[row + t]] === own) t++; // t < k: the group owns fewer than k rows
        maps[j * hw + p] = Math.sqrt(nn.dist2[row + t]);
      }
    });
    did(shared.length);
  }
  for (const [g, js] of byGroup) {
    if (owned[g] < k) continue;
    checkAbort();
    const keep: number[] = [];
    for (let r = 0; r < m; r++) if (rowGroup[r] !== g) keep.push(r);
    if (keep.length === 0)
      throw new XrayError('INTERNAL', 'every memory-bank row comes from one group: nothing to cross-fit against');
    // Same centre as the full bank (distances do not depend on it; only rounding does).
    const centredSq = Float32Array.from(keep, (r) => mb.centring.centredSq[r]);
    const nn = await nearestNeighbours(be, selectImageRows(q, js, hw), selectRows(mb.bank, keep), 1, {
      centring: { centre: mb.centring.centre, centredSq },
    });
    js.forEach((j, s) => {
      for (let p = 0; p < hw; p++) maps[j * hw + p] = Math.sqrt(nn.dist2[s * hw + p]);
    });
    did(js.length);
  }

  // 2. The rows a fit without the group would have selected instead of the group's own.
  const refills = owning
    .map((g) => ({ g, count: bankRowCount(patches.rows - imagesOf[g] * hw, input.bankOptions!) - (m - owned[g]) }))
    .filter((r) => r.count > 0);
  const orphans = mb.selection
    ? await orphanDistances(
        be,
        input,
        refills.map((r) => r.g),
        groupOfRow,
        rowGroup,
        owned,
        k,
      )
    : undefined;
  // Rows from the farthest from the bank to the nearest (the refill's candidates come from the top).
  const byCoverage = mb.selection
    ? Int32Array.from(mb.selection.coverage2.keys()).sort(
        (a, b) => mb.selection!.coverage2[b] - mb.selection!.coverage2[a],
      )
    : new Int32Array(0);
  for (const g of owning) {
    checkAbort();
    const js = byGroup.get(g)!;
    const count = refills.find((r) => r.g === g)?.count ?? 0;
    const added =
      count > 0 ? await refillRows(be, input, g, groupOfRow, count, orphans?.get(g), byCoverage) : new Int32Array(0);
    if (added.length) {
      const rows = await projectRows(be, mb, selectRows(patches, added));
      const nn = await nearestNeighbours(be, selectImageRows(q, js, hw), rows, 1);
      js.forEach((j, s) => {
        for (let p = 0; p < hw; p++) maps[j * hw + p] = Math.min(maps[j * hw + p], Math.sqrt(nn.dist2[s * hw + p]));
      });
    }
    did(js.length);
  }
  return maps;
}

/**
 * For each group in `groups`: the rows of other groups whose nearest bank row (in the greedy
 * selection's space) is one of the group's, with their squared distance to the nearest bank row that is
 * not. One search for all groups owning fewer than `k` rows (the first foreign of k neighbours is the
 * nearest foreign row), one per group owning more.
 */
async function orphanDistances(
  be: ComputeBackend,
  input: CrossFitInput,
  groups: number[],
  groupOfRow: (r: number) => number,
  rowGroup: Int32Array,
  owned: Int32Array,
  k: number,
): Promise<Map<number, { rows: number[]; dist2: Float32Array }>> {
  const mb = input.bank!;
  const sel = mb.selection!;
  const space = (rows: ArrayLike<number>) => selectionRows(be, input, rows);
  const wanted = new Set(groups);
  const rowsOf = new Map<number, number[]>(groups.map((g) => [g, []]));
  for (let r = 0; r < sel.assign.length; r++) {
    const g = groupOfRow(sel.assign[r]);
    if (wanted.has(g) && groupOfRow(r) !== g) rowsOf.get(g)!.push(r);
  }
  const bank = await space(mb.sourceRows!);
  const out = new Map<number, { rows: number[]; dist2: Float32Array }>();
  const few = groups.filter((g) => owned[g] < k && rowsOf.get(g)!.length);
  const all = few.flatMap((g) => rowsOf.get(g)!);
  if (all.length) {
    const nn = await nearestNeighbours(be, await space(all), bank, k);
    let i = 0;
    for (const g of few) {
      const rows = rowsOf.get(g)!;
      const dist2 = new Float32Array(rows.length);
      for (let j = 0; j < rows.length; j++, i++) {
        let t = 0;
        while (rowGroup[nn.index[i * k + t]] === g) t++;
        dist2[j] = nn.dist2[i * k + t];
      }
      out.set(g, { rows, dist2 });
    }
  }
  for (const g of groups) {
    const rows = rowsOf.get(g)!;
    if (owned[g] < k || rows.length === 0) continue;
    const kept = Int32Array.from(mb.sourceRows!.filter((_, i) => rowGroup[i] !== g));
    const nn = await nearestNeighbours(be, await space(rows), await space(kept), 1);
    out.set(g, { rows, dist2: nn.dist2 });
  }
  return out;
}

/** Rows (patch-matrix indices, none of group g's, none in the bank) that replace g's bank rows. */
async function refillRows(
  be: ComputeBackend,
  input: CrossFitInput,
  g: number,
  groupOfRow: (r: number) => number,
  count: number,
  orphans: { rows: number[]; dist2: Float32Array } | undefined,
  byCoverage: Int32Array,
): Promise<Int32Array> {
  const mb = input.bank!;
  const sel = mb.selection;
  const total = input.patches!.rows;
  if (!sel) {
    // A random bank: a random sample of the rows that are neither the group's nor already in the bank.
    const inBank = new Uint8Array(total);
    for (const r of mb.sourceRows!) inBank[r] = 1;
    const pool: number[] = [];
    for (let r = 0; r < total; r++) if (!inBank[r] && groupOfRow(r) !== g) pool.push(r);
    return Int32Array.from(
      sampleIndices(pool.length, Math.min(count, pool.length), mulberry32(input.seed ^ (g + 1))),
      (i) => pool[i],
    );
  }
  const orphanRows = orphans?.rows ?? [];
  const isOrphan = new Uint8Array(total);
  for (const r of orphanRows) isOrphan[r] = 1;
  // Candidates: the orphans and the other groups' rows farthest from the bank. A row left out is at
  // most `tau` from the bank and distances only fall as rows are added, so if a candidate is still
  // farther than tau once the refill is done, every row it picked was farther than any row left out:
  // the same picks as over all rows, at a fraction of the cost (big fits have hundreds of thousands of
  // rows; a refill needs a few). Otherwise, rarely, it runs over all rows.
  const want = 256 + 16 * count;
  const cand: number[] = [...orphanRows];
  const candMind: number[] = [...(orphans?.dist2 ?? [])];
  let tau = -Infinity;
  for (const r of byCoverage) {
    if (isOrphan[r] || groupOfRow(r) === g) continue;
    if (cand.length - orphanRows.length < want) {
      cand.push(r);
      candMind.push(sel.coverage2[r]);
    } else {
      tau = sel.coverage2[r];
      break;
    }
  }
  const candAvailable = candMind.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
  if (candAvailable >= count || tau <= 0) {
    if (candAvailable === 0) return new Int32Array(0);
    const ext = await extendGreedy(be, await selectionRows(be, input, cand), Math.min(count, candAvailable), {
      mind: Float32Array.from(candMind),
      chunk: count,
    });
    let farthest = -Infinity;
    for (const v of ext.coverage2) if (v > farthest) farthest = v;
    if (tau <= 0 || farthest > tau) return Int32Array.from(ext.indices, (i) => cand[i]);
  }
  const mind = Float32Array.from(sel.coverage2);
  for (let r = 0; r < total; r++) if (groupOfRow(r) === g) mind[r] = -Infinity; // never selected
  orphanRows.forEach((r, i) => (mind[r] = orphans!.dist2[i]));
  let available = 0;
  for (const v of mind) if (v > 0) available++;
  if (available === 0) return new Int32Array(0);
  const { indices } = await extendGreedy(be, await selectionRows(be, input, 'all'), Math.min(count, available), {
    mind,
    chunk: count,
  });
  return indices;
}

/** Patch rows (by index) in the greedy selection's space: the bank's space, then the selection's projection. */
async function selectionRows(
  be: ComputeBackend,
  input: CrossFitInput,
  rows: ArrayLike<number> | 'all',
): Promise<Matrix> {
  const mb = input.bank!;
  const x = await projectRows(be, mb, rows === 'all' ? input.patches! : selectRows(input.patches!, rows));
  const w = mb.selection?.projection;
  return w ? matmul(be, x, w) : x;
}

/** The rows of the given images (each `hw` consecutive rows), in that order. */
function selectImageRows(x: Matrix, images: ArrayLike<number>, hw: number): Matrix {
  const out = matrix(images.length * hw, x.cols);
  for (let j = 0; j < images.length; j++)
    out.data.set(x.data.subarray(images[j] * hw * x.cols, (images[j] + 1) * hw * x.cols), j * hw * x.cols);
  return out;
}

async function projectRows(be: ComputeBackend, mb: MemoryBank, x: Matrix): Promise<Matrix> {
  return mb.projection ? matmul(be, x, mb.projection) : x;
}
