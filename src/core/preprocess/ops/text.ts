/**
 * Burned-in text and side markers ("L", "R", "PA", dates). They are drawn at or near the brightest
 * value the image holds, with sharp edges, as small compact shapes near the borders on darker
 * surroundings; bone, the other bright thing in a radiograph, peaks only along thin ridges that fade
 * into tissue. Detection therefore works on a block-maximum copy (thin strokes keep their value):
 *
 * - components: 8-connected pixels above half-way between the 5th percentile and the maximum, whose
 *   brightest pixel is at least BRIGHT of the way up (lossy 8-bit exports rarely keep text at 255);
 * - kept when flat-topped (at least FLAT_SHARE of the component within `saturation` of the range below
 *   its own maximum), small (longer side at most
 *   `maxSize` of the image's shorter side), within `borderZone` of an edge, and on dark surroundings:
 *   the median of the RING pixels around the component is within DARK of the range above the 5th
 *   percentile. A window that clips bone makes bone flat-topped too, but bone sits in soft tissue,
 *   a marker on the background.
 *
 * Each kept mark is then re-thresholded at full resolution inside its box, grown by `dilate` pixels
 * (anti-aliased edges, JPEG ringing), and set to the black level ('mask', so it also leaves the
 * foreground) or filled from the ring around it by diffusion ('inpaint').
 */
import type { PreprocessStep } from '../spec';
import { carryAnalysis, maxPoolAnalysis, quantile, valueAt } from '../analysis';
import { components } from '../morphology';
import type { Raster } from '../raster';
import { writeValues } from '../transform';
import { stepSchema, withNotice, type OpDefinition, type PipelineState, type Rect } from '../state';

type TextStep = Extract<PreprocessStep, { op: 'maskText' }>;

export const TEXT_DEFAULTS = { saturation: 0.1, maxSize: 0.15, borderZone: 0.3, dilate: 2 } as const;
const FLAT_SHARE = 0.4;
/** Width of the ring around a mark (analysis pixels) whose median must be dark, at most DARK of the range up. */
const RING = 2;
const DARK = 0.3;
/** A mark's brightest pixel is at least this far up the range (text is drawn bright, if not always at the maximum). */
const BRIGHT = 0.7;
const MAX_MARKS = 200;
const INPAINT_SWEEPS = 24;

export const maskText: OpDefinition<TextStep> = {
  op: 'maskText',
  params: stepSchema(
    'maskText',
    "Find burned-in text and markers and set them to the black level ('mask') or fill them from their surroundings ('inpaint').",
    {
      mode: { enum: ['mask', 'inpaint'] },
      saturation: {
        type: 'number',
        minimum: 0.001,
        maximum: 0.5,
        description: `A mark is flat-topped: most of it within this fraction of the value range below its brightest pixel; default ${TEXT_DEFAULTS.saturation}.`,
      },
      maxSize: {
        type: 'number',
        minimum: 0.005,
        maximum: 0.5,
        description: `Longest side of one mark, as a fraction of the image's shorter side; default ${TEXT_DEFAULTS.maxSize}.`,
      },
      borderZone: {
        type: 'number',
        minimum: 0.01,
        maximum: 0.5,
        description: `Marks lie within this fraction of the width or height from an edge (0.5: anywhere); default ${TEXT_DEFAULTS.borderZone}.`,
      },
      dilate: {
        type: 'integer',
        minimum: 0,
        maximum: 64,
        description: `Pixels added around each mark at full resolution; default ${TEXT_DEFAULTS.dilate}.`,
      },
    },
    ['mode'],
  ),
  label: (step) => (step.mode === 'inpaint' ? 'Inpaint text and markers' : 'Mask text and markers'),
  apply(state, step) {
    const marks = findTextMarks(state.raster, step);
    if (marks.length === 0) return state;
    const next = step.mode === 'inpaint' ? inpaintMarks(state, marks) : blackenMarks(state, marks);
    carryAnalysis(
      state.raster,
      next.raster,
      marks.map((m) => m.box),
    );
    return withNotice(
      next,
      `${marks.length} text/marker mark${marks.length === 1 ? '' : 's'} ${step.mode === 'inpaint' ? 'inpainted' : 'masked'}.`,
    );
  },
};

export interface TextMark {
  /** Full-resolution box holding the mark and its dilation. */
  box: Rect;
  /** box.width * box.height, 1 where the mark is. */
  pixels: Uint8Array;
}

