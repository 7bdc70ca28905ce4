/**
 * "Fit a detector on this folder of normal images", from file paths to ONE written model (ONNX +
 * manifest). Pure orchestration with injected I/O (the engine supplies files, decoding and
 * onnxruntime), in this order:
 *
 *  1. check the request and the backbone (manifest, ONNX inputs, tap; one trial image) — every mistake
 *     the user can fix is reported before any long work;
 *  2. read, decode and preprocess each image with the pipeline the written model will carry, and run the
 *     backbone in small batches; only pooled statistics and patch rows are kept, not the feature maps
 *     (except held-out calibration images', which are few). Unreadable files are skipped and reported;
 *  3. fit the detector (Gaussian + coreset memory bank) on every image and calibrate by cross-fitting
 *     (crossfit.ts: each image scored by a detector fitted without its patient), or, when the request
 *     asks for a calibration fraction, fit on the rest and calibrate on that held-out share;
 *  4. export backbone + head as one ONNX file, check that it reproduces the in-memory scores, and write
 *     it with its manifest under temporary names, renamed only at the very end: a cancelled or failed
 *     fit leaves nothing behind.
 */
import { basename, dirname, join } from 'node:path';
import { XrayError, toErrorInfo } from '../errors';
import type { DecodeLimits, XrayImage } from '../image/types';
import { parseBackboneManifest, type BackboneManifest } from '../model/backbone';
import { MANIFEST_SUFFIX, type ModelManifest } from '../model/manifest';
import { MODEL_ID_PATTERN } from '../model/schema';
import { safeRelativePath } from '../model/paths';
import { parseManifest } from '../model/validate';
import type { PipelineSpec } from '../preprocess/spec';
import { validatePipeline } from '../preprocess/validate';
import { FeatureExtractor } from './backbone';
import { type CalibrationInfo, MIN_CENTRING_IMAGES } from './calibrate';
import { type ComputeBackend, f32 } from './compute';
import { DEFAULT_CROSS_FIT, foldCount } from './crossfit';
import {
  type CalibrationSource,
  DEFAULT_RECIPE,
  type DetectorRecipe,
  FINE_SCORE,
  POSITIONAL_MAP,
  FINE_CONTRAST,
  POSITIONAL_PART,
  type FittedDetector,
  fitTrainingSet,
  scoreTolerances,
  scoreWithDetector,
  TrainingSet,
} from './detector';
import { calibrationInfo, exportDetector } from './export';
import { type FeatureMaps, concatMaps, sliceMaps } from './features';
import { bankRowCount } from './patchcore';
import { FIT_PIPELINE_IDS, type FitPipelineId, fitPipelineSpec, isFitPipelineId } from './pipelines';
import { ProgressTracker } from './progress';
import { fineSourceTap } from './fineMap';
import { withLocalContrast } from './localContrast';
import { groupedHoldout, subjectKey } from './split';

/** Fewer usable images than this cannot give a meaningful Gaussian, bank and threshold. */
export const MIN_FIT_IMAGES = 10;
/** The fraction suggested for a held-out calibration (research protocol; the default model was fitted so). */
export const DEFAULT_CALIBRATION_FRACTION = 0.15;
const BATCH = 8;

export type FitStageName = 'reading' | 'features' | 'gaussian' | 'coreset' | 'calibrate' | 'export';

