/**
 * Runs a model's preprocessing spec on a decoded image and lays the result out as the network's input
 * tensor. Pure: no I/O, so the engine, the CLI, fitting code and tests all prepare pixels identically.
 */
import { XrayError } from '../errors';
import { IDENTITY, type Affine, type XrayImage } from '../image/types';
import type { ModelManifest } from '../model/manifest';
import type { PipelineSpec } from './spec';
import { opDefinition } from './ops';
import { resizeTo } from './ops/geometry';
import { materialize, rasterFromImage, type FloatImage } from './raster';
import type { PipelineState, Rect } from './state';

export interface StepTiming {
  op: string;
  ms: number;
}

export interface PipelineResult {
  image: FloatImage;
  /** Output pixel coordinates -> original image pixel coordinates. */
  toImage: Affine;
  /** The part of the output that shows the image (the rest is padding). */
  content: Rect;
  /** width*height, 1 = foreground: inside the content and not at the black level. */
  foreground: Uint8Array;
  /** The value that means "no signal" in the output. */
  black: number;
  steps: StepTiming[];
  /** What the steps want the user to know (fallbacks, rotations, marks removed). */
  notices: string[];
  /** Which output of a splitting step (splitHands) this is; absent when the image was not split. */
  region?: { index: number; count: number };
}

export interface PipelineOptions {
  /**
   * Called after every step with the state it produced (for a step-by-step preview). Call
   * `materialize(state.raster)` to get pixels: it is deliberately not done unless asked for. In a
   * multi-output run it is called once per output (state.region tells which).
   */
  onStep?(index: number, op: string, state: PipelineState): void;
}

/** The op name recorded when the pipeline's output had to be resized to the model's input size. */
export const IMPLICIT_RESIZE_OP = 'resize (to model input)';

/** One output, as prepared for the network. A spec with splitHands yields one per hand; see runPipelineMulti. */
export function runPipeline(
  image: XrayImage,
  spec: PipelineSpec,
  target: { width: number; height: number },
  options: PipelineOptions = {},
): PipelineResult {
  checkImage(image);
  // Without an observer nothing keeps the intermediate states, so steps may reuse their arrays.
  let state: PipelineState = { ...initialState(image), scratch: !options.onStep };
  const steps: StepTiming[] = [];
  for (let index = 0; index < spec.steps.length; index++) {
    const step = spec.steps[index];
    const t0 = performance.now();
    const joined = !options.onStep && applyJoined(state, spec, index, steps);
    if (joined) {
      state = joined;
      index++;
      continue;
    }
    state = opDefinition(step).apply(state, step);
    steps.push({ op: step.op, ms: performance.now() - t0 });
    options.onStep?.(index, step.op, state);
  }
  return finish(state, steps, spec, target, options);
}

/**
 * A row-by-row step (CLAHE) followed by a resize runs as one: the resize reads the step's rows as they
 * are made, so the full-resolution result is never stored (same values; see OpDefinition.rows). Only
 * without onStep, which must see the intermediate raster. Timings: the first step's entry is its set-up
 * (CLAHE: the tile tables), the resize's entry includes computing the rows it reads.
 */
function applyJoined(
  state: PipelineState,
  spec: PipelineSpec,
  index: number,
  steps: StepTiming[],
): PipelineState | undefined {
  const step = spec.steps[index];
  const next = spec.steps[index + 1];
  if (!next) return undefined;
  const def = opDefinition(step);
  const nextDef = opDefinition(next);
  if (!def.rows || !nextDef.applyRows) return undefined;
  const t0 = performance.now();
  const { state: mid, source } = def.rows(state, step);
  const t1 = performance.now();
  const out = nextDef.applyRows(mid, next, source);
  steps.push({ op: step.op, ms: t1 - t0 }, { op: next.op, ms: performance.now() - t1 });
  return out;
}

/**
 * Every output of the pipeline: one, or one per region when a step splits the image (splitHands). Each
 * result has its own affine to the original image; timings of the steps before the split are shared.
 */
export function runPipelineMulti(
  image: XrayImage,
  spec: PipelineSpec,
  target: { width: number; height: number },
  options: PipelineOptions = {},
): PipelineResult[] {
  checkImage(image);
  // As runPipeline: no observer, no kept states. Forks (splitHands) give each branch its own cropped
  // copy, so no array is shared between branches.
  let branches: { state: PipelineState; steps: StepTiming[] }[] = [
    { state: { ...initialState(image), scratch: !options.onStep }, steps: [] },
  ];
  for (let index = 0; index < spec.steps.length; index++) {
    const step = spec.steps[index];
    const def = opDefinition(step);
    if (
      !options.onStep &&
      !def.fork &&
      def.rows &&
      spec.steps[index + 1] &&
      opDefinition(spec.steps[index + 1]).applyRows
    ) {
      branches = branches.map((b) => {
        const steps = [...b.steps];
        return { state: applyJoined(b.state, spec, index, steps)!, steps };
      });
      index++;
      continue;
    }
    branches = branches.flatMap((b) => {
      const t0 = performance.now();
      const outs = def.fork ? def.fork(b.state, step) : [def.apply(b.state, step)];
      const ms = performance.now() - t0;
      return outs.map((state) => {
        options.onStep?.(index, step.op, state);
        return { state, steps: [...b.steps, { op: step.op, ms }] };
      });
    });
  }
  return branches.map((b) => finish(b.state, b.steps, spec, target, options));
}

