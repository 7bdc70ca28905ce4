/**
 * Subject (hand, body) mask, the paper's Otsu mask made robust: Otsu's threshold over the content of
 * an area-averaged copy, opening (removes noise specks and thin lines), closing (bridges small gaps),
 * hole filling (dark marrow and joint spaces stay subject), then the largest `components` components
 * of at least `minAreaFraction` of the content (drops markers, labels and stray blobs).
 *
 * The mask is mapped back to full resolution cell by cell; cells on the mask's edge are decided pixel
 * by pixel with the same threshold, so the outline is as sharp as the image.
 */
import type { PreprocessStep } from '../spec';
import { areaAnalysis, otsuThreshold, valueAt } from '../analysis';
import { close, components, dilate, erode, fillHoles, keepLabels, open } from '../morphology';
import type { Raster } from '../raster';
import { writeValues } from '../transform';
import { stepSchema, withNotice, type OpDefinition, type PipelineState, type Rect } from '../state';

type ForegroundStep = Extract<PreprocessStep, { op: 'foreground' }>;

/** Working size: the mask's shape is settled at 256 pixels a side; its outline is refined at full resolution. */
const FOREGROUND_SIDE = 256;

export const FOREGROUND_DEFAULTS = {
  components: 1,
  minAreaFraction: 0.02,
  open: 0.005,
  close: 0.01,
  fillHoles: true,
  zeroBackground: false,
} as const;

export const foreground: OpDefinition<ForegroundStep> = {
  op: 'foreground',
  params: stepSchema(
    'foreground',
    'Subject mask: Otsu threshold, opening, closing, hole filling, largest components. The mask restricts the foreground used for scoring.',
    {
      components: {
        enum: [1, 2],
        description: `How many of the largest components to keep (2 for two hands); default ${FOREGROUND_DEFAULTS.components}.`,
      },
      minAreaFraction: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: `Smallest component kept, as a fraction of the image content; default ${FOREGROUND_DEFAULTS.minAreaFraction}.`,
      },
      open: {
        type: 'number',
        minimum: 0,
        maximum: 0.1,
        description: `Opening radius, as a fraction of the shorter side; default ${FOREGROUND_DEFAULTS.open}.`,
      },
      close: {
        type: 'number',
        minimum: 0,
        maximum: 0.1,
        description: `Closing radius, as a fraction of the shorter side; default ${FOREGROUND_DEFAULTS.close}.`,
      },
      fillHoles: {
        type: 'boolean',
        description: `Fill holes inside the subject; default ${FOREGROUND_DEFAULTS.fillHoles}.`,
      },
      zeroBackground: {
        type: 'boolean',
        description: `Also set pixels outside the mask to the black level; default ${FOREGROUND_DEFAULTS.zeroBackground}.`,
      },
    },
  ),
  label: (step) => `Foreground mask${(step.components ?? 1) === 2 ? ' (2 components)' : ''}`,
  apply(state, step) {
    const found = subjectMask(state.raster, state.content, step);
    let mask = found.mask;
    if (state.mask) {
      mask = mask.slice();
      for (let i = 0; i < mask.length; i++) mask[i] &= state.mask[i];
    }
    let next: PipelineState = { ...state, mask };
    if (found.empty) next = withNotice(next, 'Foreground: no subject found; the whole content is kept.');
    if (step.zeroBackground ?? FOREGROUND_DEFAULTS.zeroBackground) {
      const idx: number[] = [];
      for (let i = 0; i < mask.length; i++) if (!mask[i]) idx.push(i);
      next = {
        ...next,
        raster: writeValues(state.raster, idx, new Float32Array(idx.length).fill(state.black), false, state.scratch),
      };
    }
    return next;
  },
};

export interface SubjectMask {
  /** width*height of the raster, 1 = subject. */
  mask: Uint8Array;
  /** True when nothing qualified and the mask is the whole content. */
  empty: boolean;
  threshold: number;
}

