/**
 * Two hands in one image (the paper used an object detector for this): one output per hand.
 *
 * The subject mask (the state's, or a two-component foreground mask when no step set one) is
 * projected onto the x axis (and the y axis, for 'auto'); two hands show as two humps. The split is
 * the emptiest line in the middle 60% of the image, accepted when it crosses at most VALLEY_SHARE of
 * the subject's typical extent and leaves at least `minAreaFraction` of the content as subject on
 * each side. Each output is its side's subject bounding box grown by `margin`, with the subject mask
 * limited to its own side so the other hand's fingertips in the margin do not count.
 */
import type { PreprocessStep } from '../spec';
import { analysisSize } from '../analysis';
import { cropState } from './crop';
import { subjectMask } from './foreground';
import { stepSchema, withNotice, type OpDefinition, type PipelineState, type Rect } from '../state';

type SplitStep = Extract<PreprocessStep, { op: 'splitHands' }>;

export const SPLIT_DEFAULTS = { margin: 0.02, minAreaFraction: 0.03, axis: 'auto' } as const;
const VALLEY_SHARE = 0.1;
const SEARCH = [0.2, 0.8] as const;

export const splitHands: OpDefinition<SplitStep> = {
  op: 'splitHands',
  params: stepSchema(
    'splitHands',
    'Split an image holding two hands into one output per hand (runPipelineMulti / prepareInputs); a single-output run keeps the whole image.',
    {
      margin: {
        type: 'number',
        minimum: 0,
        maximum: 0.5,
        description: `Space around each hand, as a fraction of the image's shorter side; default ${SPLIT_DEFAULTS.margin}.`,
      },
      minAreaFraction: {
        type: 'number',
        minimum: 0,
        maximum: 0.5,
        description: `Least subject on each side, as a fraction of the content; default ${SPLIT_DEFAULTS.minAreaFraction}.`,
      },
      axis: {
        enum: ['auto', 'x', 'y'],
        description:
          "Hands side by side ('x'), one above the other ('y'), or whichever splits more cleanly ('auto', default).",
      },
    },
  ),
  geometric: true,
  label: () => 'Split hands',
  apply(state, step) {
    const regions = findHands(state, step);
    if (regions.length < 2) return state;
    return withNotice(
      state,
      `Two hands found; a single-output run keeps the whole image (prepareInputs scores each hand).`,
    );
  },
  fork(state, step) {
    const regions = findHands(state, step);
    if (regions.length < 2) return [state];
    return regions.map((region, index) => {
      const s = cropState({ ...state, mask: region.mask }, region.rect);
      return withNotice({ ...s, region: { index, count: regions.length } }, `Hand ${index + 1} of ${regions.length}.`);
    });
  },
};

export interface HandRegion {
  /** Crop in raster pixels. */
  rect: Rect;
  /** Full-size subject mask keeping only this hand's side. */
  mask: Uint8Array;
}

export function findHands(state: PipelineState, params: Omit<SplitStep, 'op'> = {}): HandRegion[] {
  const { width: W, height: H } = state.raster;
  const mask = state.mask ?? subjectMask(state.raster, state.content, { components: 2 }).mask;
  const minArea =
    (params.minAreaFraction ?? SPLIT_DEFAULTS.minAreaFraction) * state.content.width * state.content.height;
  const axis = params.axis ?? SPLIT_DEFAULTS.axis;
  // Profiles on a coarse grid are enough to find a valley and cheap on a full-resolution mask.
  const { width: w, height: h } = analysisSize(W, H, 512);
  const colOf = (x: number) => Math.min(w - 1, Math.floor((x * w) / W));
  const rowOf = (y: number) => Math.min(h - 1, Math.floor((y * h) / H));
  const px = new Float64Array(w);
  const py = new Float64Array(h);
  const stride = Math.max(1, Math.floor(Math.min(W / w, H / h)));
  for (let y = 0; y < H; y += stride) {
    const row = y * W;
    const ry = rowOf(y);
    for (let x = 0; x < W; x += stride) {
      if (mask[row + x]) {
        px[colOf(x)]++;
        py[ry]++;
      }
    }
  }
  const candidates = (axis === 'auto' ? (['x', 'y'] as const) : [axis])
    .map((ax) => ({ ax, cut: valley(ax === 'x' ? px : py) }))
    .filter((c): c is { ax: 'x' | 'y'; cut: { at: number; depth: number } } => c.cut !== undefined)
    .sort((p, q) => p.cut.depth - q.cut.depth);
  for (const { ax, cut } of candidates) {
    const at = Math.round(ax === 'x' ? (cut.at * W) / w : (cut.at * H) / h);
    const halves = [0, 1].map((side) => sideRegion(mask, W, H, ax, at, side === 0));
    if (halves.some((r) => r.area < minArea)) continue;
    const margin = Math.round((params.margin ?? SPLIT_DEFAULTS.margin) * Math.min(W, H));
    return halves.map((r) => ({ rect: grow(r.box, margin, state.content), mask: r.mask }));
  }
  return [];
}

/** The emptiest bin in the middle of a profile, when it is a clear valley between two humps. */
function valley(p: Float64Array): { at: number; depth: number } | undefined {
  const n = p.length;
  const a = Math.floor(SEARCH[0] * n);
  const b = Math.ceil(SEARCH[1] * n);
  // Typical extent of the subject: the 90th percentile of the non-empty bins.
  const nonEmpty = Array.from(p)
    .filter((v) => v > 0)
    .sort((x, y) => x - y);
  if (nonEmpty.length < 4) return undefined;
  const typical = nonEmpty[Math.floor(0.9 * (nonEmpty.length - 1))];
  let best = -1;
  for (let i = a; i < b; i++) if (best < 0 || p[i] < p[best]) best = i;
  if (best < 0 || p[best] > VALLEY_SHARE * typical) return undefined;
  // Centre of the run of equally empty bins (a wide gap between hands is split in its middle).
  let l = best;
  let r = best;
  while (l > a && p[l - 1] <= p[best]) l--;
  while (r < b - 1 && p[r + 1] <= p[best]) r++;
  return { at: (l + r + 1) / 2, depth: p[best] / typical };
}

function sideRegion(mask: Uint8Array, W: number, H: number, ax: 'x' | 'y', at: number, first: boolean) {
  const out = new Uint8Array(W * H);
  let area = 0;
  let x0 = W,
    y0 = H,
    x1 = 0,
    y1 = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!mask[i]) continue;
      const v = ax === 'x' ? x : y;
      if (v < at !== first) continue;
      out[i] = 1;
      area++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
    }
  }
  return { mask: out, area, box: { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) } };
}

function grow(b: Rect, m: number, bounds: Rect): Rect {
  const x0 = Math.max(bounds.x, b.x - m);
  const y0 = Math.max(bounds.y, b.y - m);
  const x1 = Math.min(bounds.x + bounds.width, b.x + b.width + m);
  const y1 = Math.min(bounds.y + bounds.height, b.y + b.height + m);
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}
