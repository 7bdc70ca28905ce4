import type { Affine, XrayImage } from '../image/types';
import type { PreprocessStep } from './spec';
import type { JsonSchema } from '../model/jsonschema';
import type { Raster } from './raster';

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
}

/** Builds a step's JSON Schema: an object with `op` pinned and no unknown fields. */
export function stepSchema(op: string, description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { op: { const: op }, ...properties },
    required: ['op', ...required],
    additionalProperties: false,
  };
}
