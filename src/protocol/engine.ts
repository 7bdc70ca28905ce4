/**
 * Extension host (or CLI) <-> inference engine process. The engine owns every native module
 * (onnxruntime-node, sharp), so a native crash there cannot take the extension host down.
 * Images are decoded once in the engine and kept there by id; analysis refers to them by id.
 */
import type { ErrorInfo } from '../core/errors';
import type { DecodeLimits, XrayImage } from '../core/image/types';
import type { AnalysisResult } from '../core/scoring/types';
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
  decode: [{ bytes: Uint8Array; fileName: string; limits: DecodeLimits; frame?: number }, { imageId: string; image: XrayImage; decodeMs: number }];
  loadModel: [{ manifestPath: string; provider: ProviderPreference }, LoadedModel];
  analyze: [{ imageId: string; modelKey: string }, AnalysisResult];
  releaseImage: [{ imageId: string }, void];
  info: [Record<string, never>, { pid: number; versions: Record<string, string>; providersAvailable: string[] }];
};

export type EngineRequest = RequestOf<EngineMethods>;

export type EngineNotifications = {
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };
};
export type EngineNotification = NotificationOf<EngineNotifications>;

export type { ErrorInfo };