/** Same shape as the engine protocol's FitRequest (core does not import the protocol). */
/** What a fit needs (also the engine protocol's FitRequest). */
export interface FitModelRequest {
  jobId: string;
  /** Absolute paths of the normal images (any format decodeImage reads). */
  files: string[];
  outDir: string;
  /** Model id and file stem; must not clash with an existing model file in outDir unless `overwrite`. */
  modelId: string;
  name?: string;
  overwrite?: boolean;
  /**
   * Hold out this fraction of the images (0.05-0.5, whole patients) to calibrate the threshold, and fit
   * on the rest. Default: no hold-out — the detector is fitted on every image and the threshold is
   * cross-fitted (each image scored by a detector fitted without its patient), which uses every image
   * for both and gives a usable threshold from small folders, where a hold-out leaves a handful of scores.
   */
  calibrationFraction?: number;
  /** Memory-bank size as a fraction of patch features (default from the recipe, 0.01). */
  coresetRatio?: number;
  /**
   * Which detector: 'combined' (default: pooled-feature Gaussian + PatchCore memory bank, the best on
   * the validation data), 'patchcore' (memory bank only: score = mean patch distance), or 'gaussian'
   * (PaDiM-style Mahalanobis distance of pooled features only: fastest, but no anomaly map).
   */
  kind?: 'combined' | 'patchcore' | 'gaussian';
  /** Backbone ONNX + manifest to use instead of the bundled one (a user backbone). */
  backboneManifestPath?: string;
  /**
   * Preprocessing by body part (pipelines.ts); the written model carries it. Default 'backbone': the
   * backbone's own steps.
   */
  pipeline?: FitPipelineId;
  /**
   * Also fit on each image mirrored left-right (doubles what the detector learns from; left and right
   * hands, or a chest filmed from either side, look alike mirrored). The copies never calibrate the
   * threshold and do not count towards the minimum of MIN_FIT_IMAGES: they add no new patient.
   */
  mirror?: boolean;
  /**
   * Position-aware local evidence (detector.ts POSITIONAL_PART): each patch is also compared with reference
   * normals' patches at its own place, for aligned radiographs such as chest films. Needs a calibration
   * fraction (its references are training images, so they cannot calibrate it).
   */
  positional?: boolean;
  /**
   * Only the fine position-aware map (detector.ts POSITIONAL_MAP at the backbone's fineTap) in the shown map, not
   * the score part: the image score, threshold and calibration stay those of a plain fit, and the map points at
   * planted anomalies more often (docs/experiments/local-evidence.md). Implied by `positional`; needs a
   * calibration fraction (the map is centred on held-out images).
   */
  positionalMap?: boolean;
  /**
   * The image score also reads the fine map (detector.ts FINE_SCORE): an image whose map has a place far more
   * unusual than the whole-image score says is lifted to it. Needs `positional` or `positionalMap` and a
   * backbone with a fine tap (docs/experiments/local-evidence.md, round 5).
   */
  fineScore?: boolean;
  /**
   * The fine map also compares each cell's local grey-level contrast (detector.ts FINE_CONTRAST, localContrast.ts):
   * soft, low-contrast blobs the backbone's features barely see. Needs `positional` or `positionalMap`
   * (docs/experiments/local-evidence.md, round 7).
   */
  contrastMap?: boolean;
  limits: DecodeLimits;
}

export interface SkippedImage {
  path: string;
  code: string;
  message: string;
}

export interface FitModelResult {
  manifestPath: string;
  onnxPath: string;
  /**
   * used = every usable image (fitting + calibration); calibration = those held out to calibrate (0 when
   * cross-fitted); mirrored = mirrored copies fitted on besides (not in `used`).
   */
  images: { used: number; calibration: number; skipped: SkippedImage[]; mirrored?: number };
  /** The preprocessing the model was fitted with and carries. */
  preprocessing?: { pipeline: FitPipelineId; spec: PipelineSpec };
  threshold: number;
  /** How the threshold was found, what false-alarm rate to expect, and a warning when the folder is too small. */
  calibration: CalibrationInfo;
  memoryBank: { rows: number; dims: number };
  /** The position-aware part (req.positional): its reference images, and whether the shown map has a fine map. */
  positional?: { references: number; fineMap: boolean };
  /** The fine position-aware map without the score part (req.positionalMap): its reference images. */
  positionalMap?: { references: number };
  fitMs: number;
}

export interface FitModelProgress {
  stage: FitStageName;
  fraction: number;
  etaS?: number;
  message: string;
  skipped: number;
}

