/**
 * Extension host <-> viewer webview (the custom editor for one X-ray file).
 * Handshake: the webview posts `ready`; the host answers with `init`, then `image`, `models`, and
 * `analysis` (or `error`) as they become available. The host can also ask the webview questions
 * (RPC requests, e.g. `getViewState`), which is how tests check what the webview actually received.
 */
import type { ErrorInfo } from '../core/errors';
import type { XrayImage } from '../core/image/types';
import type { AnalysisResult } from '../core/scoring/types';
import type { NotificationOf, RequestOf, ResponseMsg } from './rpc';

export interface ViewerSettings {
  heatmapOpacity: number;
  colormap: Colormap;
  /** Normalised map threshold for the outline, 0.5 = model's calibrated threshold. */
  threshold: number;
}

export type Colormap = 'jet' | 'inferno' | 'viridis' | 'hot' | 'red';

export interface ModelChoice {
  id: string;
  name: string;
  version: string;
  description?: string;
}

/** Host -> webview one-way messages. */
export type HostToViewerNotifications = {
  init: { fileName: string; settings: ViewerSettings };
  image: { image: XrayImage; decodeMs: number };
  models: { models: ModelChoice[]; selectedId?: string; provider?: string };
  analysisStarted: { modelId: string };
  analysis: { result: AnalysisResult };
  /** scope 'image': nothing can be shown; scope 'analysis': image stays, score/heatmap unavailable. */
  error: { scope: 'image' | 'analysis'; error: ErrorInfo };
};

/** Webview -> host one-way messages. */
export type ViewerToHostNotifications = {
  ready: Record<string, never>;
  selectModel: { modelId: string };
  pickModel: Record<string, never>;
  reanalyze: Record<string, never>;
  settingsChanged: Partial<ViewerSettings>;
  log: { level: 'info' | 'warn' | 'error'; message: string };
};

/** Summary of what the webview has received and is showing; answers `getViewState`. */
export interface ViewStateReport {
  fileName?: string;
  image?: { width: number; height: number; bitsStored: number; format: string; min: number; max: number };
  analysis?: {
    modelId: string;
    provider: string;
    scoreRaw: number;
    scoreNormalized: number;
    aboveThreshold: boolean;
    map?: { width: number; height: number; sum: number; max: number };
  };
  error?: { scope: 'image' | 'analysis'; code: string; message: string };
  view: { zoom: number; window: { center: number; width: number }; invert: boolean; overlayVisible: boolean; opacity: number; threshold: number; colormap: Colormap };
  models: { selectedId?: string; count: number };
  /** Number of frames the canvas has drawn with the current image (proves rendering happened). */
  renders: number;
}

/** Host -> webview requests (the webview answers). */
export type HostToViewerMethods = {
  getViewState: [Record<string, never>, ViewStateReport];
};

export type HostToViewerMessage = NotificationOf<HostToViewerNotifications> | RequestOf<HostToViewerMethods>;
export type ViewerToHostMessage = NotificationOf<ViewerToHostNotifications> | ResponseMsg;
