/**
 * Every preprocessing operation, by name. The mapped type makes a new member of PreprocessStep a
 * compile error until its definition is added here, and manifest validation and the published JSON
 * Schema both read this table, so they cannot drift from what the pipeline runs.
 */
import type { PreprocessStep } from '../spec';
import type { OpDefinition } from '../state';
import { intensity } from './intensity';
import { photometric } from './photometric';
import { histogramEqualize } from './equalize';
import { resize, resizePad } from './geometry';
import { scale } from './scale';
import { cropExposed } from './crop';
import { rotatePortrait } from './rotate';
import { maskText } from './text';
import { foreground } from './foreground';
import { splitHands } from './split';
import { clahe } from './clahe';

export type OpName = PreprocessStep['op'];
export type StepOf<K extends OpName> = Extract<PreprocessStep, { op: K }>;

export const OPS: { readonly [K in OpName]: OpDefinition<StepOf<K>> } = {
  cropExposed,
  rotatePortrait,
  intensity,
  photometric,
  maskText,
  foreground,
  splitHands,
  histogramEqualize,
  clahe,
  resizePad,
  resize,
  scale,
};

export const KNOWN_OPS = Object.keys(OPS) as OpName[];

export function opDefinition(step: PreprocessStep): OpDefinition {
  return OPS[step.op] as unknown as OpDefinition;
}