export interface FitFiles {
  /** Reads a file; rejects files larger than maxBytes before reading them whole. */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  writeFile(path: string, bytes: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
}

export interface FitIO {
  files: FitFiles;
  decode(bytes: Uint8Array, path: string, limits: DecodeLimits): Promise<XrayImage>;
  /** One network input per region of the image (prepareInputs of the preprocessing pipeline). */
  prepare(image: XrayImage, manifest: Pick<ModelManifest, 'input' | 'preprocessing'>): { tensor: Float32Array }[];
  compute: ComputeBackend;
  /** Backbone manifest used when the request names none. */
  defaultBackbonePath: string;
  now?: () => number;
  /** Wall-clock date for the provenance; injected so tests and reproducible builds can fix it. */
  date?: () => Date;
}

export interface FitModelHooks {
  onProgress?: (p: FitModelProgress) => void;
  signal?: AbortSignal;
  /** Settings beyond the request (tests, research); default DEFAULT_RECIPE with the request's coreset ratio. */
  recipe?: DetectorRecipe;
}

function cancelled(): XrayError {
  return new XrayError('CANCELLED', 'Fitting was cancelled; nothing was written.');
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelled();
}

/** Request problems a user can fix, all at once; nothing has been read yet. */
export function fitRequestProblems(req: FitModelRequest): string[] {
  const problems: string[] = [];
  if (typeof req.modelId !== 'string' || !new RegExp(MODEL_ID_PATTERN).test(req.modelId)) {
    problems.push(
      `the model id must be letters, digits, '.', '_' or '-' (at most 100, starting with a letter or digit); got ${JSON.stringify(req.modelId)}`,
    );
  }
  if (!Array.isArray(req.files) || req.files.some((f) => typeof f !== 'string'))
    problems.push('files must be a list of file paths');
  if (typeof req.outDir !== 'string' || !req.outDir) problems.push('an output folder is needed');
  const frac = req.calibrationFraction;
  if (frac !== undefined && !(typeof frac === 'number' && frac >= 0.05 && frac <= 0.5))
    problems.push(`the calibration fraction must be between 0.05 and 0.5; got ${frac}`);
  const ratio = req.coresetRatio ?? DEFAULT_RECIPE.local.coresetRatio;
  if (!(typeof ratio === 'number' && ratio > 0 && ratio <= 1))
    problems.push(`the memory-bank (coreset) ratio must be in (0, 1], e.g. 0.01; got ${ratio}`);
  if (req.pipeline !== undefined && !isFitPipelineId(req.pipeline))
    problems.push(
      `the preprocessing must be one of ${FIT_PIPELINE_IDS.join(', ')}; got ${JSON.stringify(req.pipeline)}`,
    );
  if (req.mirror !== undefined && typeof req.mirror !== 'boolean')
    problems.push(`mirror must be true or false; got ${JSON.stringify(req.mirror)}`);
  if (req.positional !== undefined && typeof req.positional !== 'boolean')
    problems.push(`positional must be true or false; got ${JSON.stringify(req.positional)}`);
  if (req.positionalMap !== undefined && typeof req.positionalMap !== 'boolean')
    problems.push(`positionalMap must be true or false; got ${JSON.stringify(req.positionalMap)}`);
  if (req.fineScore !== undefined && typeof req.fineScore !== 'boolean')
    problems.push(`fineScore must be true or false; got ${JSON.stringify(req.fineScore)}`);
  if (req.contrastMap !== undefined && typeof req.contrastMap !== 'boolean')
    problems.push(`contrastMap must be true or false; got ${JSON.stringify(req.contrastMap)}`);
  const anyPositional = req.positional || req.positionalMap;
  if (req.contrastMap && !anyPositional)
    problems.push('the contrast channels need the fine map (positional or positionalMap)');
  if (req.fineScore && !anyPositional)
    problems.push('the fine-map score needs the fine map (positional or positionalMap)');
  if (anyPositional && frac === undefined)
    problems.push('the position-aware part needs a calibration fraction (its references are training images)');
  if (anyPositional && req.kind === 'gaussian')
    problems.push('the position-aware part needs the local detector (kind combined or patchcore)');
  if (req.kind !== undefined && !['combined', 'patchcore', 'gaussian'].includes(req.kind))
    problems.push(`the detector kind must be combined, patchcore or gaussian; got ${JSON.stringify(req.kind)}`);
  if (!req.limits || !(req.limits.maxFileBytes > 0) || !(req.limits.maxPixels > 0))
    problems.push('decode limits must give positive maxFileBytes and maxPixels');
  return problems;
}

export async function fitModel(req: FitModelRequest, io: FitIO, hooks: FitModelHooks = {}): Promise<FitModelResult> {
  const now = io.now ?? (() => performance.now());
  const t0 = now();
  const signal = hooks.signal;
  const problems = fitRequestProblems(req);
  if (problems.length) throw new XrayError('MODEL_INVALID', `Cannot fit: ${problems.join('; ')}.`);
  const files = [...new Set(req.files)];
  if (files.length === 0)
    throw new XrayError(
      'EMPTY_FILE',
      `There are no images to fit on: fitting needs at least ${MIN_FIT_IMAGES} normal images.`,
    );
  if (files.length < MIN_FIT_IMAGES) throw new XrayError('EMPTY_FILE', tooFewFound(files.length));
  if (!(await io.files.isDirectory(req.outDir).catch(() => false)))
    throw new XrayError('MODEL_INVALID', `The output folder ${req.outDir} does not exist.`);
  const onnxPath = join(req.outDir, `${req.modelId}.onnx`);
  const manifestPath = join(req.outDir, `${req.modelId}${MANIFEST_SUFFIX}`);
  if (!req.overwrite) {
    for (const p of [onnxPath, manifestPath]) {
      if (await io.files.exists(p))
        throw new XrayError(
          'MODEL_INVALID',
          `${basename(p)} already exists in ${req.outDir}; choose another model id or allow overwriting.`,
        );
    }
  }
  const kind = req.kind ?? 'combined';
  const base: DetectorRecipe = hooks.recipe ?? {
    ...DEFAULT_RECIPE,
    global: { ...DEFAULT_RECIPE.global, enabled: kind !== 'patchcore' },
    local: {
      ...DEFAULT_RECIPE.local,
      enabled: kind !== 'gaussian',
      coresetRatio: req.coresetRatio ?? DEFAULT_RECIPE.local.coresetRatio,
      ...(req.positional ? { positional: POSITIONAL_PART } : {}),
    },
  };

  const skipped: SkippedImage[] = [];
  let recipe = base;
  const tracker = new ProgressTracker<FitStageName>(
    [
      { stage: 'reading', expected: 1 },
      { stage: 'features', expected: 0.03 * files.length },
      { stage: 'gaussian', expected: recipe.global.enabled ? 1 : 0 },
      { stage: 'coreset', expected: recipe.local.enabled ? coresetSeconds(files.length, recipe) : 0 },
      { stage: 'calibrate', expected: calibrateSeconds(files.length, recipe, req.calibrationFraction) },
      { stage: 'export', expected: 2 },
    ],
    now,
  );
  let lastSent = -Infinity;
  let lastStage: FitStageName | undefined;
  // Seconds spent in each stage, for the manifest (where the time goes on the user's machine).
  const stageSeconds: Partial<Record<FitStageName, number>> = {};
  let stageStart = { stage: 'reading' as FitStageName, at: t0 };
  const report = (stage: FitStageName, fraction: number, message: string, force = false): void => {
    const p = tracker.update(stage, fraction);
    const t = now();
    if (stage !== stageStart.stage) {
      stageSeconds[stageStart.stage] = (stageSeconds[stageStart.stage] ?? 0) + (t - stageStart.at) / 1000;
      stageStart = { stage, at: t };
    }
    // At most a few notifications a second, but every stage change and the end of each stage.
    if (!force && stage === lastStage && fraction < 1 && t - lastSent < 250) return;
    lastSent = t;
    lastStage = stage;
    hooks.onProgress?.({ ...p, message, skipped: skipped.length });
  };

  // 1. Backbone: manifest, ONNX, trial run.
  report('reading', 0, 'Checking the backbone', true);
  const backbonePath = req.backboneManifestPath ?? io.defaultBackbonePath;
  const backbone = await readBackbone(io, backbonePath);
  const backboneOnnx = safeRelativePath(backbone.onnx);
  if (!backboneOnnx.ok) throw new XrayError('MODEL_INVALID', `The backbone manifest's onnx ${backboneOnnx.reason}.`);
  let backboneBytes = await io.files
    .readFile(join(dirname(backbonePath), ...backboneOnnx.path.split('/')), Number.MAX_SAFE_INTEGER)
    .catch((err: unknown) => {
      throw new XrayError('MODEL_NOT_FOUND', `The backbone's ONNX file ${backbone.onnx} cannot be read.`, String(err));
    });
  // The detector reads the tap the backbone manifest names; a position-aware fit also draws its fine map at
  // the backbone's fine tap, when it names one.
  recipe = { ...base, tap: backbone.tap };
  if ((req.positional || req.positionalMap) && backbone.fineTap && !recipe.local.fineMap)
    recipe = { ...recipe, local: { ...recipe.local, fineMap: { ...POSITIONAL_MAP, tap: backbone.fineTap } } };
  if (req.fineScore && recipe.local.fineMap && !recipe.local.fineScore)
    recipe = { ...recipe, local: { ...recipe.local, fineScore: FINE_SCORE } };
  let fineTap = recipe.local.enabled ? recipe.local.fineMap?.tap : undefined;
  const pipeline = req.pipeline ?? 'backbone';
  const preprocessing = fitPipelineSpec(pipeline, backbone.input, backbone.preprocessing);
  const specProblems: string[] = [];
  validatePipeline(preprocessing, 'preprocessing', specProblems);
  if (specProblems.length)
    throw new XrayError(
      'MODEL_INVALID',
      `The ${pipeline} preprocessing does not suit this backbone: ${specProblems.join('; ')}.`,
    );
  let extractor = await FeatureExtractor.open(
    io.compute,
    backbone,
    backboneBytes,
    `backbone:${backbone.id}:${req.jobId}`,
    fineTap,
  );
  // The contrast channels lie on the fine tap's grid: their cell is its stride, known after the trial run.
  const fm = recipe.local.fineMap;
  if (req.contrastMap && fineTap && fm && extractor.shape.fine && !fm.contrast) {
    const contrast = { cell: backbone.input.height / extractor.shape.fine.h, ...FINE_CONTRAST };
    const fineMap = { ...fm, contrast };
    recipe = { ...recipe, local: { ...recipe.local, fineMap } };
    backboneBytes = withLocalContrast(backboneBytes, backbone.input, fm.tap, contrast);
    fineTap = fineSourceTap(fineMap);
    extractor = await FeatureExtractor.open(
      io.compute,
      backbone,
      backboneBytes,
      `backbone:${backbone.id}:${req.jobId}:contrast`,
      fineTap,
    );
  }
  if (extractor.shape.c === 0)
    throw new XrayError('MODEL_INPUT_MISMATCH', `The backbone's tap '${backbone.tap}' has no channels.`);
  checkAbort(signal);

  // 2. Images -> features. Held-out calibration files (if any) come first, so their maps are complete
  // before training.
  const heldOut = req.calibrationFraction !== undefined;
  const { held, rest } = heldOut
    ? groupedHoldout(
        files,
        subjectKey,
        Math.min(files.length, Math.max(2, Math.round(files.length * req.calibrationFraction!))),
        recipe.seed,
      )
    : { held: [], rest: files };
  // Whole patients only, so possibly fewer than asked for: exactly the held files calibrate.
  const calTarget = held.length;
  if (heldOut && calTarget < 2)
    throw new XrayError(
      'MODEL_INVALID',
      `Cannot hold out ${Math.round(files.length * req.calibrationFraction!)} of ${files.length} images without splitting a patient (file names tell patients apart); leave out the calibration fraction to cross-fit instead.`,
    );
  // The position-aware part's map is centred per position on the calibration images: it needs enough of them.
  if ((req.positional || req.positionalMap) && calTarget < MIN_CENTRING_IMAGES)
    throw new XrayError(
      'MODEL_INVALID',
      `A position-aware fit compares each place with at least ${MIN_CENTRING_IMAGES} held-out images; ${calTarget} of ${files.length} would be held out. Fit on more images, hold out a larger share, or fit without position awareness.`,
    );
  const ordered = [...held, ...rest];
  // Patients for cross-fitting; when the names tell none apart (one group), each file is its own.
  const groupOf = new Set(files.map(subjectKey)).size >= 2 ? subjectKey : (f: string) => f;
  const prepManifest = { input: backbone.input, preprocessing };
  const heldSet = new Set(held);
  // Per training image (region) in the set's order: a mirrored copy (fitted on, never calibrating).
  const isCopy: boolean[] = [];
  let mirrored = 0;
  const set = new TrainingSet(recipe, rest.length);
  const calibration: FeatureMaps[] = [];
  const groups: string[] = [];
  // The file of each training image (region), to name the most unusual ones.
  const trainPaths: string[] = [];
  let calImages = 0;
  let calFiles = 0;
  let usedFiles = 0;
  let sample: { input: Float32Array; maps: FeatureMaps } | undefined;
  const tensorSize = backbone.input.channels * backbone.input.height * backbone.input.width;

  const prepareBatch = async (
    paths: string[],
  ): Promise<{ path: string; tensors: Float32Array[]; copies: number }[]> => {
    const out: { path: string; tensors: Float32Array[]; copies: number }[] = [];
    for (const path of paths) {
      try {
        const bytes = await io.files.readFile(path, req.limits.maxFileBytes);
        const image = await io.decode(bytes, path, req.limits);
        const tensors = io.prepare(image, prepManifest).map((p) => p.tensor);
        const mirror = req.mirror === true && !heldSet.has(path);
        const { channels, height, width } = backbone.input;
        out.push({
          path,
          tensors: mirror ? [...tensors, ...tensors.map((t) => mirrorTensor(t, channels, height, width))] : tensors,
          copies: mirror ? tensors.length : 0,
        });
      } catch (err) {
        skipped.push(skipRecord(path, err));
      }
    }
    return out;
  };

  report('features', 0, `Reading ${files.length} images`, true);
  let pending = prepareBatch(ordered.slice(0, BATCH));
  for (let b = 0; b < ordered.length; b += BATCH) {
    const batch = await pending;
    checkAbort(signal);
    // Decode the next batch while the backbone runs on this one.
    pending = b + BATCH < ordered.length ? prepareBatch(ordered.slice(b + BATCH, b + 2 * BATCH)) : Promise.resolve([]);
    pending.catch(() => undefined);
    if (files.length - skipped.length < MIN_FIT_IMAGES) throw tooFew(files.length, skipped, true);
    // One backbone run per batch (batches of one image run several times slower); then each file's
    // maps go to calibration (until it has its share) or into the training set.
    const total = batch.reduce((a, item) => a + item.tensors.length, 0);
    if (total > 0) {
      const input = new Float32Array(total * tensorSize);
      let k = 0;
      for (const item of batch) for (const t of item.tensors) input.set(t, k++ * tensorSize);
      const maps = await extractor.run(input, total);
      let at = 0;
      const training: FeatureMaps[] = [];
      for (const item of batch) {
        const n = item.tensors.length;
        const own: FeatureMaps = sliceMaps(maps, at, n);
        // The export is checked on the first image (a calibration one when there are any).
        sample ??= { input: input.slice(at * tensorSize, (at + n) * tensorSize), maps: own };
        if (calFiles < calTarget) {
          calibration.push(own);
          calImages += n;
          calFiles++;
        } else {
          training.push(own);
          // Every region of a file (e.g. two hands), and its mirrored copies (the last `copies`), belong to
          // that file's patient: cross-fitting leaves them out together.
          for (let r = 0; r < n; r++) {
            groups.push(groupOf(item.path));
            trainPaths.push(item.path);
            isCopy.push(r >= n - item.copies);
          }
          mirrored += item.copies;
        }
        at += n;
        usedFiles++;
      }
      if (training.length) {
        // Consecutive training files share one buffer: add them as one batch.
        await set.add(io.compute, concatMaps(training), groups.splice(0));
      }
    }
    report(
      'features',
      Math.min(1, (b + BATCH) / ordered.length),
      `Features of ${Math.min(ordered.length, b + BATCH)} of ${ordered.length} images${skipped.length ? ` (${skipped.length} skipped)` : ''}`,
    );
  }
  await pending;
  if (usedFiles < MIN_FIT_IMAGES) throw tooFew(files.length, skipped);
  checkAbort(signal);

  // 3. Detector.
  const stageMessage: Record<string, string> = {
    gaussian: `Fitting the Gaussian on ${set.images} images`,
    coreset: `Selecting the memory bank (${bankRowCount(set.images * extractor.shape.h * extractor.shape.w, { coresetRatio: recipe.local.coresetRatio, minRows: recipe.local.minBankRows })} of ${set.images * extractor.shape.h * extractor.shape.w} patches)`,
    calibrate: heldOut
      ? `Calibrating on ${calImages} held-out images`
      : `Cross-fitting the threshold on ${Math.min(set.images, DEFAULT_CROSS_FIT.maxImages)} images`,
  };
  const source: CalibrationSource = heldOut
    ? calibration
    : { method: 'cross-fit', ...(mirrored ? { calibrateOn: (i: number) => !isCopy[i] } : {}) };
  const det = await fitTrainingSet(io.compute, set, source, {
    signal,
    onProgress: (p) =>
      report(p.stage === 'pool' ? 'gaussian' : p.stage, p.fraction, stageMessage[p.stage] ?? p.stage, p.fraction === 0),
  }).catch((err: unknown) => {
    throw err instanceof XrayError && err.code === 'CANCELLED' ? cancelled() : err;
  });
  checkAbort(signal);

  // 4. Export, verify, write.
  report('export', 0, 'Writing the model', true);
  const date = io.date?.() ?? new Date();
  const model = exportDetector(det, { ...backbone, preprocessing }, backboneBytes, {
    id: req.modelId,
    name: req.name?.trim() || req.modelId,
    stride: extractor.shape.stride,
    images: { training: set.images, calibration: calImages, skipped: skipped.length },
    source: `${describeSource(files)}${mirrored ? ` (${mirrored} of the training images are mirrored copies)` : ''}, preprocessing '${pipeline}'`,
    fitSeconds: (now() - t0) / 1000,
    stageSeconds: Object.fromEntries(Object.entries(stageSeconds).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    fittedAt: date.toISOString(),
  });
  await verifyExport(io.compute, model.onnx, backbone, sample!, det, `export:${req.jobId}`);
  // Our own manifest must pass the validation every loader applies.
  parseManifest(JSON.stringify(model.manifest), manifestPath);
  checkAbort(signal);
  await writeAtomically(
    io.files,
    [
      { path: onnxPath, bytes: model.onnx },
      { path: manifestPath, bytes: JSON.stringify(model.manifest, null, 2) + '\n' },
    ],
    signal,
  );
  report('export', 1, `Wrote ${basename(onnxPath)}`, true);
  return {
    manifestPath,
    onnxPath,
    images: {
      used: set.images - mirrored + calImages,
      calibration: calImages,
      skipped,
      ...(req.mirror ? { mirrored } : {}),
    },
    preprocessing: { pipeline, spec: preprocessing },
    threshold: det.threshold,
    calibration: {
      ...calibrationInfo(det),
      // Only here, for the user's report and log: file names can name patients, so never in the manifest.
      ...(det.calibration.highest
        ? {
            mostUnusual: det.calibration.highest
              .slice(0, 3)
              .map((h) => ({ path: trainPaths[h.image], score: h.score, ...(h.excluded ? { excluded: true } : {}) })),
          }
        : {}),
    },
    memoryBank: { rows: det.bank?.bank.rows ?? 0, dims: det.bank?.bank.cols ?? 0 },
    ...(det.positional
      ? { positional: { references: det.positional.ref.count, fineMap: det.fine !== undefined } }
      : det.fine
        ? { positionalMap: { references: det.fine.ref.count } }
        : {}),
    fitMs: now() - t0,
  };
}

/** Nominal coreset seconds: one pass over all (projected) rows per selected row. */
function coresetSeconds(images: number, recipe: DetectorRecipe): number {
  const rows = images * 196;
  const selected = bankRowCount(rows, { coresetRatio: recipe.local.coresetRatio, minRows: recipe.local.minBankRows });
  return recipe.local.sampling === 'greedy'
    ? 6.3e-10 * rows * selected * (recipe.local.selectionProjectTo || 384) + 1
    : 1;
}

/**
 * Nominal calibration seconds: scoring the calibration images against the bank (~20 ms each at 14x14 and
 * a 1000-2600-row bank on one busy core; cross-fitting's bank repair adds about as much again), plus,
 * when cross-fitted, the Gaussian refits (~40-200 ms each below 768 images, where the dual form applies;
 * ~0.6 s above).
 */
function calibrateSeconds(files: number, recipe: DetectorRecipe, fraction: number | undefined): number {
  if (fraction !== undefined) return 1 + 0.02 * files * fraction;
  const scored = Math.min(files, DEFAULT_CROSS_FIT.maxImages);
  const refits = recipe.global.enabled
    ? foldCount(files, scored, scored) * (files < 768 ? 0.04 + 2e-4 * files : 0.6)
    : 0;
  return 1 + (recipe.local.enabled ? 0.03 * scored : 0) + refits;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  EIO: 'an I/O error',
};

/** Why a file was skipped: the XrayError of decoding or preprocessing, or the file-system error of reading. */
function skipRecord(path: string, err: unknown): SkippedImage {
  if (err instanceof XrayError) return { path, code: err.code, message: err.message };
  const errno = (err as { code?: unknown })?.code;
  if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno))
    return { path, code: errno, message: `${basename(path)} cannot be read: ${FS_REASONS[errno] ?? errno}.` };
  const info = toErrorInfo(err);
  return { path, code: info.code, message: info.message };
}

