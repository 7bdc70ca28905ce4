import type { PipelineSpec } from '../preprocess/spec';

/**
 * A model is an ONNX file plus this manifest, side by side: `<name>.onnx` and `<name>.model.json`.
 * The manifest says everything a runtime needs to use the ONNX file the way it was fitted: input
 * layout, preprocessing, what each output means, and how raw scores are calibrated.
 */
export const MANIFEST_SCHEMA = 'xray-anomaly-model/1';
export const MANIFEST_SUFFIX = '.model.json';

export type OutputKind = 'reconstruction' | 'anomaly_map' | 'score';

export interface ModelManifest {
  schema: typeof MANIFEST_SCHEMA;
  id: string;
  name: string;
  version: string;
  description?: string;
  /** ONNX file, relative to the manifest. */
  onnx: string;
  input: {
    name: string;
    /** Channels the network expects; greyscale is replicated when 3. */
    channels: 1 | 3;
    height: number;
    width: number;
    /** Per-channel (v - mean) / std after the pipeline; omitted = identity. */
    normalize?: { mean: number[]; std: number[] };
  };
  preprocessing: PipelineSpec;
  /**
   * Output names by meaning. At least one of reconstruction/anomalyMap/score.
   * reconstruction: image-shaped output; the map is the (foreground-masked) squared error, smoothed.
   * anomalyMap: model computes the map itself ([1,1,H,W] or [1,H,W]).
   * score: one number per image ([1] or [1,1]); when absent, derived from the map by `postprocess.reduce`.
   */
  outputs: {
    reconstruction?: string;
    anomalyMap?: string;
    score?: string;
  };
  postprocess?: {
    /**
     * Gaussian sigma in model pixels applied to the displayed map (the paper used 5 at 512 px).
     * Default 4 for reconstruction models; 0 for anomalyMap models (their exports usually smooth already).
     */
    smoothingSigma?: number;
    /**
     * Restrict the map to foreground (non-padding, non-zero input) pixels, as the paper did.
     * Default true for reconstruction models, false for anomalyMap models.
     */
    maskForeground?: boolean;
    /**
     * How an image score is derived from the map when the model gives none (default 'mean'). Applied to
     * the masked map BEFORE smoothing, like the paper's masked MSE and top-200 scores.
     */
    reduce?: 'mean' | 'max' | { topK: number };
  };
  /**
   * Raw score -> normalised score (src/core/scoring/calibration.ts, normalizeWith): 0.5 exactly at the
   * threshold, slope 1/(max - min) there as anomalib's clamp((x - threshold)/(max - min) + 0.5, 0, 1),
   * but strictly increasing over the whole range instead of clipped, so the order of raw scores is kept.
   * Map values use pixelThreshold (else threshold) and pixelScale (else max - min).
   */
  calibration: {
    threshold: number;
    min: number;
    max: number;
    pixelThreshold?: number;
    /**
     * Map units from the pixel threshold to normalised 0.75 (and 0.25 below) is half of it; a robust spread
     * of normal patches, so that one odd calibration image cannot flatten every map. Default max - min.
     */
    pixelScale?: number;
    /** Where the numbers came from, e.g. "95th percentile of 200 held-out normal images". */
    source?: string;
    /**
     * Score drift reference (src/core/scoring/drift.ts): the unseen calibration normals' scores at evenly
     * spaced percentiles (0 to 100), and how many scores they summarise. Absent in older models.
     */
    normalQuantiles?: number[];
    normalCount?: number;
  };
  license?: string;
  provenance?: string;
  /**
   * Offer this model first (model lists put default models before the others, so it is what a viewer
   * uses when no model is chosen in the settings).
   */
  default?: boolean;
  /** Free-form information (fit settings, validation metrics); carried along, never interpreted. */
  metadata?: Record<string, unknown>;
}

/** What the rest of the system needs to know about an available model, without opening it. */
export interface ModelInfo {
  id: string;
  name: string;
  version: string;
  description?: string;
  manifestPath: string;
  onnxPath: string;
  origin: 'bundled' | 'configured' | 'workspace';
  /** The manifest asks to be offered first ("default": true). */
  isDefault?: boolean;
}
