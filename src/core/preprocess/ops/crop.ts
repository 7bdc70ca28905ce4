/**
 * Crop to the exposed field. A radiograph's useful part is often framed by layers that carry no
 * anatomy: a scanner's constant padding, the collimation frame (unexposed, so bright in MONOCHROME2 or
 * dark in an inverted export), a bright film edge. Each such layer is uniform along its side and ends
 * at a sharp step that runs along the whole side.
 *
 * Detection peels layers side by side on an area-averaged copy (noise averages out): a side's layer is
 * the run of lines (rows or columns within the current crop) where at least LAYER_SHARE of the pixels
 * are within `tolerance` of the outermost line's median, and it counts only if a line within the next
 * STEP_LINES has at most STEP_SHARE of its pixels near that value (the sharp step). Empty background
 * above fingertips fails that test: the fingers enter gradually, so no line is suddenly all different.
 * Peeling repeats until nothing changes (nested layers: padding, then frame), then each cut is refined
 * on the full-resolution lines around it.
 */
import { composeAffine } from '../../image/types';
import type { PreprocessStep } from '../spec';
import { areaAnalysis, quantile, valueAt } from '../analysis';
import type { FloatImage, Raster } from '../raster';
import { cropPixels, cropRaster } from '../transform';
import { stepSchema, withNotice, type OpDefinition, type PipelineState, type Rect } from '../state';

type CropStep = Extract<PreprocessStep, { op: 'cropExposed' }>;

export const CROP_DEFAULTS = { tolerance: 0.1, maxBorder: 0.4, minSize: 0.25, margin: 0 } as const;
const LAYER_SHARE = 0.75;
const STEP_SHARE = 0.3;
const STEP_LINES = 3;
const MAX_ROUNDS = 6;

export const cropExposed: OpDefinition<CropStep> = {
  op: 'cropExposed',
  params: stepSchema(
    'cropExposed',
    'Crop to the exposed field: remove uniform borders, the collimation frame and bright film edges. Keeps the whole image (with a notice) when no plausible field is found.',
    {
      tolerance: {
        type: 'number',
        minimum: 0.001,
        maximum: 0.5,
        description: `Values within this fraction of the image's value range count as one layer; default ${CROP_DEFAULTS.tolerance}.`,
      },
      maxBorder: {
        type: 'number',
        minimum: 0.01,
        maximum: 0.49,
        description: `Largest layer, as a fraction of the side it is cut from; default ${CROP_DEFAULTS.maxBorder}.`,
      },
      minSize: {
        type: 'number',
        minimum: 0.01,
        maximum: 1,
        description: `Smallest plausible field, as a fraction of the width and of the height; default ${CROP_DEFAULTS.minSize}.`,
      },
      margin: {
        type: 'number',
        minimum: 0,
        maximum: 0.2,
        description: `Extra inset on each cut side (fraction of that dimension), e.g. for a blurred collimator edge; default ${CROP_DEFAULTS.margin}.`,
      },
    },
  ),
  geometric: true,
  label: () => 'Crop to exposed field',
  apply(state, step) {
    const found = findExposedField(state.raster, step);
    if (!found.rect) return withNotice(state, `Crop: ${found.why}; kept the whole image.`);
    const r = found.rect;
    if (r.x === 0 && r.y === 0 && r.width === state.raster.width && r.height === state.raster.height) return state;
    return cropState(state, r);
  },
};

/** Crops the state to `rect` (inside the raster), carrying affine, content and mask. */
export function cropState(state: PipelineState, rect: Rect): PipelineState {
  const W = state.raster.width;
  const c = state.content;
  const x0 = Math.max(c.x, rect.x);
  const y0 = Math.max(c.y, rect.y);
  const x1 = Math.min(c.x + c.width, rect.x + rect.width);
  const y1 = Math.min(c.y + c.height, rect.y + rect.height);
  return {
    ...state,
    raster: cropRaster(state.raster, rect),
    toImage: composeAffine(state.toImage, [1, 0, rect.x, 0, 1, rect.y]),
    content: { x: x0 - rect.x, y: y0 - rect.y, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) },
    mask: state.mask && cropPixels(state.mask, W, rect),
  };
}

type Side = 0 | 1 | 2 | 3; // top, bottom, left, right

export interface ExposedField {
  /** The field in raster pixels, or undefined when none is plausible. */
  rect?: Rect;
  why?: string;
  /** Pixels cut from each side: top, bottom, left, right. */
  cut: [number, number, number, number];
}