export function findTextMarks(r: Raster, params: Omit<TextStep, 'op' | 'mode'> = {}): TextMark[] {
  const saturation = params.saturation ?? TEXT_DEFAULTS.saturation;
  const maxSize = params.maxSize ?? TEXT_DEFAULTS.maxSize;
  const zone = params.borderZone ?? TEXT_DEFAULTS.borderZone;
  const dilateBy = params.dilate ?? TEXT_DEFAULTS.dilate;
  const { image: a, sx, sy, ox, oy } = maxPoolAnalysis(r);
  const { width: w, height: h, data } = a;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) if (data[i] > hi) hi = data[i];
  const lo = quantile(data, 0.05);
  if (!(hi > lo)) return [];
  const growLevel = lo + 0.5 * (hi - lo);
  const darkLevel = lo + DARK * (hi - lo);
  const brightLevel = lo + BRIGHT * (hi - lo);
  const grown = new Uint8Array(w * h);
  for (let i = 0; i < grown.length; i++) grown[i] = data[i] >= growLevel ? 1 : 0;
  const { labels, list } = components(grown, w, h);
  // Each component's own maximum, then how many of its pixels are near it (a flat top).
  const peak = new Float32Array(list.length + 1).fill(-Infinity);
  for (let i = 0; i < data.length; i++) if (labels[i] && data[i] > peak[labels[i]]) peak[labels[i]] = data[i];
  const seeds = new Int32Array(list.length + 1);
  const band = saturation * (hi - lo);
  for (let i = 0; i < data.length; i++) if (labels[i] && data[i] >= peak[labels[i]] - band) seeds[labels[i]]++;
  const limit = maxSize * Math.min(w, h);
  const marks: TextMark[] = [];
  for (const c of list) {
    if (marks.length >= MAX_MARKS) break;
    const seed = seeds[c.label];
    if (peak[c.label] < brightLevel || seed < FLAT_SHARE * c.area) continue;
    const bw = c.x1 - c.x0;
    const bh = c.y1 - c.y0;
    if (Math.max(bw, bh) > Math.max(1, limit)) continue;
    const nearEdge = c.x0 <= zone * w || w - c.x1 <= zone * w || c.y0 <= zone * h || h - c.y1 <= zone * h;
    if (!nearEdge) continue;
    if (ringMedian(data, labels, w, h, c, RING) > darkLevel) continue;
    marks.push(fullResolutionMark(r, c, { sx, sy, ox, oy }, growLevel, dilateBy));
  }
  return marks;
}

/** Median of the pixels within `pad` of the component (box distance) that belong to no bright component. */
function ringMedian(
  data: Float32Array,
  labels: Int32Array,
  w: number,
  h: number,
  c: { label: number; x0: number; y0: number; x1: number; y1: number },
  pad: number,
): number {
  const vals: number[] = [];
  const x0 = Math.max(0, c.x0 - pad);
  const x1 = Math.min(w, c.x1 + pad);
  const y0 = Math.max(0, c.y0 - pad);
  const y1 = Math.min(h, c.y1 + pad);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * w + x;
      if (labels[i]) continue;
      // Keep pixels within `pad` of one of this component's pixels.
      let near = false;
      for (let yy = Math.max(y0, y - pad); yy <= Math.min(y1 - 1, y + pad) && !near; yy++) {
        for (let xx = Math.max(x0, x - pad); xx <= Math.min(x1 - 1, x + pad); xx++) {
          if (labels[yy * w + xx] === c.label) {
            near = true;
            break;
          }
        }
      }
      if (near) vals.push(data[i]);
    }
  }
  return vals.length ? quantile(vals, 0.5) : Infinity;
}

/** The mark's pixels at full resolution: above `level` inside its (slightly grown) box, dilated. */
function fullResolutionMark(
  r: Raster,
  c: { x0: number; y0: number; x1: number; y1: number },
  g: { sx: number; sy: number; ox: number; oy: number },
  level: number,
  grow: number,
): TextMark {
  const W = r.width;
  const H = r.height;
  const pad = grow + 1;
  const bx0 = Math.max(0, Math.floor(c.x0 * g.sx - g.ox) - pad);
  const by0 = Math.max(0, Math.floor(c.y0 * g.sy - g.oy) - pad);
  const bx1 = Math.min(W, Math.ceil(c.x1 * g.sx - g.ox) + pad);
  const by1 = Math.min(H, Math.ceil(c.y1 * g.sy - g.oy) + pad);
  const bw = bx1 - bx0;
  const bh = by1 - by0;
  const core = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) core[y * bw + x] = valueAt(r, (by0 + y) * W + bx0 + x) >= level ? 1 : 0;
  const pixels = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      if (!core[y * bw + x]) continue;
      for (let yy = Math.max(0, y - grow); yy <= Math.min(bh - 1, y + grow); yy++) {
        for (let xx = Math.max(0, x - grow); xx <= Math.min(bw - 1, x + grow); xx++) pixels[yy * bw + xx] = 1;
      }
    }
  }
  return { box: { x: bx0, y: by0, width: bw, height: bh }, pixels };
}