/** "7 images found, at least 10 needed" (before anything is read). */
function tooFewFound(n: number): string {
  return (
    `${n} image${n === 1 ? '' : 's'} found, at least ${MIN_FIT_IMAGES} needed: a detector needs that many normal images ` +
    `(of different patients) for its Gaussian, memory bank and threshold; mirrored copies do not count, they add no new patient. Nothing was written.`
  );
}

/** Left-right mirror of a [channels, height, width] tensor. */
export function mirrorTensor(t: Float32Array, channels: number, height: number, width: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < height; y++) {
      const row = (c * height + y) * width;
      for (let x = 0; x < width; x++) out[row + x] = t[row + width - 1 - x];
    }
  return out;
}

/** `soFar`: reading stopped early, once too many files had failed for the rest to make up the minimum. */
function tooFew(total: number, skipped: SkippedImage[], soFar = false): XrayError {
  const examples = skipped
    .slice(0, 2)
    .map((s) => s.message.replace(/\.$/, ''))
    .join('; ');
  const usable = soFar
    ? `fewer than ${MIN_FIT_IMAGES} of ${total} can be read`
    : `only ${total - skipped.length} of ${total} can be used`;
  return new XrayError(
    'EMPTY_FILE',
    `Fitting needs at least ${MIN_FIT_IMAGES} readable normal images, but ${usable}${skipped.length ? ` (${skipped.length} unreadable${soFar ? ' so far' : ''}, e.g. ${examples})` : ''}. Nothing was written.`,
    skipped.map((s) => `${s.path}: [${s.code}] ${s.message}`).join('\n'),
  );
}

