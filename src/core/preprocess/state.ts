import type { Affine, XrayImage } from '../image/types';
import type { PreprocessStep } from './spec';
import type { JsonSchema } from '../model/jsonschema';
import type { Raster } from './raster';
import type { RowSource } from './resample';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Everything a step may read or change. Steps return a new state; they never mutate their input. */
export interface PipelineState {
  /** The decoded image the pipeline started from (window presets, photometric interpretation). */
  readonly source: XrayImage;
  raster: Raster;
  /** Working pixel coordinates -> original image pixel coordinates (continuous, pixel i spans [i, i+1)). */
  toImage: Affine;
  /** Part of the raster showing image content, i.e. not padding added by a step. */
  content: Rect;
  /** Known bounds of the values (e.g. [0,1] after 'intensity'); undefined = read them from the data. */
  domain?: { min: number; max: number };
  /**
   * Optional width*height mask (1 = foreground) set by steps that find the subject (e.g. Otsu + morphology)
   * or mask burned-in text; geometric steps carry it along. The final foreground is mask AND content AND
   * not black.
   */
  mask?: Uint8Array;
  /** The value meaning "no signal": pixels equal to it are background for the foreground mask. */
  black: number;
  /** Whether larger values currently display darker. Becomes MONOCHROME2 once a step has inverted. */
  photometric: XrayImage['photometric'];
  /** Things the user should know about what the steps did (e.g. "no exposed field found"); append-only. */
  notices?: readonly string[];
  /**
   * Set by the pipeline when nothing keeps earlier states (no onStep observer): a step may then
   * overwrite pixel arrays that an earlier step of this run made, instead of copying them.
   */
  scratch?: boolean;
  /** Set by a step that splits the image (splitHands): which of how many outputs this state is. */
  region?: { index: number; count: number };
}

/** The state with one more notice. */
export function withNotice(state: PipelineState, notice: string): PipelineState {
  return { ...state, notices: [...(state.notices ?? []), notice] };
}

/**
 * One preprocessing operation. `params` is the JSON Schema of the step's object (its `op` is pinned
 * with `const`), used both to validate manifests and to publish the manifest schema; `check` adds
 * rules a schema cannot say (low < high). Issue 3's steps slot in by adding a definition to OPS.
 */
export interface OpDefinition<S extends PreprocessStep = PreprocessStep> {
  op: S['op'];
  params: JsonSchema;
  check?(step: S): string[];
  apply(state: PipelineState, step: S): PipelineState;
  /** Whether the step changes the raster's geometry (size, crop, rotation). */
  geometric?: boolean;
  /** For geometric steps that produce a fixed size whatever the input: that size. */
  fixedOutputSize?(step: S): { width: number; height: number };
  /**
   * Steps with several outputs (splitHands): one state per output, each with its own affine. Multi-output
   * runs call this instead of `apply`; single-output runs call `apply`, which keeps one output.
   */
  fork?(state: PipelineState, step: S): PipelineState[];
  /**
   * Steps whose output is computed row by row (CLAHE): the state after the step, except that its
   * raster is still the input's, and the output as rows. When the next step can read rows (`applyRows`,
   * the resizes), the pipeline joins the two, so the full-resolution output is never stored: same
   * values, one pass over the image fewer.
   */
  rows?(state: PipelineState, step: S): { state: PipelineState; source: RowSource };
  /** `apply`, reading the pixels from `source` (same size as state.raster) instead of state.raster. */
  applyRows?(state: PipelineState, step: S, source: RowSource): PipelineState;
  /** Short human label for the step-by-step preview, e.g. "CLAHE (clip 3, 8x8 tiles)". */
  label?(step: S): string;
}

/** Builds a step's JSON Schema: an object with `op` pinned and no unknown fields. */
export function stepSchema(
  op: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: string[] = [],
): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { op: { const: op }, ...properties },
    required: ['op', ...required],
    additionalProperties: false,
  };
}
