import type * as vscode from 'vscode';
import type { ErrorInfo } from '../../core/errors';
import type { FitResult } from '../../protocol/engine';
import type { FitPipelineId } from '../../core/fit/pipelines';
import type { FitProgressEvent } from './plan';
import type { PipelinePreviewReport } from './preview';

/**
 * Arguments for running the command from code (other extensions, tests): with `quiet`, nothing is asked;
 * `folder` (or `images`), `modelId` and `outDir` are then required, and a clash with an existing model
 * fails unless `overwrite`.
 */
export interface FitDetectorArgs {
  folder?: vscode.Uri | string;
  images?: (vscode.Uri | string)[];
  modelId?: string;
  name?: string;
  /** Default: the first workspace folder's .xray-anomaly/models. */
  outDir?: vscode.Uri | string;
  overwrite?: boolean;
  quiet?: boolean;
  /** Hold out this share of the images to calibrate, instead of cross-fitting on all of them (see FitRequest). */
  calibrationFraction?: number;
  coresetRatio?: number;
  /** Preprocessing by body part (core/fit/pipelines.ts); asked with a preview when missing, 'backbone' when quiet. */
  pipeline?: FitPipelineId;
  /** Also fit on left-right mirrored copies (asked when missing; false when quiet). */
  mirror?: boolean;
  /** Each picture set the preprocessing preview shows, when it is shown (tests, other extensions). */
  onPreview?: (r: PipelinePreviewReport) => void;
  /**
   * Position-aware local evidence (FitRequest.positional; asked when missing, false when quiet); holds out
   * the default calibration share when `calibrationFraction` is not given.
   */
  positional?: boolean;
  /** Detector kind (see FitRequest.kind); default 'combined'. */
  kind?: 'combined' | 'patchcore' | 'gaussian';
  /** Stops the fit like the notification's Cancel button. */
  cancellation?: vscode.CancellationToken;
  /** Every progress event of the fit, as the notification gets it. */
  onProgress?: (p: FitProgressEvent) => void;
}

export type FitOutcome =
  | {
      status: 'fitted';
      modelId: string;
      manifestPath: string;
      selected: boolean;
      /** What the engine returned, including how the threshold was calibrated. */
      result: FitResult;
      /** The report (Markdown) as "Open Report" shows it, and its read-only document (for SHOW_REPORT_COMMAND). */
      report: string;
      reportUri: string;
      /** What the preprocessing preview showed before the fit (empty when it was not shown). */
      previews: PipelinePreviewReport[];
    }
  /** The fit started and was cancelled: nothing was written. */
  | { status: 'cancelled'; modelId: string; leftovers: string[] }
  | { status: 'failed'; error: ErrorInfo; leftovers: string[] }
  /** Bad input caught before fitting (no images, bad or clashing id, unusable folder); nothing was written. */
  | { status: 'refused'; message: string }
  /** The user dismissed a prompt before anything started. */
  | { status: 'dismissed' }
  | { status: 'unavailable'; reason: string };