function finish(
  state: PipelineState,
  steps: StepTiming[],
  spec: PipelineSpec,
  target: { width: number; height: number },
  options: PipelineOptions,
): PipelineResult {
  if (state.raster.width !== target.width || state.raster.height !== target.height) {
    // Manifest validation rejects specs whose fixed output size differs from the input size, so this
    // only happens for specs without a resizing step: plain resize, as a network without one would need.
    const t0 = performance.now();
    state = resizeTo(state, target.width, target.height);
    steps.push({ op: IMPLICIT_RESIZE_OP, ms: performance.now() - t0 });
    options.onStep?.(spec.steps.length, IMPLICIT_RESIZE_OP, state);
  }
  const out = materialize(state.raster);
  const foreground = foregroundMask(out, state.content, state.black);
  if (state.mask) for (let i = 0; i < foreground.length; i++) foreground[i] &= state.mask[i];
  return {
    image: out,
    toImage: state.toImage,
    content: state.content,
    foreground,
    black: state.black,
    steps,
    notices: [...(state.notices ?? [])],
    ...(state.region ? { region: state.region } : {}),
  };
}

export function initialState(image: XrayImage): PipelineState {
  return {
    source: image,
    raster: rasterFromImage(image),
    toImage: IDENTITY,
    content: { x: 0, y: 0, width: image.width, height: image.height },
    black: 0,
    photometric: image.photometric,
  };
}

/** The paper scored only non-zero pixels: padding and pixels at the black level are background. */
export function foregroundMask(img: FloatImage, content: Rect, black: number): Uint8Array {
  const mask = new Uint8Array(img.width * img.height);
  const d = img.data;
  for (let y = content.y; y < content.y + content.height; y++) {
    const row = y * img.width;
    for (let x = content.x; x < content.x + content.width; x++) mask[row + x] = d[row + x] !== black ? 1 : 0;
  }
  return mask;
}

export function checkImage(image: XrayImage): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new XrayError('CORRUPT', `Image has no pixels to analyse (${width}x${height}).`);
  }
  if (data.length < width * height) {
    throw new XrayError(
      'CORRUPT',
      `Image data is shorter than its size says (${data.length} samples for ${width}x${height}).`,
    );
  }
  if (!Number.isFinite(image.rescale.slope) || !Number.isFinite(image.rescale.intercept) || image.rescale.slope === 0) {
    throw new XrayError(
      'CORRUPT',
      `Image has an unusable rescale (slope ${image.rescale.slope}, intercept ${image.rescale.intercept}).`,
    );
  }
}

export interface PreparedInput {
  /** NCHW, channels replicated if manifest.input.channels === 3, normalize applied. */
  tensor: Float32Array;
  dims: [1, number, number, number];
  /** Model pixel coordinates -> original image pixel coordinates. */
  toImage: Affine;
  /** H*W model-space mask, 1 = foreground (non-padding and non-zero content). */
  foreground: Uint8Array;
  steps: StepTiming[];
  /** Model-space rectangle holding image content (outside it is padding). */
  content?: Rect;
  /** What the steps want the user to know. */
  notices?: string[];
  /** Which output of a splitting step this is (prepareInputs only). */
  region?: { index: number; count: number };
}

export function prepareInput(image: XrayImage, manifest: ModelManifest): PreparedInput {
  const { width, height } = manifest.input;
  return toTensor(runPipeline(image, manifest.preprocessing, { width, height }), manifest);
}

/**
 * One network input per output of the pipeline (one per hand when the spec splits hands). A model with
 * one image score scores each and takes the maximum; composeRegionMaps puts their maps back together
 * on the original image.
 */
export function prepareInputs(image: XrayImage, manifest: ModelManifest): PreparedInput[] {
  const { width, height } = manifest.input;
  return runPipelineMulti(image, manifest.preprocessing, { width, height }).map((r) => toTensor(r, manifest));
}

function toTensor(result: PipelineResult, manifest: ModelManifest): PreparedInput {
  const { width, height, channels, normalize } = manifest.input;
  const t0 = performance.now();
  const plane = width * height;
  const tensor = new Float32Array(channels * plane);
  const src = result.image.data;
  for (let c = 0; c < channels; c++) {
    const mean = normalize ? (normalize.mean[c] ?? normalize.mean[0]) : 0;
    const std = normalize ? (normalize.std[c] ?? normalize.std[0]) : 1;
    const inv = 1 / std;
    const base = c * plane;
    for (let i = 0; i < plane; i++) tensor[base + i] = (src[i] - mean) * inv;
  }
  result.steps.push({ op: 'tensor', ms: performance.now() - t0 });
  return {
    tensor,
    dims: [1, channels, height, width],
    toImage: result.toImage,
    foreground: result.foreground,
    steps: result.steps,
    content: result.content,
    notices: result.notices,
    ...(result.region ? { region: result.region } : {}),
  };
}
