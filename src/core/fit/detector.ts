/**
 * The detector that research chose (docs/experiments/README.md), as reusable fitting and scoring steps on
 * backbone feature maps of ONE tap:
 *  - global: Ledoit-Wolf Gaussian of the per-channel mean and std of log(1 + activation) -> Mahalanobis
 *    distance (the strongest single score on chest X-rays);
 *  - local: PatchCore memory bank (3x3-averaged patch rows, greedy coreset) -> nearest-neighbour distance
 *    map (explains the score; its mean is the local score);
 *  - the image score is the sum of both, each standardised on the scores of normal images the detector
 *    did not see, and the threshold is a high order statistic of those scores (calibrate.ts). The unseen
 *    scores come from cross-fitting on the training images themselves (crossfit.ts: every image counts,
 *    for fitting and for calibration) or from a held-out set of images.
 * Getting pixels to feature maps (preprocessing, backbone) and writing the ONNX file are the caller's.
 */
import { XrayError } from '../errors';
import {
  type CalibrationMethod,
  calibrateFromUnseen,
  centreMaps,
  mapCentring,
  type MapCentring,
  type UnseenScores,
  weightEdges,
} from './calibrate';
import { combineScores, maxStandardised, type Standardiser, standardiser } from './combine';
import { type ComputeBackend, type Matrix, matrix, vstack } from './compute';
import { type CrossFitOptions, type CrossFitted, crossFittedScores } from './crossfit';
import { type FeatureMaps, meanStdPool, patchRows } from './features';
import { type FineMapOptions, FineReservoir, addFineMaps, fineFactor } from './fineMap';
import type { LocalContrastOptions } from './localContrast';
import { type GaussianModel, fitGaussian, gaussianScores } from './gaussian';
import { type MemoryBank, buildMemoryBank, meanPerImage, patchDistances } from './patchcore';
import { driftQuantiles } from '../scoring/drift';
import { resolveWorstPlace, type WorstPlaceOptions, type WorstPlacePart, worstPlaceScores } from './worstPlace';
import { type PositionalOptions, type PositionalReference, positionalReference, searchPositional } from './positional';

export interface DetectorRecipe {
  /** Backbone output the detector reads. */
  tap: string;
  global: {
    enabled: boolean;
    log1p: boolean;
    shrinkage: number | 'ledoit-wolf';
    weight: number;
    /**
     * Share of the feature map dropped on each side before pooling (rounded to whole cells; 0 = pool
     * everything). 0.2 pools the central 8x8 of a 14x14 map: on new patients' chest X-rays the statistics
     * of the central field generalise much better than the whole image's (docs/experiments/generalisation.md).
     * Absent in recipes of older models (= 0).
     */
    margin?: number;
  };
  local: {
    enabled: boolean;
    coresetRatio: number;
    /**
     * Memory-bank rows kept at least, however small the ratio makes it (all rows when there are fewer).
     * 1000 rows take ~2 ms per 196-patch image to search (one core), and change nothing for fits of
     * more than 100k patches (about 500 images at 14x14), where the ratio already keeps more.
     */
    minBankRows: number;
    sampling: 'greedy' | 'random';
    projectTo: number;
    selectionProjectTo: number;
    weight: number;
    /**
     * A third part: the worst place of the position-centred map (worstPlace.ts: the mean of its k highest
     * patches over the inner field), standardised and added with this weight. A small lesion moves a few
     * patches, which the map's mean and the pooled Gaussian wash out. With `gateQuantile` it only counts
     * above that quantile of the calibration normals' worst places. Absent in recipes of older models.
     */
    worst?: WorstPlacePart;
    /**
     * The map's weight on its outermost rings of cells (calibrate.ts weightEdges: [outer, next, ...]; absent =
     * 1): the viewer's hottest regions go to the body rather than the field's edges. The image score does
     * not use the centred map (unless `worst` is on). Absent in recipes of older models.
     */
    edgeWeights?: number[];
    /**
     * A fourth part: the worst place of a position-aware patch-distance map (positional.ts: each patch against
     * `refs` training images' patches at the same place, `reach` cells of slack), centred per position on the
     * calibration normals, standardised and added with `weight`. Needs held-out calibration images. Absent in
     * recipes of older models.
     */
    positional?: PositionalOptions & WorstPlaceOptions & { weight: number };
    /**
     * A position-aware map at a finer tap added to the shown map (fineMap.ts); the image score does not read
     * it. Needs held-out calibration images. Absent in recipes of older models.
     */
    fineMap?: FineMapOptions;
    /**
     * The image score also reads the fine map (needs `fineMap`): the worst place of the shown map (the mean of
     * its k highest cells, `inset` cells in from the sides), standardised on the calibration normals, and the
     * score is max(z of the parts' sum, that z − offset) (combine.ts maxStandardised). Images without such
     * focal evidence keep the parts' order; a planted disc or blob the whole-image parts wash out is lifted
     * (docs/experiments/local-evidence.md, round 5). Absent in recipes of older models.
     */
    fineScore?: FineScoreOptions;
  };
  /**
   * Share of normal images the threshold should let through (0.95: about 5% false alarms); the threshold
   * is the ⌈(n + 1)·q⌉-th smallest of n unseen normal scores (calibrate.ts).
   */
  thresholdQuantile: number;
  seed: number;
}

