/**
 * Resizing steps. Each records the affine from its output pixels to its input pixels and composes it
 * onto the state's, so a heatmap computed at model resolution lands on the original image's pixels.
 */
import { composeAffine, type Affine } from '../../image/types';
import type { PreprocessStep } from '../spec';
import { resampleInto, type RowSource } from '../resample';
import type { Raster } from '../raster';
import { stepSchema, type OpDefinition, type PipelineState, type Rect } from '../state';

type ResizePadStep = Extract<PreprocessStep, { op: 'resizePad' }>;
type ResizeStep = Extract<PreprocessStep, { op: 'resize' }>;

export const MAX_MODEL_SIDE = 8192;

/** Where resizePad puts an image of w x h in a size x size square. */
export function resizePadGeometry(
  w: number,
  h: number,
  size: number,
): { width: number; height: number; x: number; y: number } {
  const s = size / Math.max(w, h);
  const width = Math.max(1, Math.min(size, Math.round(w * s)));
  const height = Math.max(1, Math.min(size, Math.round(h * s)));
  return { width, height, x: Math.floor((size - width) / 2), y: Math.floor((size - height) / 2) };
}

export const resizePad: OpDefinition<ResizePadStep> = {
  op: 'resizePad',
  params: stepSchema(
    'resizePad',
    'Aspect-preserving resize so the longer side is `size` (area averaging when shrinking, bilinear when enlarging), centred on a size x size canvas.',
    {
      size: { type: 'integer', minimum: 1, maximum: MAX_MODEL_SIDE },
      padValue: { type: 'number', description: 'Value of the padding; default the black level (0 after intensity).' },
    },
    ['size'],
  ),
  geometric: true,
  fixedOutputSize: (step) => ({ width: step.size, height: step.size }),
  apply(state, step) {
    return resizePadFrom(state, step, state.raster);
  },
  applyRows: (state, step, source) => resizePadFrom(state, step, source),
};

function resizePadFrom(state: PipelineState, step: ResizePadStep, source: Raster | RowSource): PipelineState {
  const { width: w, height: h } = state.raster;
  const g = resizePadGeometry(w, h, step.size);
  const out = new Float32Array(step.size * step.size);
  out.fill(step.padValue ?? state.black);
  resampleInto(source, g.width, g.height, out, step.size, g.x, g.y);
  const toInput: Affine = [w / g.width, 0, (-g.x * w) / g.width, 0, h / g.height, (-g.y * h) / g.height];
  return placed(state, out, step.size, step.size, toInput);
}

export const resize: OpDefinition<ResizeStep> = {
  op: 'resize',
  params: stepSchema(
    'resize',
    'Resize to width x height without keeping the aspect ratio (area averaging when shrinking, bilinear when enlarging).',
    {
      width: { type: 'integer', minimum: 1, maximum: MAX_MODEL_SIDE },
      height: { type: 'integer', minimum: 1, maximum: MAX_MODEL_SIDE },
    },
    ['width', 'height'],
  ),
  geometric: true,
  fixedOutputSize: (step) => ({ width: step.width, height: step.height }),
  apply(state, step) {
    return resizeTo(state, step.width, step.height);
  },
  applyRows: (state, step, source) => resizeTo(state, step.width, step.height, source),
};

export function resizeTo(
  state: PipelineState,
  width: number,
  height: number,
  source: Raster | RowSource = state.raster,
): PipelineState {
  const { width: w, height: h } = state.raster;
  const out = new Float32Array(width * height);
  resampleInto(source, width, height, out, width, 0, 0);
  return placed(state, out, width, height, [w / width, 0, 0, 0, h / height, 0]);
}

/** New float raster plus bookkeeping; `toInput` maps output pixels to the step's input pixels. */
function placed(
  state: PipelineState,
  data: Float32Array,
  width: number,
  height: number,
  toInput: Affine,
): PipelineState {
  return {
    ...state,
    raster: { kind: 'float', width, height, data },
    toImage: composeAffine(state.toImage, toInput),
    content: mapRect(state.content, toInput, width, height),
    mask: state.mask && resampleMask(state.mask, state.raster.width, state.raster.height, width, height, toInput),
  };
}

/** Nearest-neighbour mask at each output pixel centre; outside the input is background. */
export function resampleMask(
  mask: Uint8Array,
  w: number,
  h: number,
  width: number,
  height: number,
  toInput: Affine,
): Uint8Array {
  const [a, , c, , e, f] = toInput;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const iy = Math.floor(e * (y + 0.5) + f);
    if (iy < 0 || iy >= h) continue;
    for (let x = 0; x < width; x++) {
      const ix = Math.floor(a * (x + 0.5) + c);
      if (ix >= 0 && ix < w) out[y * width + x] = mask[iy * w + ix];
    }
  }
  return out;
}

/** The input-space content rectangle in output pixels (toInput inverted), rounded and clamped to the output. */
function mapRect(r: Rect, toInput: Affine, width: number, height: number): Rect {
  const [a, , c, , e, f] = toInput;
  const x0 = Math.max(0, Math.round((r.x - c) / a));
  const y0 = Math.max(0, Math.round((r.y - f) / e));
  const x1 = Math.min(width, Math.round((r.x + r.width - c) / a));
  const y1 = Math.min(height, Math.round((r.y + r.height - f) / e));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
