/**
 * What a valid preprocessing spec looks like, derived from the op table so that validation, the
 * published JSON Schema and the pipeline agree by construction.
 */
import { validateAgainst, type JsonSchema } from '../model/jsonschema';
import { KNOWN_OPS, OPS, opDefinition } from './ops';
import type { PipelineSpec, PreprocessStep } from './spec';

export function stepSchemas(): JsonSchema[] {
  return KNOWN_OPS.map((op) => OPS[op].params);
}

export function pipelineSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'Preprocessing steps, run in order on a float greyscale image.',
    properties: {
      steps: { type: 'array', items: { oneOf: stepSchemas() } },
    },
    required: ['steps'],
    additionalProperties: false,
  };
}

/** Appends problems (each prefixed with its field path) for an untrusted pipeline value. */
export function validatePipeline(value: unknown, path: string, problems: string[]): void {
  const before = problems.length;
  validateAgainst(pipelineSchema(), value, path, problems);
  if (problems.length > before) return;
  problems.push(...stepRuleProblems(value as PipelineSpec, path));
}

/** Rules beyond the schema (e.g. low < high), for a spec that already matches the schema. */
export function stepRuleProblems(spec: PipelineSpec, path: string): string[] {
  return spec.steps.flatMap((step, i) =>
    (opDefinition(step).check?.(step) ?? []).map((p) => `${path}.steps[${i}] (${step.op}): ${p}`),
  );
}

/** The size the pipeline always produces (its last fixed-size geometric step), or undefined when it depends on the image. */
export function pipelineOutputSize(spec: PipelineSpec): { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  for (const step of spec.steps as PreprocessStep[]) {
    const def = opDefinition(step);
    if (def.geometric) size = def.fixedOutputSize?.(step);
  }
  return size;
}