export const DEFAULT_RECIPE: DetectorRecipe = {
  tap: 'block_10_expand_relu',
  global: { enabled: true, log1p: true, shrinkage: 'ledoit-wolf', weight: 1, margin: 0.2 },
  local: {
    enabled: true,
    coresetRatio: 0.01,
    minBankRows: 1000,
    sampling: 'greedy',
    projectTo: 0,
    selectionProjectTo: 128,
    weight: 1,
    edgeWeights: [0.5, 0.8],
  },
  thresholdQuantile: 0.95,
  seed: 0,
};

/**
 * The position-aware part as measured on the default model's features (docs/experiments/local-evidence.md):
 * 60 reference images, one cell of slack, the mean of the 3 highest inner cells, weight 1.
 */
export const POSITIONAL_PART: NonNullable<DetectorRecipe['local']['positional']> = {
  refs: 60,
  reach: 1,
  k: 3,
  inset: 1,
  weight: 1,
};

/** How the image score reads the fine map (recipe.local.fineScore). */
export interface FineScoreOptions extends WorstPlaceOptions {
  /** Standard deviations the fine map's worst place must exceed the parts' score by before it counts. */
  offset: number;
}

/**
 * The fine-map score of the default chest model (docs/experiments/local-evidence.md, round 5): the mean of the 3
 * hottest cells 4 cells in from the sides of the 28x28 shown map, counted above the parts' score less 1 sd;
 * chosen on held-out TRAIN (within 0.005 of the plain score) and the planted metal, foreign-body and missing-tissue
 * cases; test-dev only checked.
 */
export const FINE_SCORE: FineScoreOptions = { k: 3, inset: 4, offset: 1 };

/**
 * The fine map of a position-aware fit (its tap is the backbone's fineTap): 60 references, one cell of slack, compared
 * on the references' 64 leading principal directions of the 192 channels (since 1.0.0+f65337a7: the search reads
 * every reference value once per image, so a third of them cut the default model's time per image to 0.69x with the
 * planted, test-dev and held-out TRAIN figures unchanged; docs/experiments/local-evidence.md, round 6).
 */
export const POSITIONAL_MAP: Omit<FineMapOptions, 'tap'> = { refs: 60, reach: 1, project: 64 };

/**
 * The fine map's local-contrast channels (FitModelRequest.contrastMap; localContrast.ts): each cell's 5x5-cell
 * neighbourhood of mean grey levels less its mean, times 10, appended to the fine tap's channels; `cell` is set
 * to the fine tap's stride at fit time (docs/experiments/local-evidence.md, round 7).
 */
export const FINE_CONTRAST: Omit<LocalContrastOptions, 'cell'> = { window: 5, scale: 10 };

/** The recipe's global pooling margin in cells of an h x w map ([rows, columns]). */
export function globalMarginCells(recipe: DetectorRecipe, h: number, w: number): [number, number] {
  const m = recipe.global.margin ?? 0;
  const cells = (n: number) => Math.min(Math.floor((n - 1) / 2), Math.max(0, Math.round(m * n)));
  return [cells(h), cells(w)];
}