/** One sweep over the hole pixels (in the order given): each becomes the mean of its neighbours. */
function relax(v: Float64Array, holes: Int32Array, nb: Int32Array, inv: Float64Array): void {
  for (let j = 0, q = 0; j < holes.length; j++, q += 4)
    v[holes[j]] = (v[nb[q]] + v[nb[q + 1]] + v[nb[q + 2]] + v[nb[q + 3]]) * inv[j];
}

function markIndices(W: number, marks: TextMark[]): number[] {
  const idx: number[] = [];
  for (const m of marks) {
    for (let y = 0; y < m.box.height; y++) {
      for (let x = 0; x < m.box.width; x++)
        if (m.pixels[y * m.box.width + x]) idx.push((m.box.y + y) * W + m.box.x + x);
    }
  }
  return idx;
}

function blackenMarks(state: PipelineState, marks: TextMark[]): PipelineState {
  const idx = markIndices(state.raster.width, marks);
  const raster = writeValues(state.raster, idx, new Float32Array(idx.length).fill(state.black), true, state.scratch);
  let mask = state.mask;
  if (mask) {
    mask = mask.slice();
    for (const i of idx) mask[i] = 0;
  }
  return { ...state, raster, mask };
}

/**
 * Fills each mark from the pixels around it: start from the median of the ring just outside the mark,
 * then Gauss-Seidel sweeps of the 4-neighbour average (a discrete harmonic fill), which blends the
 * surroundings' gradient across the hole without inventing structure.
 */
function inpaintMarks(state: PipelineState, marks: TextMark[]): PipelineState {
  const r = state.raster;
  const W = r.width;
  const H = r.height;
  const idx: number[] = [];
  const vals: number[] = [];
  for (const m of marks) {
    // Work box: the mark's box plus one ring of known pixels.
    const x0 = Math.max(0, m.box.x - 1);
    const y0 = Math.max(0, m.box.y - 1);
    const x1 = Math.min(W, m.box.x + m.box.width + 1);
    const y1 = Math.min(H, m.box.y + m.box.height + 1);
    const bw = x1 - x0;
    const bh = y1 - y0;
    const hole = new Uint8Array(bw * bh);
    const v = new Float64Array(bw * bh);
    const ring: number[] = [];
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        const mx = x0 + x - m.box.x;
        const my = y0 + y - m.box.y;
        const inMark =
          mx >= 0 && my >= 0 && mx < m.box.width && my < m.box.height && m.pixels[my * m.box.width + mx] === 1;
        const k = y * bw + x;
        hole[k] = inMark ? 1 : 0;
        v[k] = valueAt(r, (y0 + y) * W + x0 + x);
        if (!inMark) ring.push(v[k]);
      }
    }
    const start = ring.length ? quantile(ring, 0.5) : state.black;
    // Sweep only the hole, through a list of its pixels and their in-box neighbours, in red-black
    // order: a pixel's four neighbours all have the other colour, so the updates within one colour do
    // not wait on each other (a row-by-row Gauss-Seidel sweep chains every update to the one before it
    // and measured ~5x slower), and it converges as fast.
    const red: number[] = [];
    const black: number[] = [];
    for (let k = 0; k < hole.length; k++) {
      if (!hole[k]) continue;
      v[k] = start;
      (((k % bw) + Math.floor(k / bw)) % 2 ? black : red).push(k);
    }
    const holes = red.concat(black);
    const n = holes.length;
    // Neighbours outside the box point at a slot past its end that stays 0, and each hole pixel keeps
    // the reciprocal of its count of real neighbours: the sweep is then branch-free and divide-free.
    const zero = bw * bh;
    const nb = new Int32Array(4 * n).fill(zero);
    const inv = new Float64Array(n);
    const hole32 = Int32Array.from(holes);
    for (let j = 0; j < n; j++) {
      const k = holes[j];
      const x = k % bw;
      if (x > 0) nb[4 * j] = k - 1;
      if (x < bw - 1) nb[4 * j + 1] = k + 1;
      if (k >= bw) nb[4 * j + 2] = k - bw;
      if (k < (bh - 1) * bw) nb[4 * j + 3] = k + bw;
      inv[j] = 1 / ((x > 0 ? 1 : 0) + (x < bw - 1 ? 1 : 0) + (k >= bw ? 1 : 0) + (k < (bh - 1) * bw ? 1 : 0));
    }
    const vz = new Float64Array(zero + 1);
    vz.set(v);
    for (let sweep = 0; sweep < INPAINT_SWEEPS; sweep++) relax(vz, hole32, nb, inv);
    v.set(vz.subarray(0, zero));
    for (const k of holes) {
      idx.push((y0 + Math.floor(k / bw)) * W + x0 + (k % bw));
      vals.push(v[k]);
    }
  }
  return { ...state, raster: writeValues(r, idx, vals, false, state.scratch) };
}