async function readBackbone(io: FitIO, path: string): Promise<BackboneManifest & { preprocessing: PipelineSpec }> {
  let bytes: Uint8Array;
  try {
    bytes = await io.files.readFile(path, 4 * 1024 * 1024);
  } catch (err) {
    throw new XrayError('MODEL_NOT_FOUND', `The backbone manifest ${path} cannot be read.`, String(err));
  }
  return parseBackboneManifest(new TextDecoder().decode(bytes), path);
}

function describeSource(files: string[]): string {
  const dirs = [...new Set(files.map((f) => dirname(f)))];
  return dirs.length === 1
    ? `the folder ${basename(dirs[0])}`
    : `${dirs.length} folders (${dirs
        .slice(0, 3)
        .map((d) => basename(d))
        .join(', ')}${dirs.length > 3 ? ', ...' : ''})`;
}

/**
 * Runs the written bytes on the first calibration images and compares with the in-memory scores: a
 * model that would not reproduce what was fitted is never written.
 */
async function verifyExport(
  be: ComputeBackend,
  onnx: Uint8Array,
  backbone: BackboneManifest,
  sample: { input: Float32Array; maps: FeatureMaps },
  det: FittedDetector,
  key: string,
): Promise<void> {
  const { channels, height, width, name } = backbone.input;
  const scores = await scoreWithDetector(be, det, [sample.maps]);
  const expected = scores.score;
  let got: Float32Array;
  try {
    const out = await be.run(key, () => onnx, { [name]: f32(sample.input, [sample.maps.n, channels, height, width]) });
    got = out.pred_score.data as Float32Array;
  } catch (err) {
    throw new XrayError(
      'INTERNAL',
      `The exported model does not run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}. Nothing was written.`,
      String(err),
    );
  }
  const tolerance = scoreTolerances(det, scores);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(got[i] - expected[i]) <= tolerance[i])) {
      throw new XrayError(
        'INTERNAL',
        `The exported model scores ${got[i]} where the fitted detector scores ${expected[i]} (allowed difference ${tolerance[i].toPrecision(2)}); nothing was written.`,
      );
    }
  }
}

interface PendingFile {
  path: string;
  bytes: Uint8Array | string;
}

/**
 * Writes every file under a temporary name in its folder, then renames them into place (the manifest
 * last, so a model is never discoverable before its ONNX file is complete). Any failure or a
 * cancellation removes what was written.
 */
export async function writeAtomically(fs: FitFiles, pending: PendingFile[], signal?: AbortSignal): Promise<void> {
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const temps = pending.map((p) => join(dirname(p.path), `.${basename(p.path)}.${stamp}.tmp`));
  const placed: string[] = [];
  try {
    for (let i = 0; i < pending.length; i++) {
      checkAbort(signal);
      await fs.writeFile(temps[i], pending[i].bytes);
    }
    checkAbort(signal);
    for (let i = 0; i < pending.length; i++) {
      await fs.rename(temps[i], pending[i].path);
      placed.push(pending[i].path);
    }
  } catch (err) {
    for (const t of temps) await fs.remove(t).catch(() => undefined);
    // A half-placed model (ONNX without its manifest) is removed too.
    if (placed.length < pending.length) for (const p of placed) await fs.remove(p).catch(() => undefined);
    throw err;
  }
}