export interface FittedDetector {
  recipe: DetectorRecipe;
  /** Cells dropped on each side of the map before the global pooling ([rows, columns]; absent = none). */
  globalMargin?: [number, number];
  gaussian?: GaussianModel;
  bank?: MemoryBank;
  globalStd?: Standardiser;
  localStd?: Standardiser;
  /** The worst-place part (recipe.local.worst as the map's size allows it) and its standardiser; absent: no such part. */
  worst?: WorstPlaceOptions;
  worstStd?: Standardiser;
  /** The worst place's gate in its standard deviations (recipe.local.worst.gateQuantile); absent: ungated. */
  worstGate?: number;
  /** The position-aware part (recipe.local.positional): references, per-position centring, worst place, standardiser. */
  positional?: {
    ref: PositionalReference;
    worst: WorstPlaceOptions;
    centring?: MapCentring;
    std?: Standardiser;
  };
  /**
   * The fine map (recipe.local.fineMap): references at the fine tap, how many times finer its grid is, and
   * its per-position standard scores (calibrate.ts mapCentring 'sd'); absent: the shown map is the tap's.
   */
  fine?: { ref: PositionalReference; factor: number; centring?: MapCentring };
  /**
   * The image score's fine-map part (recipe.local.fineScore, resolved for the fine grid): the standardisers of
   * the parts' sum and of the shown map's worst place; the score is the larger z, the second less `offset`.
   */
  fineScore?: FineScoreOptions & { scoreStd: Standardiser; std: Standardiser };
  /**
   * Mean and sd of the calibration images' (unseen) patch distances: the exported anomaly map is
   * standardised with them, so map values are "standard deviations above a normal patch" and compare
   * across models.
   */
  mapStd?: Standardiser;
  /**
   * Per-position centring of normal maps ([h*w] offset and scale; calibrate.ts mapCentring), applied to
   * the patch distances before mapStd so the map shows what is unusual for each position, not the
   * positions that are warm on every normal image. The image score does not use it.
   */
  mapCentring?: MapCentring;
  threshold: number;
  /** A high quantile of the calibration patch distances (calibrate.ts PIXEL_QUANTILE), centred by mapCentring and standardised by mapStd. */
  pixelThreshold?: number;
  /** The map's display scale in the same units (calibrate.ts mapDisplayScale). */
  pixelScale?: number;
  /** Calibration score range (anomalib-style min/max normalisation) and how the threshold was found. */
  calibration: {
    min: number;
    max: number;
    /** Unseen normal scores the threshold is an order statistic of. */
    count: number;
    method: CalibrationMethod;
    /** 1-based rank of the threshold among them. */
    rank: number;
    /** Cross-fitting: Gaussian refits, and the groups (patients) among the scored images. */
    folds?: number;
    groups?: number;
    /**
     * Cross-fitting: the highest calibration scores (at most 5), with the training image they belong to;
     * `excluded` when the score was left out of the threshold as atypical (outliers.ts).
     */
    highest?: { image: number; score: number; excluded?: boolean }[];
    /** Atypical scores left out of the threshold (outliers.ts): how many, and the rule's numbers. */
    outliers?: { count: number; median: number; spread: number; k: number; cap: number; conformalThreshold: number };
    /** The unseen normal scores at every percentile: the score-drift reference (scoring/drift.ts). */
    quantiles?: number[];
  };
}

export interface DetectorScores {
  /** Combined image scores. */
  score: Float32Array;
  global?: Float32Array;
  local?: Float32Array;
  /** The worst-place part (recipe.local.worst), raw. */
  worst?: Float32Array;
  /** The position-aware part (recipe.local.positional), raw (the worst place of its centred map). */
  positional?: Float32Array;
  /** [n, h, w] position-aware distances (with keepMaps). */
  positionalMaps?: Float32Array;
  /** [n, h, w] patch distance maps (local part only). */
  maps?: Float32Array;
  /** [n, f*h, f*w] fine position-aware distances (with keepMaps, when the detector has a fine map or is fitting one). */
  fineMaps?: Float32Array;
  /** The shown map's worst place (det.fineScore), raw, and the parts' sum it was compared with. */
  fineTop?: Float32Array;
  parts?: Float32Array;
}

export interface FitProgress {
  stage: 'pool' | 'gaussian' | 'coreset' | 'calibrate';
  /** 0..1 within the stage. */
  fraction: number;
}

export interface FitHooks {
  onProgress?: (p: FitProgress) => void;
  signal?: AbortSignal;
}

/**
 * The training images' detector inputs, accumulated batch by batch as the backbone produces feature
 * maps, so the maps themselves need not be kept: pooled statistics (2C per image) and patch rows
 * (h*w*C per image, in one growing buffer: a list + concatenation would hold every row twice).
 */
export class TrainingSet {
  private pooledParts: Matrix[] = [];
  private patchData?: Float32Array;
  private rowCount = 0;
  private imageCount = 0;
  private mapShape?: { c: number; h: number; w: number };
  private groupLabels: string[] = [];
  private readonly fine?: FineReservoir;

  /** `expectedImages` sizes the patch buffer up front (it grows when more arrive). */
  constructor(
    readonly recipe: DetectorRecipe,
    private readonly expectedImages = 0,
  ) {
    const f = recipe.local.enabled ? recipe.local.fineMap : undefined;
    if (f) this.fine = new FineReservoir(Math.max(1, Math.round(f.refs)), recipe.seed);
  }

  /** The fine map's reference sample (recipe.local.fineMap), laid out for the search; undefined without one. */
  fineReference(): PositionalReference | undefined {
    const f = this.recipe.local.fineMap;
    return this.fine && f ? this.fine.reference(f.reach, f.project) : undefined;
  }

  get images(): number {
    return this.imageCount;
  }

  get shape(): { c: number; h: number; w: number } | undefined {
    return this.mapShape;
  }

