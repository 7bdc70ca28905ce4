/**
 * Extension host (or CLI) <-> inference engine process. The engine owns every native module
 * (onnxruntime-node, sharp), so a native crash there cannot take the extension host down.
 * Images are decoded once in the engine and kept there by id; analysis refers to them by id.
 */
import type { DicomTagEntry } from '../core/decode/dicom/tags';
import type { ErrorInfo } from '../core/errors';
import type { DecodeLimits, XrayImage } from '../core/image/types';
import type { PipelinePreview } from '../core/preprocess/preview';
import type { PipelineSpec } from '../core/preprocess/spec';
import type { AnalysisResult } from '../core/scoring/types';
import type { FitModelRequest, FitModelResult } from '../core/fit/fitModel';
import type { RowError, RowScore } from '../core/batch/types';
import type { QualityMeasures } from '../core/quality/types';
import type { NotificationOf, RequestOf } from './rpc';

/** 'auto' tries the platform's GPU providers in order, then CPU. */
export type ProviderPreference = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';

export interface LoadedModel {
  modelKey: string;
  modelId: string;
  version: string;
  /** Provider the session actually runs on. */
  provider: string;
  /** Why earlier providers in the 'auto' order were skipped, one line each. */
  fallbacks: string[];
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[];
  loadMs: number;
}

export type EngineMethods = {
  /**
   * `tags: true` also lists a DICOM file's attributes (for the tags panel) from the same bytes: `tags`
   * when they could be read, `tagsError` when not (the image may still decode). Tag values can
   * identify the patient: callers keep them out of logs.
   */
  decode: [
    { bytes: Uint8Array; fileName: string; limits: DecodeLimits; frame?: number; tags?: boolean },
    { imageId: string; image: XrayImage; decodeMs: number; tags?: DicomTagEntry[]; tagsError?: ErrorInfo },
  ];
  loadModel: [{ manifestPath: string; provider: ProviderPreference }, LoadedModel];
  analyze: [{ imageId: string; modelKey: string }, AnalysisResult];
  /** Every step of the model's preprocessing on a held image, as thumbnails (the editor's strip). */
  preview: [{ imageId: string; modelKey: string; thumbSize?: number }, PipelinePreview];
  /** The same for a pipeline no model carries yet (the fit wizard's preview before fitting); checked like a manifest's. */
  previewSpec: [{ imageId: string; spec: PipelineSpec; thumbSize?: number }, PipelinePreview];
  releaseImage: [{ imageId: string }, void];
  info: [Record<string, never>, { pid: number; versions: Record<string, string>; providersAvailable: string[] }];
  /**
   * Fits a detector on normal images and writes ONE self-contained ONNX file plus its manifest into
   * `outDir` (written under temporary names and renamed at the end: a cancelled or failed fit leaves
   * nothing). Progress comes as `fitProgress` notifications with the same jobId.
   */
  fit: [FitRequest, FitResult];
  /** Stops a running fit; its `fit` request then fails with CANCELLED. Unknown ids are ignored. */
  cancelFit: [{ jobId: string }, void];
  /**
   * Scores files for a batch (src/engine/batch/service.ts drives it). The engine reads each file itself,
   * hashes it, decodes and preprocesses it in worker threads, and runs the models on batches of ready
   * tensors; several requests in flight share one pipeline. Per-file failures come back as outcomes,
   * never as a failed request.
   */
  batchScore: [BatchScoreRequest, BatchScoreResult];
};

export interface BatchModelSpec {
  manifestPath: string;
  provider: ProviderPreference;
}

export interface BatchItemSpec {
  /** Absolute path of the file. */
  path: string;
  /** Indexes into the request's models: the models this file needs. */
  models: number[];
  /** When the file's content hash equals this, it is not decoded (`unchanged` comes back). */
  knownHash?: string;
}

export interface BatchMediaSpec {
  /** Cache folder (thumbnails by content hash, heatmaps by model and content hash). */
  dir: string;
  /** Longest side of thumbnails and heatmaps in pixels (default 128). */
  size?: number;
  heatmaps?: boolean;
}

export interface BatchScoreRequest {
  models: BatchModelSpec[];
  items: BatchItemSpec[];
  limits: DecodeLimits;
  media?: BatchMediaSpec;
  /** The dataset-quality measures of each file (default true); false where the rows' quality is not kept. */
  quality?: boolean;
}

export interface BatchModelOutcome {
  score?: RowScore;
  error?: RowError;
  provider?: string;
  /** Heatmap image relative to the media folder. */
  heatmap?: string;
  /** The backbone features at the model's tap, L2-normalised int8 (core/similar), when the model has a tap. */
  embedding?: number[];
  /** This model's inference + postprocessing share for the file. */
  ms: number;
}

export interface BatchItemOutcome {
  path: string;
  /** SHA-256 hex of the bytes read ('' when unreadable). */
  hash: string;
  size: number;
  mtimeMs: number;
  /** The content matched knownHash: nothing was decoded or scored. */
  unchanged?: boolean;
  /** Failure before any model ran (read, decode, preprocessing): every model's row carries it. */
  error?: RowError;
  /** One per entry of the item's `models`, same order (empty when `error` or `unchanged`). */
  models: BatchModelOutcome[];
  /** Thumbnail image relative to the media folder. */
  thumb?: string;
  /** Dataset-quality measures of the decoded image (absent when it could not be decoded). */
  quality?: QualityMeasures;
  /** Read + hash + decode + preprocessing milliseconds (worker time). */
  prepMs: number;
}

export interface BatchScoreResult {
  items: BatchItemOutcome[];
  /** The sessions used (provider, fallbacks), by request model index. */
  models: LoadedModel[];
  /** Where the engine's time went since its batch pipeline started (cumulative; see BatchPipelineStats). */
  pipeline?: BatchPipelineStats;
}

/**
 * Cumulative counters of an engine's batch pipeline, for finding where a run's time goes: prep workers
 * waiting for files (idle) means the pipeline starves them; a main thread busy most of the time means
 * inference (run synchronously there by onnxruntime-node) or postprocessing is the limit.
 */
export interface BatchPipelineStats {
  /** Prep workers now, and the busy (in a job) and total lifetime milliseconds of all workers so far. */
  workers: number;
  prepBusyMs: number;
  prepLifeMs: number;
  /** Session runs, inputs through them, and milliseconds inside them. */
  inferRuns: number;
  inferItems: number;
  /** Of `inferItems`, those run on a model's lean session (its graph cut to the score and embedding). */
  inferLeanItems: number;
  inferMs: number;
  /** Engine main thread: busy and idle milliseconds (event loop utilisation) since the pipeline started. */
  mainBusyMs: number;
  mainIdleMs: number;
}

/** A fit request is the core's FitModelRequest: one definition for engine, CLI and extension. */
export type FitRequest = FitModelRequest;

/**
 * A fit result is the core's FitModelResult, `calibration` included (how the threshold was found, the
 * false-alarm rate to expect, the small-folder warning, the most unusual fitted images): one definition,
 * so what the engine returns and what the CLI and extension read cannot drift apart.
 */
export type FitResult = FitModelResult;

export type FitStage = 'reading' | 'features' | 'gaussian' | 'coreset' | 'calibrate' | 'export';

export type EngineRequest = RequestOf<EngineMethods>;

export type EngineNotifications = {
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };
  /** fraction 0..1 of the whole fit; etaS once it can be estimated; skipped = unreadable images so far. */
  fitProgress: { jobId: string; stage: FitStage; fraction: number; etaS?: number; message: string; skipped: number };
};
export type EngineNotification = NotificationOf<EngineNotifications>;

export type { ErrorInfo };