export function findExposedField(r: Raster, params: Omit<CropStep, 'op'> = {}): ExposedField {
  const tolerance = params.tolerance ?? CROP_DEFAULTS.tolerance;
  const maxBorder = params.maxBorder ?? CROP_DEFAULTS.maxBorder;
  const minSize = params.minSize ?? CROP_DEFAULTS.minSize;
  const margin = params.margin ?? CROP_DEFAULTS.margin;
  const { image: a, sx, sy, ox, oy } = areaAnalysis(r);
  const lo = quantile(a.data, 0.01);
  const hi = quantile(a.data, 0.99);
  const tol = tolerance * (hi - lo);
  const none: [number, number, number, number] = [0, 0, 0, 0];
  if (!(hi > lo)) return { why: 'the image is flat', cut: none };
  // depth[side]: lines removed from that side, in analysis pixels; level[side]: the layer value of the last cut.
  const depth = [0, 0, 0, 0];
  const level = [NaN, NaN, NaN, NaN];
  // Where the last layer of each side began: refinement must not wander back into an outer layer.
  const start = [0, 0, 0, 0];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const side of [0, 1, 2, 3] as Side[]) {
      const along = side < 2 ? a.height : a.width;
      const limit = Math.floor(maxBorder * along) - depth[side];
      const peel = peelLayer(a, side, depth, tol, limit);
      if (peel) {
        start[side] = depth[side];
        depth[side] += peel.lines;
        level[side] = peel.level;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Full-resolution cut positions, refined near each analysis cut.
  const W = r.width;
  const H = r.height;
  const scale = [sy, sy, sx, sx];
  // Raster lines cut from a side when `d` analysis lines are (the grid may start with a partial cell).
  const lines = (side: Side, d: number): number => {
    if (side === 0) return Math.max(0, d * sy - oy);
    if (side === 1) return H - Math.min(H, (a.height - d) * sy - oy);
    if (side === 2) return Math.max(0, d * sx - ox);
    return W - Math.min(W, (a.width - d) * sx - ox);
  };
  const cut: [number, number, number, number] = [0, 0, 0, 0];
  for (const side of [0, 1, 2, 3] as Side[]) {
    if (depth[side] === 0) continue;
    cut[side] = Math.round(lines(side, depth[side]));
  }
  for (const side of [0, 1, 2, 3] as Side[]) {
    if (depth[side] === 0) continue;
    const floor = start[side] > 0 ? Math.ceil(lines(side, start[side] + 1)) : 0;
    cut[side] = refineCut(r, side, cut, level[side], tol, Math.ceil(scale[side]) + 1, floor);
    const along = side < 2 ? H : W;
    cut[side] = Math.min(along - 1, cut[side] + Math.round(margin * along));
  }
  const rect = { x: cut[2], y: cut[0], width: W - cut[2] - cut[3], height: H - cut[0] - cut[1] };
  if (rect.width < Math.max(1, minSize * W) || rect.height < Math.max(1, minSize * H)) {
    return { why: `the field found (${rect.width}x${rect.height}) is implausibly small`, cut: none };
  }
  return { rect, cut };
}

/** Values of line `j` counted inward from `side`, within the current crop (depth per side). */
function line(a: FloatImage, side: Side, j: number, depth: readonly number[], buf: Float32Array): Float32Array {
  const { width: w, height: h, data } = a;
  if (side < 2) {
    const y = side === 0 ? depth[0] + j : h - 1 - depth[1] - j;
    const x0 = depth[2];
    const x1 = w - depth[3];
    const out = buf.subarray(0, Math.max(0, x1 - x0));
    out.set(data.subarray(y * w + x0, y * w + x1));
    return out;
  }
  const x = side === 2 ? depth[2] + j : w - 1 - depth[3] - j;
  const y0 = depth[0];
  const y1 = h - depth[1];
  const out = buf.subarray(0, Math.max(0, y1 - y0));
  for (let y = y0; y < y1; y++) out[y - y0] = data[y * w + x];
  return out;
}

function share(values: Float32Array, level: number, tol: number): number {
  let near = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i] - level) <= tol) near++;
  return values.length ? near / values.length : 0;
}

/** One uniform layer ending at a sharp step, or undefined. */
function peelLayer(
  a: FloatImage,
  side: Side,
  depth: readonly number[],
  tol: number,
  limit: number,
): { lines: number; level: number } | undefined {
  const buf = new Float32Array(Math.max(a.width, a.height));
  const left = (side < 2 ? a.height - depth[0] - depth[1] : a.width - depth[2] - depth[3]) - 2;
  const max = Math.min(limit, left);
  if (max < 1) return undefined;
  const first = line(a, side, 0, depth, buf);
  if (first.length < 3) return undefined;
  const level = quantile(first, 0.5);
  if (share(first, level, tol) < LAYER_SHARE) return undefined;
  let j = 1;
  while (j < max && share(line(a, side, j, depth, buf), level, tol) >= LAYER_SHARE) j++;
  if (j >= max) return undefined;
  for (let k = j; k < Math.min(max, j + STEP_LINES); k++) {
    if (share(line(a, side, k, depth, buf), level, tol) <= STEP_SHARE) return { lines: k, level };
  }
  return undefined;
}

/**
 * The full-resolution cut for one side: the first line (moving inward from `radius` lines before the
 * coarse cut) where at most half of the pixels are near the layer value. Lines are sampled sparsely
 * along their length; the other sides' coarse cuts bound them.
 */
function refineCut(
  r: Raster,
  side: Side,
  cut: readonly number[],
  level: number,
  tol: number,
  radius: number,
  floor: number,
): number {
  const W = r.width;
  const H = r.height;
  const along = side < 2 ? H : W;
  const from = Math.min(cut[side], Math.max(floor, cut[side] - radius));
  const to = Math.min(along - 1, cut[side] + radius);
  const a0 = side < 2 ? cut[2] : cut[0];
  const a1 = side < 2 ? W - cut[3] : H - cut[1];
  const n = a1 - a0;
  if (n <= 0) return cut[side];
  const stride = Math.max(1, Math.floor(n / 512));
  for (let j = from; j <= to; j++) {
    const pos = side === 0 || side === 2 ? j : along - 1 - j;
    let near = 0;
    let total = 0;
    for (let t = a0; t < a1; t += stride) {
      const i = side < 2 ? pos * W + t : t * W + pos;
      if (Math.abs(valueAt(r, i) - level) <= tol) near++;
      total++;
    }
    if (near <= total * 0.5) return j;
  }
  return cut[side];
}