/** The subject mask of a raster (bright subject), restricted to `content`. */
export function subjectMask(
  r: Raster,
  content: Rect,
  params: Omit<ForegroundStep, 'op' | 'zeroBackground'> = {},
): SubjectMask {
  const keepCount = params.components ?? FOREGROUND_DEFAULTS.components;
  const minArea = params.minAreaFraction ?? FOREGROUND_DEFAULTS.minAreaFraction;
  const { image: a, sx, sy, ox, oy } = areaAnalysis(r, FOREGROUND_SIDE);
  const { width: w, height: h, data } = a;
  // Content in analysis cells (cells whose centre lies in the content).
  const inContent = new Uint8Array(w * h);
  let contentCells = 0;
  for (let y = 0; y < h; y++) {
    const cy = (y + 0.5) * sy - oy;
    if (cy < content.y || cy >= content.y + content.height) continue;
    for (let x = 0; x < w; x++) {
      const cx = (x + 0.5) * sx - ox;
      if (cx >= content.x && cx < content.x + content.width) {
        inContent[y * w + x] = 1;
        contentCells++;
      }
    }
  }
  const t = otsuThreshold(data, inContent);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (!inContent[i]) continue;
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  let m: Uint8Array = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = inContent[i] && data[i] >= t ? 1 : 0;
  const side = Math.min(w, h);
  m = open(m, w, h, Math.round((params.open ?? FOREGROUND_DEFAULTS.open) * side));
  m = close(m, w, h, Math.round((params.close ?? FOREGROUND_DEFAULTS.close) * side));
  if (params.fillHoles ?? FOREGROUND_DEFAULTS.fillHoles) m = fillHoles(m, w, h);
  for (let i = 0; i < m.length; i++) m[i] &= inContent[i];
  const { labels, list } = components(m, w, h);
  // A flat image has no subject to find: every pixel would pass any threshold.
  const kept = !(hi > lo)
    ? []
    : list
        .filter((c) => c.area >= minArea * contentCells && c.area > 0)
        .sort((p, q) => q.area - p.area)
        .slice(0, keepCount)
        .map((c) => c.label);
  const W = r.width;
  const H = r.height;
  if (kept.length === 0) {
    const mask = new Uint8Array(W * H);
    for (let y = content.y; y < content.y + content.height; y++)
      mask.fill(1, y * W + content.x, y * W + content.x + content.width);
    return { mask, empty: true, threshold: t };
  }
  return {
    mask: upsampleMask(r, keepLabels(labels, kept), w, h, { sx, sy, ox, oy }, t, content),
    empty: false,
    threshold: t,
  };
}

/**
 * Analysis-cell mask -> full-resolution mask. Cells whose 3x3 neighbourhood is all inside (or all
 * outside) copy their label as a run of pixels; edge cells take `value >= t` for each pixel, limited to
 * the dilated mask.
 */
function upsampleMask(
  r: Raster,
  m: Uint8Array,
  w: number,
  h: number,
  g: { sx: number; sy: number; ox: number; oy: number },
  t: number,
  content: Rect,
): Uint8Array {
  const W = r.width;
  const grown = dilate(m, w, h, 1);
  const shrunk = erode(m, w, h, 1);
  // 0 outside, 1 inside, 2 edge (decide per pixel).
  const cell = new Uint8Array(w * h);
  for (let i = 0; i < cell.length; i++) cell[i] = shrunk[i] ? 1 : grown[i] ? 2 : 0;
  // Pixel columns of each cell column (pixel centre inside the cell), clipped to the content.
  const colStart = new Int32Array(w + 1);
  for (let cx = 0; cx <= w; cx++)
    colStart[cx] = Math.max(content.x, Math.min(content.x + content.width, Math.ceil(cx * g.sx - g.ox - 0.5)));
  const out = new Uint8Array(W * r.height);
  for (let y = content.y; y < content.y + content.height; y++) {
    const rowCell = Math.min(h - 1, Math.floor((y + 0.5 + g.oy) / g.sy)) * w;
    const row = y * W;
    for (let cx = 0; cx < w;) {
      const c = cell[rowCell + cx];
      if (c === 1) {
        // One fill for a run of inside cells.
        let end = cx + 1;
        while (end < w && cell[rowCell + end] === 1) end++;
        out.fill(1, row + colStart[cx], row + colStart[end]);
        cx = end;
        continue;
      }
      if (c === 2)
        for (let x = colStart[cx]; x < colStart[cx + 1]; x++) out[row + x] = valueAt(r, row + x) >= t ? 1 : 0;
      cx++;
    }
  }
  return out;
}
