/**
 * A backbone manifest says how to use a pretrained feature extractor (an ONNX file) for fitting
 * detectors: its input (size, channels, normalisation), the preprocessing that turns any X-ray into that
 * input, and the output ("tap") whose feature maps the detector reads. The bundled MobileNetV2 has one
 * (models/backbones/mobilenetv2-nsfwjs.backbone.json); a user plugs in another network, e.g. a
 * torchvision WideResNet export, by writing one next to its ONNX file. A fitted model's manifest copies
 * input and preprocessing from here, so it is prepared exactly as its features were.
 */
import { XrayError } from '../errors';
import type { PipelineSpec } from '../preprocess/spec';
import { stepRuleProblems, pipelineOutputSize, pipelineSchema } from '../preprocess/validate';
import { isPlainObject, validateAgainst, type JsonSchema } from './jsonschema';
import type { ModelManifest } from './manifest';
import { safeRelativePath } from './paths';
import { buildManifestJsonSchema } from './schema';

export const BACKBONE_SCHEMA = 'xray-anomaly-backbone/1';
export const BACKBONE_SUFFIX = '.backbone.json';

export interface BackboneManifest {
  schema: typeof BACKBONE_SCHEMA;
  id: string;
  name: string;
  description?: string;
  /** ONNX file, relative to this manifest, inside its folder. */
  onnx: string;
  /** The network's image input, as in a model manifest (a fitted model copies it). */
  input: ModelManifest['input'];
  /** Steps that make the network's input from a decoded image; default: {@link defaultBackbonePreprocessing}. */
  preprocessing?: PipelineSpec;
  /** The output (or any intermediate tensor) of shape [N, C, h, w] the detector is fitted on. */
  tap: string;
  /**
   * A finer tensor [N, C', f*h, f*w] (a whole multiple f of the tap's grid) for the position-aware map that
   * position-aware fits add to the shown map (fit/fineMap.ts); absent: they draw the tap's map only.
   */
  fineTap?: string;
  license?: string;
  provenance?: string;
}

/**
 * Stored bit depth -> [0, 1] (pixel / 255 for 8-bit images, as ImageNet-style networks were fed),
 * MONOCHROME1 inverted so bone is bright, then a plain resize to the input size.
 */
export function defaultBackbonePreprocessing(input: { width: number; height: number }): PipelineSpec {
  return {
    steps: [
      { op: 'intensity', mode: 'bits' },
      { op: 'photometric', invertBrightBackground: false },
      { op: 'resize', width: input.width, height: input.height },
    ],
  };
}

export function backboneJsonSchema(): JsonSchema {
  const manifest = buildManifestJsonSchema();
  const text = (description: string, maxLength = 1000): JsonSchema => ({
    type: 'string',
    minLength: 1,
    maxLength,
    description,
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'X-ray Anomaly Review backbone manifest',
    description: 'A pretrained feature extractor used to fit anomaly detectors.',
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      schema: { const: BACKBONE_SCHEMA, description: 'Backbone manifest format version.' },
      id: manifest.properties!.id,
      name: text('Display name.', 200),
      description: { type: 'string', maxLength: 2000 },
      onnx: text('ONNX file, relative to this manifest, inside its folder.'),
      input: manifest.properties!.input,
      preprocessing: pipelineSchema(),
      tap: text(
        'Name of the ONNX tensor [N, C, h, w] the detector reads (a graph output or any intermediate tensor).',
        300,
      ),
      fineTap: text(
        "Name of a finer ONNX tensor [N, C, h, w] (a whole multiple of the tap's grid) for position-aware maps.",
        300,
      ),
      license: { type: 'string', maxLength: 1000 },
      provenance: { type: 'string', maxLength: 10000 },
    },
    required: ['schema', 'id', 'name', 'onnx', 'input', 'tap'],
    additionalProperties: false,
  };
}

/** Every problem with an untrusted backbone manifest value, each naming its field; empty when valid. */
export function backboneProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(value)) {
    validateAgainst({ type: 'object' }, value, 'the backbone manifest', problems);
    return problems;
  }
  validateAgainst(backboneJsonSchema(), value, '', problems);
  if (problems.length) return problems;
  const b = value as unknown as BackboneManifest;
  const onnx = safeRelativePath(b.onnx);
  if (!onnx.ok) problems.push(`onnx ${onnx.reason} (got ${JSON.stringify(b.onnx)})`);
  for (const key of ['mean', 'std'] as const) {
    const arr = b.input.normalize?.[key] ?? [];
    if (arr.length > 1 && arr.length !== b.input.channels)
      problems.push(`input.normalize.${key} has ${arr.length} values; give 1 or ${b.input.channels}`);
  }
  if (b.preprocessing) {
    problems.push(...stepRuleProblems(b.preprocessing, 'preprocessing'));
    const size = pipelineOutputSize(b.preprocessing);
    if (size && (size.width !== b.input.width || size.height !== b.input.height)) {
      problems.push(
        `preprocessing produces ${size.width}x${size.height} images but input is ${b.input.width}x${b.input.height}`,
      );
    }
  }
  return problems;
}

/** Parses and validates a backbone manifest's text; throws MODEL_INVALID naming the file and each bad field. */
export function parseBackboneManifest(
  text: string,
  manifestPath: string,
): BackboneManifest & { preprocessing: PipelineSpec } {
  const file = manifestPath.split(/[\\/]/).pop() || manifestPath;
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new XrayError(
      'MODEL_INVALID',
      `Backbone manifest ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`,
      manifestPath,
    );
  }
  const problems = backboneProblems(value);
  if (problems.length) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw new XrayError(
      'MODEL_INVALID',
      `Backbone manifest ${file} is invalid: ${problems.slice(0, 5).join('; ')}${more}.`,
      `${manifestPath}\n${problems.join('\n')}`,
    );
  }
  const b = value as BackboneManifest;
  return { ...b, preprocessing: b.preprocessing ?? defaultBackbonePreprocessing(b.input) };
}