  /** The group (patient) of each image, for cross-fitting; an image added without one is its own group. */
  get groups(): readonly string[] {
    return this.groupLabels;
  }

  async add(be: ComputeBackend, maps: FeatureMaps, groups?: readonly string[]): Promise<void> {
    if (maps.n === 0) return;
    if (groups && groups.length !== maps.n)
      throw new XrayError('INTERNAL', `${groups.length} group labels for ${maps.n} images`);
    const { c, h, w } = maps;
    if (!this.mapShape) this.mapShape = { c, h, w };
    else if (this.mapShape.c !== c || this.mapShape.h !== h || this.mapShape.w !== w) {
      const s = this.mapShape;
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `training feature maps differ in shape: [${s.c},${s.h},${s.w}] vs [${c},${h},${w}]`,
      );
    }
    if (this.recipe.global.enabled)
      this.pooledParts.push(
        await meanStdPool(be, maps, { log1p: this.recipe.global.log1p, margin: globalMarginCells(this.recipe, h, w) }),
      );
    if (this.recipe.local.enabled) {
      const rows = await patchRows(be, maps);
      const need = (this.rowCount + rows.rows) * c;
      if (!this.patchData || this.patchData.length < need) {
        const grown = new Float32Array(
          Math.max(need, Math.ceil(this.expectedImages * h * w * c), this.patchData ? 2 * this.patchData.length : 0),
        );
        if (this.patchData) grown.set(this.patchData.subarray(0, this.rowCount * c));
        this.patchData = grown;
      }
      this.patchData.set(rows.data, this.rowCount * c);
      this.rowCount += rows.rows;
    }
    if (this.fine) {
      if (!maps.fine)
        throw new XrayError('INTERNAL', `the recipe's fine map needs the ${this.recipe.local.fineMap!.tap} maps too`);
      fineFactor(maps, maps.fine);
      await this.fine.add(be, maps.fine);
    }
    for (let i = 0; i < maps.n; i++) this.groupLabels.push(groups?.[i] ?? `\u0000image ${this.imageCount + i}`);
    this.imageCount += maps.n;
  }

  pooled(): Matrix {
    return vstack(this.pooledParts);
  }

  patches(): Matrix {
    const c = this.mapShape?.c ?? 0;
    return matrix(this.rowCount, c, (this.patchData ?? new Float32Array(0)).subarray(0, this.rowCount * c));
  }

  /** Drops the accumulated rows (after fitting they are no longer needed). */
  clear(): void {
    this.pooledParts = [];
    this.patchData = undefined;
    this.rowCount = 0;
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new XrayError('CANCELLED', 'Fitting was cancelled.');
}

function checkMaps(batches: FeatureMaps[], what: string): void {
  if (batches.length === 0 || batches.every((b) => b.n === 0))
    throw new XrayError('INTERNAL', `no ${what} feature maps`);
  const { c, h, w } = batches[0];
  for (const b of batches) {
    if (b.c !== c || b.h !== h || b.w !== w)
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `${what} feature maps differ in shape: [${c},${h},${w}] vs [${b.c},${b.h},${b.w}]`,
      );
  }
}

