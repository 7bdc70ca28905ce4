/**
 * Extension host (or CLI) <-> inference engine process. The engine owns every native module
 * (onnxruntime-node, sharp), so a native crash there cannot take the extension host down.
 * Images are decoded once in the engine and kept there by id; analysis refers to them by id.
 */
import type { DicomTagEntry } from '../core/decode/dicom/tags';
import type { ErrorInfo } from '../core/errors';
import type { DecodeLimits, XrayImage } from '../core/image/types';
import type { PipelinePreview } from '../core/preprocess/preview';
import type { AnalysisResult } from '../core/scoring/types';
import type { FitModelRequest, FitModelResult } from '../core/fit/fitModel';
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
};

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
