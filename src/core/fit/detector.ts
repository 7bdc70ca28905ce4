/**
 * The detector that research chose (docs/experiments/README.md), as reusable fitting and scoring steps on
 * backbone feature maps of ONE tap:
 *  - global: Ledoit-Wolf Gaussian of the per-channel mean and std of log(1 + activation) -> Mahalanobis
 *    distance (the strongest single score on chest X-rays);
 *  - local: PatchCore memory bank (3x3-averaged patch rows, greedy coreset) -> nearest-neighbour distance
 *    map (explains the score; its mean is the local score);
 *  - the image score is the sum of both, each standardised on held-out normal (calibration) images, and
 *    the threshold is a quantile of the calibration scores.
 * Getting pixels to feature maps (preprocessing, backbone) and writing the ONNX file are the caller's.
 */
import { XrayError } from '../errors';
import { combineScores, type Standardiser, standardiser } from './combine';
import { type ComputeBackend, type Matrix, matrix, vstack } from './compute';
import { type FeatureMaps, meanStdPool, patchRows } from './features';
import { type GaussianModel, fitGaussian, gaussianScores } from './gaussian';
import { quantile } from './metrics';
import { type MemoryBank, buildMemoryBank, meanPerImage, patchDistances } from './patchcore';

export interface DetectorRecipe {
  /** Backbone output the detector reads. */
  tap: string;
  global: { enabled: boolean; log1p: boolean; shrinkage: number | 'ledoit-wolf'; weight: number };
  local: { enabled: boolean; coresetRatio: number; sampling: 'greedy' | 'random'; projectTo: number; selectionProjectTo: number; weight: number };
  /** Calibration quantile of normal scores used as the decision threshold. */
  thresholdQuantile: number;
  seed: number;
}

export const DEFAULT_RECIPE: DetectorRecipe = {
  tap: 'block_10_expand_relu',
  global: { enabled: true, log1p: true, shrinkage: 'ledoit-wolf', weight: 1 },
  local: { enabled: true, coresetRatio: 0.01, sampling: 'greedy', projectTo: 0, selectionProjectTo: 128, weight: 1 },
  thresholdQuantile: 0.95,
  seed: 0,
};

export interface FittedDetector {
  recipe: DetectorRecipe;
  gaussian?: GaussianModel;
  bank?: MemoryBank;
  globalStd?: Standardiser;
  localStd?: Standardiser;
  threshold: number;
  /** Calibration score range, for anomalib-style normalisation (min/max). */
  calibration: { min: number; max: number; count: number };
}

export interface DetectorScores {
  /** Combined image scores. */
  score: Float32Array;
  global?: Float32Array;
  local?: Float32Array;
  /** [n, h, w] patch distance maps (local part only). */
  maps?: Float32Array;
}

export interface FitProgress {
  stage: 'pool' | 'gaussian' | 'coreset' | 'calibrate';
  /** 0..1 within the whole fit. */
  fraction: number;
}

export interface FitHooks {
  onProgress?: (p: FitProgress) => void;
  signal?: AbortSignal;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new XrayError('CANCELLED', 'Fitting was cancelled.');
}

function checkMaps(batches: FeatureMaps[], what: string): void {
  if (batches.length === 0 || batches.every((b) => b.n === 0)) throw new XrayError('INTERNAL', `no ${what} feature maps`);
  const { c, h, w } = batches[0];
  for (const b of batches) {
    if (b.c !== c || b.h !== h || b.w !== w) throw new XrayError('MODEL_INPUT_MISMATCH', `${what} feature maps differ in shape: [${c},${h},${w}] vs [${b.c},${b.h},${b.w}]`);
  }
}