/** Scores images given as batches of feature maps of the recipe's tap. */
export async function scoreWithDetector(
  be: ComputeBackend,
  det: FittedDetector,
  batches: FeatureMaps[],
  opts: { keepMaps?: boolean } = {},
): Promise<DetectorScores> {
  checkMaps(batches, 'scored');
  const r = det.recipe;
  const global: number[] = [];
  const local: number[] = [];
  const worst: number[] = [];
  const positional: number[] = [];
  const maps: Float32Array[] = [];
  const positionalMaps: Float32Array[] = [];
  const fineMaps: Float32Array[] = [];
  // The fine-map score needs both maps of every image, whether or not the caller keeps them.
  const fineScore = det.fineScore && det.fine?.centring ? det.fineScore : undefined;
  const fineTop: number[] = [];
  const worstOpts = det.worstStd ? det.worst : undefined;
  const pos = det.positional;
  for (const b of batches) {
    if (det.gaussian)
      global.push(
        ...(await gaussianScores(
          be,
          det.gaussian,
          await meanStdPool(be, b, { log1p: r.global.log1p, margin: det.globalMargin }),
        )),
      );
    if (det.bank) {
      const rows = await patchRows(be, b);
      const d = await patchDistances(be, det.bank, rows);
      local.push(...meanPerImage(d, b.h * b.w));
      if (worstOpts) worst.push(...worstPlaceScores(centreMaps(d, det.mapCentring), b.h, b.w, worstOpts));
      if (opts.keepMaps) maps.push(d);
      if (pos) {
        const pd = await searchPositional(be, b, pos.ref);
        if (pos.centring) positional.push(...worstPlaceScores(centreMaps(pd, pos.centring), b.h, b.w, pos.worst));
        if (opts.keepMaps) positionalMaps.push(pd);
      }
      // Without a fine-map score the fine map only changes the shown map: computed only when maps are asked for.
      if (det.fine && (opts.keepMaps || fineScore)) {
        if (!b.fine)
          throw new XrayError('INTERNAL', `the detector's fine map needs the ${r.local.fineMap?.tap} maps too`);
        const fd = await searchPositional(be, b.fine, det.fine.ref);
        if (opts.keepMaps) fineMaps.push(fd);
        if (fineScore) {
          const shown = shownMaps(det, d, fd, { h: b.h, w: b.w });
          fineTop.push(...worstPlaceScores(shown, det.fine.factor * b.h, det.fine.factor * b.w, fineScore));
        }
      }
    }
  }
  const parts = [];
  if (det.gaussian && det.globalStd) parts.push({ scores: global, std: det.globalStd, weight: r.global.weight });
  if (det.bank && det.localStd) parts.push({ scores: local, std: det.localStd, weight: r.local.weight });
  if (worstOpts && det.worstStd)
    parts.push({ scores: worst, std: det.worstStd, weight: r.local.worst?.weight ?? 0, gate: det.worstGate });
  if (pos?.std) parts.push({ scores: positional, std: pos.std, weight: r.local.positional?.weight ?? 0 });
  const summed = parts.length ? combineScores(parts) : Float32Array.from(det.gaussian ? global : local);
  const out: DetectorScores = {
    score: fineScore ? maxStandardised(summed, fineScore.scoreStd, fineTop, fineScore.std, fineScore.offset) : summed,
  };
  if (fineScore) {
    out.fineTop = Float32Array.from(fineTop);
    out.parts = summed;
  }
  if (det.gaussian) out.global = Float32Array.from(global);
  if (det.bank) out.local = Float32Array.from(local);
  if (worstOpts) out.worst = Float32Array.from(worst);
  if (pos?.centring) out.positional = Float32Array.from(positional);
  if (positionalMaps.length) out.positionalMaps = concat(positionalMaps);
  if (fineMaps.length) out.fineMaps = concat(fineMaps);
  if (opts.keepMaps && maps.length) out.maps = concat(maps);
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((a, m) => a + m.length, 0));
  let o = 0;
  for (const m of parts) {
    all.set(m, o);
    o += m.length;
  }
  return all;
}

/**
 * The map the exported graph draws, before its upsampling and smoothing: patch distances (`scores.maps`,
 * [n, h, w]) centred per position and standardised, i.e. "standard deviations above a normal patch at
 * this position". Without a map standardiser (no calibration maps) the raw distances.
 */
export function standardisedMaps(
  det: FittedDetector,
  maps: ArrayLike<number>,
  /** scores.fineMaps, when the detector has a fine map: the result is then on the fine grid. */
  fineMaps?: ArrayLike<number>,
  shape?: { h: number; w: number },
): Float32Array {
  const out = shownMaps(det, maps, fineMaps, shape);
  if (!det.mapStd) return out;
  const { mean, sd } = det.mapStd;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) / sd;
  return out;
}

/** The shown map before its standardiser: centred per position, plus the fine map's standard scores when there is one. */
function shownMaps(
  det: FittedDetector,
  maps: ArrayLike<number>,
  fineMaps?: ArrayLike<number>,
  shape?: { h: number; w: number },
): Float32Array {
  const out = centreMaps(maps, det.mapCentring);
  if (!det.fine?.centring) return out;
  if (!fineMaps || !shape)
    throw new XrayError('INTERNAL', 'the shown map of a detector with a fine map needs its fine maps');
  return addFineMaps(out, shape.h, shape.w, centreMaps(fineMaps, det.fine.centring), det.fine.factor);
}

/**
 * How far another runtime's score for the same image may be from `scores.score` (per image, in score
 * units) and still be the same detector. The score is Σ w·(raw - mean)/sd over the parts, so float32
 * differences in the features (another batch size, thread count or kernel) reach it as a RELATIVE error
 * of each raw part, multiplied by that part's w·|raw|/sd: a part standardised on a few near-identical
 * calibration images has a tiny sd and turns harmless rounding into a large score difference, which
 * must not read as a broken export. So the budget is 1e-4 of each raw part: on the integration test's
 * fit (12 phantoms, 1000-row bank) the parts agree to 4e-6 (global) and 6e-6 (local), while the
 * single-stage distance search that nearest.ts replaced was off by 1.2e-2 there. The floor (1e-4 of a
 * calibration standard deviation) is far below any decision the score drives.
 */
