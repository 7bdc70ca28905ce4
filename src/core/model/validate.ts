/**
 * Manifests come from folders users configure, so they are untrusted input: every field is checked
 * and every problem is reported with its field path, all at once, so a model author fixes a manifest
 * in one round instead of one error per reload.
 */
import { XrayError } from '../errors';
import { pipelineOutputSize, stepRuleProblems } from '../preprocess/validate';
import { isPlainObject, validateAgainst } from './jsonschema';
import type { ModelManifest } from './manifest';
import { safeRelativePath } from './paths';
import { manifestJsonSchema } from './schema';

export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Parses and validates a manifest file's text; throws MODEL_INVALID naming the file and each bad field. */
export function parseManifest(text: string, manifestPath: string): ModelManifest {
  const file = baseName(manifestPath);
  if (text.length > MAX_MANIFEST_BYTES) {
    throw new XrayError(
      'MODEL_INVALID',
      `Model manifest ${file} is too large (${text.length} bytes; at most ${MAX_MANIFEST_BYTES}).`,
      manifestPath,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new XrayError(
      'MODEL_INVALID',
      `Model manifest ${file} is not valid JSON: ${why}${where(text, why)}.`,
      manifestPath,
    );
  }
  const problems = manifestProblems(value);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw new XrayError(
      'MODEL_INVALID',
      `Model manifest ${file} is invalid: ${shown}${more}.`,
      `${manifestPath}\n${problems.join('\n')}`,
    );
  }
  return value as ModelManifest;
}

/** Every problem with an untrusted manifest value, each naming its field path; empty when valid. */
export function manifestProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(value)) {
    validateAgainst({ type: 'object' }, value, 'the manifest', problems);
    return problems;
  }
  validateAgainst(manifestJsonSchema, value, '', problems);
  if (problems.length > 0) return problems;
  const m = value as unknown as ModelManifest;
  problems.push(...stepRuleProblems(m.preprocessing, 'preprocessing'));
  const onnx = safeRelativePath(m.onnx);
  if (!onnx.ok) problems.push(`onnx ${onnx.reason} (got ${JSON.stringify(m.onnx)})`);
  const { mean, std } = m.input.normalize ?? { mean: [], std: [] };
  for (const [key, arr] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (arr.length > 1 && arr.length !== m.input.channels) {
      problems.push(
        `input.normalize.${key} has ${arr.length} values; give 1 (used for every channel) or ${m.input.channels} (one per channel)`,
      );
    }
  }
  if (!m.outputs.reconstruction && !m.outputs.anomalyMap && !m.outputs.score) {
    problems.push('outputs must name at least one of reconstruction, anomalyMap, score');
  }
  if (m.outputs.reconstruction && m.outputs.anomalyMap) {
    problems.push('outputs must name reconstruction or anomalyMap, not both (the map would be ambiguous)');
  }
  if (!(m.calibration.max > m.calibration.min)) {
    problems.push(`calibration.max (${m.calibration.max}) must be greater than calibration.min (${m.calibration.min})`);
  }
  const size = pipelineOutputSize(m.preprocessing);
  if (size && (size.width !== m.input.width || size.height !== m.input.height)) {
    problems.push(
      `preprocessing produces ${size.width}x${size.height} images but input is ${m.input.width}x${m.input.height}; make the last resize step match input.width and input.height`,
    );
  }
  return problems;
}

/** The ONNX file a manifest names, as a path relative to the manifest's folder ('/'-separated). */
export function manifestOnnxRelativePath(m: ModelManifest): string {
  const r = safeRelativePath(m.onnx);
  if (!r.ok) throw new XrayError('MODEL_INVALID', `Model '${m.id}': onnx ${r.reason}.`);
  return r.path;
}

/** What a loaded ONNX session declares. Outputs may be plain names or metadata objects (as ORT gives them). */
export interface ModelIO {
  inputs: { name: string; dims: (number | string)[]; type?: string }[];
  outputs: (string | { name: string; type?: string })[];
}

/** Checks a loaded ONNX session against its manifest; throws MODEL_INPUT_MISMATCH listing every mismatch. */
export function checkModelIO(manifest: ModelManifest, io: ModelIO): void {
  const problems: string[] = [];
  const want = manifest.input;
  const input = io.inputs.find((i) => i.name === want.name);
  const names = (list: string[]) => (list.length ? list.map((n) => `'${n}'`).join(', ') : 'none');
  if (!input) {
    problems.push(
      `the manifest's input '${want.name}' is not an input of the ONNX file (its inputs: ${names(io.inputs.map((i) => i.name))})`,
    );
  } else {
    if (input.type !== undefined && input.type !== 'float32' && input.type !== 'float') {
      problems.push(`input '${want.name}' takes ${input.type} values; only float32 image inputs are supported`);
    }
    const others = io.inputs.filter((i) => i !== input);
    if (others.length > 0)
      problems.push(
        `the ONNX file has other inputs the manifest does not describe (${names(others.map((i) => i.name))}); only one image input is supported`,
      );
    const d = input.dims;
    const fixed = (v: number | string | undefined): v is number => typeof v === 'number' && v > 0;
    if (d.length !== 4) {
      problems.push(
        `input '${want.name}' has ${d.length} dimensions [${d.join(', ')}]; expected 4 (batch, channels, height, width)`,
      );
    } else {
      if (fixed(d[0]) && d[0] !== 1)
        problems.push(`input '${want.name}' has a fixed batch size of ${d[0]}; it must be 1 or dynamic`);
      if (fixed(d[1]) && d[1] !== want.channels) {
        problems.push(
          `the network expects ${d[1]} channel${d[1] === 1 ? '' : 's'} but the manifest says input.channels = ${want.channels}`,
        );
      }
      const h = fixed(d[2]) ? d[2] : undefined;
      const w = fixed(d[3]) ? d[3] : undefined;
      if ((h !== undefined && h !== want.height) || (w !== undefined && w !== want.width)) {
        problems.push(
          `the network expects ${w ?? 'any'}x${h ?? 'any'} pixels (width x height) but the manifest says ${want.width}x${want.height}`,
        );
      }
    }
  }
  const outputNames = io.outputs.map((o) => (typeof o === 'string' ? o : o.name));
  for (const [meaning, name] of Object.entries(manifest.outputs)) {
    if (!name) continue;
    const out = io.outputs.find((o) => (typeof o === 'string' ? o : o.name) === name);
    if (out === undefined)
      problems.push(
        `outputs.${meaning} '${name}' is not an output of the ONNX file (its outputs: ${names(outputNames)})`,
      );
    else if (typeof out !== 'string' && out.type !== undefined && out.type !== 'float32' && out.type !== 'float') {
      problems.push(`output '${name}' (outputs.${meaning}) gives ${out.type} values; float32 is needed`);
    }
  }
  if (problems.length > 0) {
    throw new XrayError(
      'MODEL_INPUT_MISMATCH',
      `Model '${manifest.name}' does not match its ONNX file: ${problems.join('; ')}.`,
      JSON.stringify(io),
    );
  }
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/** " at line L, column C" from a JSON.parse message that gives a character position. */
function where(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos).split('\n');
  return ` (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}
