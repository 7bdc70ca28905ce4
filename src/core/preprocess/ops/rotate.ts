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
 * 'upright' first checks the bottom edge: when more of it is subject than of either side, the image
 * is already upright and stays as it is (then the output is not portrait); likewise when no subject
 * leaves by a side and the top quarter holds the fingers.
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
    direction: {
      enum: ['cw', 'ccw', 'auto', 'upright'],
      description:
        "Turn clockwise, counter-clockwise, 'auto' (the side the subject leaves by goes to the bottom; default), or 'upright' ('auto', but a wide image whose subject already leaves by the bottom edge is left alone).",
    },
  }),
  geometric: true,
  label: () => 'Rotate to portrait',
  apply(state, step) {
    const { width, height } = state.raster;
    if (width <= height) return state;
    const dir = step.direction ?? 'auto';
    const turn = dir === 'auto' || dir === 'upright' ? autoTurn(state, dir === 'upright') : dir;
    if (!turn)
      return withNotice(
        state,
        'Wider than tall but already upright (the subject leaves by the bottom edge); not rotated.',
      );
    return withNotice(
      rotateState(state, turn),
      `Rotated a quarter turn ${turn === 'cw' ? 'clockwise' : 'counter-clockwise'} to portrait.`,
    );
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
export function autoTurn(state: PipelineState): Turn;
export function autoTurn(state: PipelineState, keepUpright: boolean): Turn | undefined;
export function autoTurn(state: PipelineState, keepUpright = false): Turn | undefined {
  const a = subsample(state.raster, 256);
  const t = otsuThreshold(a.data);
  const { width: w, height: h, data } = a;
  const cornerBright = (data[0] + data[w - 1] + data[(h - 1) * w] + data[h * w - 1]) / 4 >= t;
  const subject = (v: number) => v >= t !== cornerBright;
  const edge = (x0: number) => {
    let n = 0;
    for (let y = 0; y < h; y++) for (let x = x0; x < x0 + Math.min(2, w); x++) if (subject(data[y * w + x])) n++;
    return n / (h * Math.min(2, w));
  };
  const left = edge(0);
  const right = edge(Math.max(0, w - 2));
  if (keepUpright) {
    let bottom = 0;
    for (let y = Math.max(0, h - 2); y < h; y++) for (let x = 0; x < w; x++) if (subject(data[y * w + x])) bottom++;
    if (bottom / (w * Math.min(2, h)) > Math.max(left, right) + SIDE_MARGIN) return undefined;
  }
  if (left > right + SIDE_MARGIN) return 'ccw';
  if (right > left + SIDE_MARGIN) return 'cw';
  // No forearm leaves by a side: fingers are the outer quarter of the subject whose lines cross it
  // most often.
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!subject(data[y * w + x])) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x1 - x0 < 8 || y1 - y0 < 8) return keepUpright ? undefined : 'cw';
  /** Subject runs per line over lines [from, to) of columns (vertical) or rows. */
  const runs = (from: number, to: number, columns: boolean) => {
    let n = 0;
    const len = columns ? h : w;
    for (let a = from; a < to; a++) {
      let inside = false;
      for (let b = 0; b < len; b++) {
        const s = subject(columns ? data[b * w + a] : data[a * w + b]);
        if (s && !inside) n++;
        inside = s;
      }
    }
    return n / Math.max(1, to - from);
  };
  const qx = Math.max(1, Math.floor((x1 - x0 + 1) / 4));
  const qy = Math.max(1, Math.floor((y1 - y0 + 1) / 4));
  const fingersLeft = runs(x0, x0 + qx, true);
  const fingersRight = runs(x1 + 1 - qx, x1 + 1, true);
  if (keepUpright && runs(y0, y0 + qy, false) > Math.max(fingersLeft, fingersRight) * (1 + RUN_MARGIN))
    return undefined;
  // Fingers on the right go up with a counter-clockwise turn, fingers on the left with a clockwise one.
  return fingersRight > fingersLeft * (1 + RUN_MARGIN) ? 'ccw' : 'cw';
}