export function scoreTolerances(det: FittedDetector, scores: DetectorScores): Float32Array {
  const RELATIVE = 1e-4;
  const out = new Float32Array(scores.score.length).fill(1e-4);
  const parts: [Float32Array | undefined, Standardiser | undefined, number][] = [
    [scores.global, det.globalStd, det.recipe.global.weight],
    [scores.local, det.localStd, det.recipe.local.weight],
  ];
  for (const [raw, std, weight] of parts) {
    if (!raw || !std) continue;
    for (let i = 0; i < out.length; i++) out[i] += RELATIVE * Math.abs((weight * raw[i]) / std.sd);
  }
  // The worst place is a difference of centred distances (near 0): its error is relative to the distances
  // themselves (about the local part's size), divided by the smallest per-position scale.
  if (scores.worst && det.worstStd) {
    const w = Math.abs(det.recipe.local.worst?.weight ?? 0) / det.worstStd.sd;
    const minScale = det.mapCentring ? Math.min(...det.mapCentring.scale) : 1;
    for (let i = 0; i < out.length; i++)
      out[i] += RELATIVE * w * (Math.abs(scores.worst[i]) + (scores.local?.[i] ?? 0) / minScale);
  }
  // The position-aware part: the same, with its own centring.
  const pos = det.positional;
  if (scores.positional && pos?.std && pos.centring) {
    const w = Math.abs(det.recipe.local.positional?.weight ?? 0) / pos.std.sd;
    const minScale = Math.min(...pos.centring.scale);
    const maxOffset = Math.max(...pos.centring.offset);
    for (let i = 0; i < out.length; i++)
      out[i] += RELATIVE * w * (Math.abs(scores.positional[i]) + maxOffset / minScale);
  }
  // The fine-map score takes the larger of two standard scores: the parts' sum (its error, in its own sd) and
  // the shown map's worst place, a sum of centred values (relative to their size, the largest per-position
  // offset over the smallest scale, as above).
  const fs = det.fineScore;
  if (fs && scores.fineTop) {
    const spreadOf = (c?: MapCentring) => (c ? Math.max(...c.offset) / Math.min(...c.scale) : 0);
    const spread = spreadOf(det.fine?.centring) + spreadOf(det.mapCentring);
    for (let i = 0; i < out.length; i++)
      out[i] =
        Math.max(out[i] / fs.scoreStd.sd, (RELATIVE * (Math.abs(scores.fineTop[i]) + spread)) / fs.std.sd) + 1e-4;
  }
  return out;
}

/**
 * How the threshold and standardisers are found: from held-out normal images' feature maps (at least 2;
 * the threshold is an order statistic of their scores, so more is better), or by cross-fitting on the
 * training images (crossfit.ts), which needs no images set aside.
 */
export type CalibrationSource = FeatureMaps[] | ({ method: 'cross-fit' } & CrossFitOptions & CrossFitSelection);

export interface CrossFitSelection {
  /**
   * Which training images' cross-fitted scores calibrate (default: all). Mirrored copies are fitted on but
   * do not calibrate: a copy and its original are one image's evidence, and counting both would promise a
   * false-alarm rate the folder cannot back.
   */
  calibrateOn?: (image: number) => boolean;
}

/** Fits on `train` feature maps (one group per batch entry in `groups` when given) and calibrates. */
export async function fitDetector(
  be: ComputeBackend,
  train: FeatureMaps[],
  calibration: CalibrationSource,
  recipe: DetectorRecipe = DEFAULT_RECIPE,
  hooks: FitHooks & { groups?: readonly string[][] } = {},
): Promise<FittedDetector> {
  checkMaps(train, 'training');
  const set = new TrainingSet(
    recipe,
    train.reduce((a, b) => a + b.n, 0),
  );
  for (let i = 0; i < train.length; i++) {
    checkAbort(hooks.signal);
    await set.add(be, train[i], hooks.groups?.[i]);
  }
  return fitTrainingSet(be, set, calibration, hooks);
}

