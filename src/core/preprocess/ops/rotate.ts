/**
 * Rotate to portrait: a quarter turn when the image is wider than tall, as the paper did. The turn is
 * exact (a transposition of pixels, no resampling) and its affine is recorded, so heatmaps still land
 * on the original pixels.
 *
 * Which way to turn: 'cw' and 'ccw' are fixed; 'auto' turns the side where the subject leaves the
 * image (a forearm) to the bottom: it compares how much of the leftmost and rightmost columns is
 * subject (Otsu on a point-sampled small copy; the subject is whichever class the corners are not) and turns the
 * heavier side down. When no subject leaves by either side, the fingers decide: the outer quarter of
 * the subject whose columns cross it more often (separate fingers) goes up. Clockwise when undecided.
 */
import { composeAffine } from '../../image/types';
import type { PreprocessStep } from '../spec';
import { otsuThreshold, subsample } from '../analysis';
import { rotatePixels, rotateRaster, turnAffine, turnRect, type Turn } from '../transform';
import { stepSchema, withNotice, type OpDefinition, type PipelineState } from '../state';

type RotateStep = Extract<PreprocessStep, { op: 'rotatePortrait' }>;

/** How much more of one edge column must be subject before 'auto' trusts it. */
const SIDE_MARGIN = 0.05;
/** How many more subject runs per column the fingers' side needs. */
const RUN_MARGIN = 0.2;

export const rotatePortrait: OpDefinition<RotateStep> = {
  op: 'rotatePortrait',
  params: stepSchema('rotatePortrait', 'Rotate a quarter turn when wider than tall.', {
    direction: { enum: ['cw', 'ccw', 'auto'], description: "Turn clockwise, counter-clockwise, or 'auto': the side the subject leaves by goes to the bottom (default)." },
  }),
  geometric: true,
  label: () => 'Rotate to portrait',
  apply(state, step) {
    const { width, height } = state.raster;
    if (width <= height) return state;
    const dir = step.direction ?? 'auto';
    const turn = dir === 'auto' ? autoTurn(state) : dir;
    return withNotice(rotateState(state, turn), `Rotated a quarter turn ${turn === 'cw' ? 'clockwise' : 'counter-clockwise'} to portrait.`);
  },
};

export function rotateState(state: PipelineState, turn: Turn): PipelineState {
  const { width: w, height: h } = state.raster;
  return {
    ...state,
    raster: rotateRaster(state.raster, turn),
    toImage: composeAffine(state.toImage, turnAffine(w, h, turn)),
    content: turnRect(state.content, w, h, turn),
    mask: state.mask && rotatePixels(state.mask, w, h, turn),
  };
}

/** 'cw' when the right edge holds more subject (clockwise brings the right side to the bottom), else 'ccw'. */
export function autoTurn(state: PipelineState): Turn {
  const a = subsample(state.raster, 256);
  const t = otsuThreshold(a.data);
  const { width: w, height: h, data } = a;
  const cornerBright = (data[0] + data[w - 1] + data[(h - 1) * w] + data[h * w - 1]) / 4 >= t;
  const subject = (v: number) => (v >= t) !== cornerBright;
  const edge = (x0: number) => {
    let n = 0;
    for (let y = 0; y < h; y++) for (let x = x0; x < x0 + Math.min(2, w); x++) if (subject(data[y * w + x])) n++;
    return n / (h * Math.min(2, w));
  };
  const left = edge(0);
  const right = edge(Math.max(0, w - 2));
  if (left > right + SIDE_MARGIN) return 'ccw';
  if (right > left + SIDE_MARGIN) return 'cw';
  // No forearm leaves the image: fingers are the side where columns cross the subject most often.
  let x0 = w;
  let x1 = -1;
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) if (subject(data[y * w + x])) (x0 = Math.min(x0, x), (x1 = Math.max(x1, x)));
  if (x1 - x0 < 8) return 'cw';
  const runs = (from: number, to: number) => {
    let n = 0;
    for (let x = from; x < to; x++) for (let y = 0, inside = false; y < h; y++) {
      const s = subject(data[y * w + x]);
      if (s && !inside) n++;
      inside = s;
    }
    return n / Math.max(1, to - from);
  };
  const q = Math.max(1, Math.floor((x1 - x0 + 1) / 4));
  const fingersLeft = runs(x0, x0 + q);
  const fingersRight = runs(x1 + 1 - q, x1 + 1);
  // Fingers on the right go up with a counter-clockwise turn, fingers on the left with a clockwise one.
  return fingersRight > fingersLeft * (1 + RUN_MARGIN) ? 'ccw' : 'cw';
}
