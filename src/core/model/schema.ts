/**
 * The model manifest as a JSON Schema (draft-07). Validation interprets this same object, so what an
 * editor offers as completion is exactly what the extension accepts. Rules a schema cannot state
 * (onnx path stays inside its folder, calibration max > min, pipeline size = input size) live in
 * validate.ts.
 */
import { pipelineSchema } from '../preprocess/validate';
import type { JsonSchema } from './jsonschema';
import { MANIFEST_SCHEMA } from './manifest';
import { MAX_MODEL_SIDE } from '../preprocess/ops/geometry';

const text = (description: string, maxLength = 1000): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  description,
});
const finite = (description: string): JsonSchema => ({ type: 'number', description });

export const MODEL_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';

export function buildManifestJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'X-ray Anomaly Review model manifest',
    description: 'Describes an ONNX anomaly detector: input layout, preprocessing, output meaning, calibration.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'Path or URL of this schema, for editor completion.' },
      schema: { const: MANIFEST_SCHEMA, description: 'Manifest format version.' },
      id: {
        type: 'string',
        pattern: MODEL_ID_PATTERN,
        description: 'Stable identifier used in settings.',
        'x-expected': "a string of letters, digits, '.', '_' or '-' (at most 100, starting with a letter or digit)",
      },
      name: text('Display name.', 200),
      version: text('Model version, e.g. 1.0.0.', 100),
      description: { type: 'string', maxLength: 2000 },
      onnx: text('ONNX file, relative to this manifest, inside its folder.'),
      input: {
        type: 'object',
        properties: {
          name: text('Name of the ONNX input.'),
          channels: { enum: [1, 3], description: 'Channels the network expects; greyscale is replicated when 3.' },
          height: { type: 'integer', minimum: 1, maximum: MAX_MODEL_SIDE },
          width: { type: 'integer', minimum: 1, maximum: MAX_MODEL_SIDE },
          normalize: {
            type: 'object',
            description: 'Per-channel (v - mean) / std after the pipeline (one value is used for every channel).',
            properties: {
              mean: { type: 'array', minItems: 1, maxItems: 3, items: finite('Channel mean.') },
              std: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'number', exclusiveMinimum: 0 } },
            },
            required: ['mean', 'std'],
            additionalProperties: false,
          },
        },
        required: ['name', 'channels', 'height', 'width'],
        additionalProperties: false,
      },
      preprocessing: pipelineSchema(),
      outputs: {
        type: 'object',
        description: 'ONNX output names by meaning; at least one.',
        properties: {
          reconstruction: text('Image-shaped reconstruction; the map is the squared error, smoothed.'),
          anomalyMap: text('Anomaly map computed by the model: [1,1,H,W], [1,H,W] or [H,W].'),
          score: text('One number per image.'),
        },
        additionalProperties: false,
      },
      postprocess: {
        type: 'object',
        properties: {
          smoothingSigma: {
            type: 'number',
            minimum: 0,
            maximum: 64,
            description: 'Gaussian sigma in model pixels; default 4, 0 = none.',
          },
          maskForeground: {
            type: 'boolean',
            description: 'Keep the map to foreground pixels; default true for reconstruction models.',
          },
          reduce: {
            oneOf: [
              { enum: ['mean', 'max'] },
              {
                type: 'object',
                properties: { topK: { type: 'integer', minimum: 1 } },
                required: ['topK'],
                additionalProperties: false,
              },
            ],
            'x-expected': `'mean', 'max' or {"topK": positive integer}`,
            description: 'Image score from the (unsmoothed) map when the model has no score output; default mean.',
          },
        },
        additionalProperties: false,
      },
      calibration: {
        type: 'object',
        description:
          "normalised = 0.5 + 0.5 z / (1 + |z|), z = 2 (raw - threshold) / (max - min): 0.5 at the threshold, strictly increasing (order kept), slope there as anomalib's clamp((raw - threshold) / (max - min) + 0.5, 0, 1).",
        properties: {
          threshold: finite('Raw image score at the decision threshold.'),
          min: finite('Raw score of the low end of the normalisation range.'),
          max: finite('Raw score of the high end of the normalisation range.'),
          pixelThreshold: finite('Raw map value at the pixel threshold; default threshold.'),
          pixelScale: {
            type: 'number',
            exclusiveMinimum: 0,
            description:
              'Map units playing the role of max - min for map values (a robust spread of normal patches); default max - min.',
          },
          source: { type: 'string', maxLength: 1000 },
          normalQuantiles: {
            type: 'array',
            minItems: 5,
            maxItems: 1001,
            items: finite('Score of the calibration normals at one percentile.'),
            description:
              'Score-drift reference: the unseen calibration normal scores at evenly spaced percentiles, 0 to 100, ascending.',
          },
          normalCount: {
            type: 'integer',
            minimum: 1,
            description: 'Calibration normal scores normalQuantiles summarise.',
          },
        },
        required: ['threshold', 'min', 'max'],
        additionalProperties: false,
      },
      license: { type: 'string', maxLength: 1000 },
      provenance: { type: 'string', maxLength: 10000 },
      default: {
        type: 'boolean',
        description: 'Offer this model first: model lists put default models before the others.',
      },
      metadata: { type: 'object', description: 'Free-form information (fit settings, metrics); not interpreted.' },
    },
    required: ['schema', 'id', 'name', 'version', 'onnx', 'input', 'preprocessing', 'outputs', 'calibration'],
    additionalProperties: false,
  };
}

export const manifestJsonSchema: JsonSchema = buildManifestJsonSchema();