/** Fits on an accumulated TrainingSet (then cleared) and calibrates (see CalibrationSource). */
export async function fitTrainingSet(
  be: ComputeBackend,
  set: TrainingSet,
  calibration: CalibrationSource,
  hooks: FitHooks = {},
): Promise<FittedDetector> {
  const recipe = set.recipe;
  if (!recipe.global.enabled && !recipe.local.enabled)
    throw new XrayError('INTERNAL', 'the recipe enables neither the global nor the local detector');
  if (set.images < 2) throw new XrayError('INTERNAL', `fitting needs at least 2 training images, got ${set.images}`);
  const shape = set.shape!;
  const heldOut = Array.isArray(calibration) ? calibration : undefined;
  if (heldOut) {
    checkMaps(heldOut, 'calibration');
    const cal0 = heldOut.find((b) => b.n > 0)!;
    if (cal0.c !== shape.c || cal0.h !== shape.h || cal0.w !== shape.w) {
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `calibration feature maps [${cal0.c},${cal0.h},${cal0.w}] differ from the training maps [${shape.c},${shape.h},${shape.w}]`,
      );
    }
  } else if (new Set(set.groups).size < 2) {
    throw new XrayError('INTERNAL', 'cross-fitting needs training images of at least 2 groups');
  }
  const progress = (stage: FitProgress['stage'], fraction: number) => hooks.onProgress?.({ stage, fraction });
  const det: FittedDetector = {
    recipe,
    threshold: 0,
    calibration: { min: 0, max: 0, count: 0, method: heldOut ? 'held-out' : 'cross-fit', rank: 0 },
  };

  const pooled = recipe.global.enabled ? set.pooled() : undefined;
  if (pooled) {
    const m = globalMarginCells(recipe, shape.h, shape.w);
    if (m[0] || m[1]) det.globalMargin = m;
    progress('gaussian', 0);
    det.gaussian = await fitGaussian(be, pooled, { shrinkage: recipe.global.shrinkage });
    progress('gaussian', 1);
  }
  checkAbort(hooks.signal);
  if (recipe.local.enabled) {
    progress('coreset', 0);
    det.bank = await buildMemoryBank(be, set.patches(), {
      coresetRatio: recipe.local.coresetRatio,
      minRows: recipe.local.minBankRows,
      sampling: recipe.local.sampling,
      projectTo: recipe.local.projectTo,
      selectionProjectTo: recipe.local.selectionProjectTo,
      seed: recipe.seed,
      signal: hooks.signal,
      onProgress: (f) => progress('coreset', f),
      keepSelection: !heldOut,
    });
  }
  checkAbort(hooks.signal);
  const posOpts = recipe.local.enabled ? recipe.local.positional : undefined;
  if (posOpts) {
    if (!heldOut)
      throw new XrayError(
        'INTERNAL',
        'the position-aware part needs held-out calibration images (its references are training images)',
      );
    det.positional = {
      ref: positionalReference(set.patches().data, set.images, shape, posOpts, recipe.seed),
      worst: resolveWorstPlace(shape.h, shape.w, posOpts),
    };
  }
  const fineRef = set.fineReference();
  if (fineRef) {
    if (!heldOut)
      throw new XrayError(
        'INTERNAL',
        'the fine map needs held-out calibration images (its references are training images)',
      );
    // Centred on the calibration maps below (scoreWithDetector keeps its raw maps).
    det.fine = { ref: fineRef, factor: fineFactor(shape, fineRef) };
  }
  progress('calibrate', 0);
  let unseen: UnseenScores;
  let positionalPart: { scores: Float32Array; std: Standardiser; weight: number } | undefined;
  let scoredImages: Int32Array | undefined;
  if (heldOut) {
    set.clear();
    const cal = await scoreWithDetector(be, det, heldOut, { keepMaps: true });
    if (det.positional && cal.positionalMaps) {
      // Centred per position on the calibration normals, as the shipped map is (mapCentring).
      const p = det.positional;
      p.centring = mapCentring(cal.positionalMaps, shape.h * shape.w);
      if (p.centring) {
        const top = worstPlaceScores(centreMaps(cal.positionalMaps, p.centring), shape.h, shape.w, p.worst);
        p.std = standardiser(top);
        positionalPart = { scores: top, std: p.std, weight: posOpts!.weight };
        // Too few calibration images to know each position's spread: the part is left out, as the exported head
        // (which needs the centring) leaves it out; fitModel refuses such fits before reading the images.
      } else delete det.positional;
    }
    let fine: UnseenScores['fine'];
    if (det.fine && cal.fineMaps) {
      const f = det.fine;
      const centring = mapCentring(cal.fineMaps, f.ref.h * f.ref.w, 'sd');
      // Too few calibration images to know each position's spread: the shown map stays the tap's.
      if (centring) {
        // The tap map's edge weights, each ring spread over the f rings of the finer grid: without them the fine
        // map put 18% of a normal chest's hottest tenth on the image's outer 5% (9% with them, the shipped map 7%;
        // pointing hit >= 1% 85% -> 87%; docs/experiments/local-evidence.md, round 3).
        const edges = recipe.local.edgeWeights?.flatMap((v) => Array<number>(f.factor).fill(v));
        f.centring = edges?.length ? weightEdges(centring, f.ref.h, f.ref.w, edges) : centring;
        fine = { maps: centreMaps(cal.fineMaps, f.centring), factor: f.factor };
      } else delete det.fine;
    }
    unseen = {
      global: cal.global,
      local: cal.local,
      maps: cal.maps,
      patchesPerImage: shape.h * shape.w,
      mapShape: { h: shape.h, w: shape.w },
      ...(fine ? { fine } : {}),
    };
  } else {
    const c = calibration as { method: 'cross-fit' } & CrossFitOptions & CrossFitSelection;
    const opts: CrossFitOptions = { maxImages: c.maxImages, maxFolds: c.maxFolds };
    const cf = await crossFittedScores(
      be,
      {
        pooled,
        gaussian: { shrinkage: recipe.global.shrinkage },
        patches: det.bank ? set.patches() : undefined,
        bank: det.bank,
        bankOptions: { coresetRatio: recipe.local.coresetRatio, minRows: recipe.local.minBankRows },
        patchesPerImage: shape.h * shape.w,
        groups: set.groups,
        seed: recipe.seed,
        signal: hooks.signal,
        onProgress: (f) => progress('calibrate', f),
      },
      opts,
    );
    set.clear();
    const chosen = c.calibrateOn ? selectScored(cf, c.calibrateOn, shape.h * shape.w) : cf;
    unseen = { ...chosen, patchesPerImage: shape.h * shape.w, mapShape: { h: shape.h, w: shape.w } };
    det.calibration.folds = cf.folds || undefined;
    det.calibration.groups = cf.groups;
    scoredImages = chosen.images;
  }
  if (det.bank) {
    // Fit-time state, no longer needed (the selection's is three arrays as long as the patch rows).
    delete det.bank.sourceRows;
    delete det.bank.selection;
  }
  const worst = det.bank && recipe.local.worst ? resolveWorstPlace(shape.h, shape.w, recipe.local.worst) : undefined;
  // The image score's fine-map part, as the fine grid allows it (only with a centred fine map).
  const fineScore =
    det.bank && det.fine?.centring && recipe.local.fineScore
      ? {
          ...resolveWorstPlace(det.fine.factor * shape.h, det.fine.factor * shape.w, recipe.local.fineScore),
          offset: recipe.local.fineScore.offset,
        }
      : undefined;
  const c = calibrateFromUnseen(
    unseen,
    { global: recipe.global.weight, local: recipe.local.weight },
    recipe.thresholdQuantile,
    worst ? { ...recipe.local.worst!, ...worst, h: shape.h, w: shape.w } : undefined,
    det.bank ? recipe.local.edgeWeights : undefined,
    positionalPart ? [positionalPart] : undefined,
    fineScore,
  );
  if (fineScore && c.fineScore) det.fineScore = { ...fineScore, ...c.fineScore };
  det.globalStd = c.globalStd;
  det.localStd = c.localStd;
  if (worst && c.worstStd) {
    det.worst = worst;
    det.worstStd = c.worstStd;
    if (c.worstGate !== undefined) det.worstGate = c.worstGate;
  }
  if (det.bank) {
    det.mapStd = c.mapStd;
    if (c.mapCentring) det.mapCentring = c.mapCentring;
    det.pixelThreshold = c.pixelThreshold;
    det.pixelScale = c.pixelScale;
  }
  det.threshold = c.threshold;
  let min = Infinity;
  let max = -Infinity;
  for (const v of c.kept) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  det.calibration = {
    ...det.calibration,
    min,
    max,
    count: c.kept.length,
    rank: c.rank,
    quantiles: driftQuantiles(c.kept),
    ...(c.outliers
      ? {
          outliers: {
            count: c.outliers.indices.length,
            median: c.outliers.median,
            spread: c.outliers.spread,
            k: c.outliers.k,
            cap: c.outliers.cap,
            conformalThreshold: c.outliers.conformalThreshold,
          },
        }
      : {}),
  };
  if (scoredImages) {
    const ids = scoredImages;
    const left = new Set(c.outliers?.indices);
    det.calibration.highest = Array.from(c.combined, (score, j) => ({
      image: ids[j],
      score,
      ...(left.has(j) ? { excluded: true } : {}),
    }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
  }
  progress('calibrate', 1);
  return det;
}

/** The cross-fitted scores of the images `keep` accepts (maps cut to match). */
function selectScored(cf: CrossFitted, keep: (image: number) => boolean, hw: number): CrossFitted {
  const at = Array.from(cf.images.keys()).filter((j) => keep(cf.images[j]));
  if (at.length < 2)
    throw new XrayError(
      'INTERNAL',
      `cross-fitting scored ${at.length} images that may calibrate; at least 2 are needed`,
    );
  const pick = (a: Float32Array | undefined, per: number) => {
    if (!a) return undefined;
    const out = new Float32Array(at.length * per);
    at.forEach((j, k) => out.set(a.subarray(j * per, (j + 1) * per), k * per));
    return out;
  };
  return {
    ...cf,
    images: Int32Array.from(at, (j) => cf.images[j]),
    global: pick(cf.global, 1),
    local: pick(cf.local, 1),
    maps: pick(cf.maps, hw),
  };
}
