/**
 * Reading model outputs. Runtimes and exporters disagree about leading batch/channel dimensions, so
 * image-like outputs are accepted with or without them; anything else is an INFERENCE_FAILED that says
 * which output had which shape.
 */
import { XrayError } from '../errors';

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export type OutputTensors = Record<string, OutputTensor>;

export interface ImageTensor {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

export function requireOutput(outputs: OutputTensors, name: string, meaning: string): OutputTensor {
  const t = outputs[name];
  if (!t) {
    const have = Object.keys(outputs);
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model did not return its ${meaning} output '${name}' (it returned ${have.length ? have.map((n) => `'${n}'`).join(', ') : 'nothing'}).`,
    );
  }
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (t.dims.some((d) => !Number.isInteger(d) || d < 0) || expected !== t.data.length) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's ${meaning} output '${name}' has shape [${t.dims.join(', ')}] but ${t.data.length} values.`,
    );
  }
  requireFinite(t.data, name, meaning);
  return t;
}

export function requireFinite(data: Float32Array, name: string, meaning: string): void {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  if (bad > 0) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's ${meaning} output '${name}' contains ${bad} NaN or infinite value${bad === 1 ? '' : 's'} (of ${data.length}); the model or its input is broken.`,
    );
  }
}

/** [1,C,H,W], [C,H,W] or [H,W] (C = 1) as channels x height x width. */
export function asImage(t: OutputTensor, name: string, meaning: string): ImageTensor {
  const d = [...t.dims];
  let shape: [number, number, number] | undefined;
  if (d.length === 4 && d[0] === 1) shape = [d[1], d[2], d[3]];
  else if (d.length === 3) shape = [d[0], d[1], d[2]];
  else if (d.length === 2) shape = [1, d[0], d[1]];
  if (!shape || shape.some((v) => v < 1)) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's ${meaning} output '${name}' has shape [${d.join(', ')}]; expected [1, C, H, W], [C, H, W] or [H, W].`,
    );
  }
  return { channels: shape[0], height: shape[1], width: shape[2], data: t.data };
}

export function asScalar(t: OutputTensor, name: string): number {
  if (t.data.length !== 1) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's score output '${name}' has ${t.data.length} values (shape [${t.dims.join(', ')}]); expected one per image.`,
    );
  }
  return t.data[0];
}