/** Scores images given as batches of feature maps of the recipe's tap. */
export async function scoreWithDetector(be: ComputeBackend, det: FittedDetector, batches: FeatureMaps[], opts: { keepMaps?: boolean } = {}): Promise<DetectorScores> {
  checkMaps(batches, 'scored');
  const r = det.recipe;
  const global: number[] = [];
  const local: number[] = [];
  const maps: Float32Array[] = [];
  for (const b of batches) {
    if (det.gaussian) global.push(...(await gaussianScores(be, det.gaussian, await meanStdPool(be, b, { log1p: r.global.log1p }))));
    if (det.bank) {
      const d = await patchDistances(be, det.bank, await patchRows(be, b));
      local.push(...meanPerImage(d, b.h * b.w));
      if (opts.keepMaps) maps.push(d);
    }
  }
  const parts = [];
  if (det.gaussian && det.globalStd) parts.push({ scores: global, std: det.globalStd, weight: r.global.weight });
  if (det.bank && det.localStd) parts.push({ scores: local, std: det.localStd, weight: r.local.weight });
  const out: DetectorScores = { score: parts.length ? combineScores(parts) : Float32Array.from(det.gaussian ? global : local) };
  if (det.gaussian) out.global = Float32Array.from(global);
  if (det.bank) out.local = Float32Array.from(local);
  if (opts.keepMaps && maps.length) {
    const all = new Float32Array(maps.reduce((a, m) => a + m.length, 0));
    let o = 0;
    for (const m of maps) {
      all.set(m, o);
      o += m.length;
    }
    out.maps = all;
  }
  return out;
}

/**
 * Fits on `train` feature maps and calibrates on `calibration` maps (held-out normals, at least 2 images;
 * more is better: the threshold is a quantile of their scores).
 */
export async function fitDetector(be: ComputeBackend, train: FeatureMaps[], calibration: FeatureMaps[], recipe: DetectorRecipe = DEFAULT_RECIPE, hooks: FitHooks = {}): Promise<FittedDetector> {
  checkMaps(train, 'training');
  checkMaps(calibration, 'calibration');
  if (!recipe.global.enabled && !recipe.local.enabled) throw new XrayError('INTERNAL', 'the recipe enables neither the global nor the local detector');
  const progress = (stage: FitProgress['stage'], fraction: number) => hooks.onProgress?.({ stage, fraction });
  const det: FittedDetector = { recipe, threshold: 0, calibration: { min: 0, max: 0, count: 0 } };

  if (recipe.global.enabled) {
    const pooled: Matrix[] = [];
    for (const b of train) {
      checkAbort(hooks.signal);
      pooled.push(await meanStdPool(be, b, { log1p: recipe.global.log1p }));
    }
    progress('gaussian', 0.05);
    det.gaussian = await fitGaussian(be, vstack(pooled), { shrinkage: recipe.global.shrinkage });
  }
  checkAbort(hooks.signal);
  if (recipe.local.enabled) {
    progress('coreset', 0.1);
    // One preallocated matrix, filled batch by batch: a list + vstack would hold every row twice.
    const { c, h, w } = train[0];
    const all = matrix(train.reduce((a, b) => a + b.n, 0) * h * w, c);
    let offset = 0;
    for (const b of train) {
      checkAbort(hooks.signal);
      const rows = await patchRows(be, b);
      all.data.set(rows.data, offset);
      offset += rows.data.length;
    }
    det.bank = await buildMemoryBank(be, all, {
      coresetRatio: recipe.local.coresetRatio,
      sampling: recipe.local.sampling,
      projectTo: recipe.local.projectTo,
      selectionProjectTo: recipe.local.selectionProjectTo,
      seed: recipe.seed,
    });
  }
  checkAbort(hooks.signal);
  progress('calibrate', 0.9);
  const cal = await scoreWithDetector(be, det, calibration);
  if (cal.score.length < 2) throw new XrayError('INTERNAL', 'calibration needs at least 2 normal images');
  if (cal.global) det.globalStd = standardiser(cal.global);
  if (cal.local) det.localStd = standardiser(cal.local);
  const parts = [];
  if (cal.global && det.globalStd) parts.push({ scores: cal.global, std: det.globalStd, weight: recipe.global.weight });
  if (cal.local && det.localStd) parts.push({ scores: cal.local, std: det.localStd, weight: recipe.local.weight });
  const combined = combineScores(parts);
  det.threshold = quantile(combined, recipe.thresholdQuantile);
  det.calibration = { min: Math.min(...combined), max: Math.max(...combined), count: combined.length };
  progress('calibrate', 1);
  return det;
}
