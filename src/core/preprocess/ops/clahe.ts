/**
 * CLAHE as OpenCV's createCLAHE computes it (imgproc/src/clahe.cpp), on float values:
 *
 * - values are binned into `bins` bins over the current value range (256 bins of [0,1] put an 8-bit
 *   image's level k in bin k, like OpenCV's 8-bit path);
 * - the content is divided into tilesX x tilesY tiles; when its size is not divisible, it is extended
 *   on the right and bottom by reflection (BORDER_REFLECT_101) for the tile histograms, as OpenCV does;
 * - each tile histogram is clipped at max(1, floor(clipLimit * tilePixels / bins)), the excess spread
 *   evenly with the remainder added at a regular stride, and turned into a cumulative table;
 * - every pixel interpolates bilinearly between the tables of the four nearest tile centres
 *   (txf = x / tileWidth - 0.5, clamped at the edges).
 *
 * The only difference from OpenCV is that tables and output are not rounded to 8 bits: the output is
 * cdf / tilePixels in [0,1], within 1/255 of OpenCV's result divided by 255. Padding outside the
 * content stays at the black level (0).
 */
import type { PreprocessStep } from '../spec';
import { valueRange, type Raster } from '../raster';
import { stepSchema, type OpDefinition } from '../state';

type ClaheStep = Extract<PreprocessStep, { op: 'clahe' }>;

export const CLAHE_DEFAULTS = { clipLimit: 3, tilesX: 8, tilesY: 8, bins: 256 } as const;

export const clahe: OpDefinition<ClaheStep> = {
  op: 'clahe',
  params: stepSchema('clahe', 'Contrast-limited adaptive histogram equalisation (OpenCV createCLAHE); output in [0,1].', {
    clipLimit: { type: 'number', minimum: 0, maximum: 1000, description: `Contrast limit (OpenCV clipLimit; 0 = no clipping); default ${CLAHE_DEFAULTS.clipLimit}, as the paper.` },
    tilesX: { type: 'integer', minimum: 1, maximum: 64, description: `Tiles across; default ${CLAHE_DEFAULTS.tilesX}.` },
    tilesY: { type: 'integer', minimum: 1, maximum: 64, description: `Tiles down; default ${CLAHE_DEFAULTS.tilesY}.` },
    bins: { type: 'integer', minimum: 2, maximum: 65536, description: `Histogram bins; default ${CLAHE_DEFAULTS.bins}.` },
  }),
  check(step) {
    const bins = step.bins ?? CLAHE_DEFAULTS.bins;
    const tiles = (step.tilesX ?? CLAHE_DEFAULTS.tilesX) * (step.tilesY ?? CLAHE_DEFAULTS.tilesY);
    return tiles * bins > 16_777_216 ? [`tilesX * tilesY * bins is ${tiles * bins}; at most 16777216 (the tile tables would not fit in memory)`] : [];
  },
  label: (step) => `CLAHE (clip ${step.clipLimit ?? CLAHE_DEFAULTS.clipLimit}, ${step.tilesX ?? CLAHE_DEFAULTS.tilesX}x${step.tilesY ?? CLAHE_DEFAULTS.tilesY} tiles)`,
  apply(state, step) {
    const domain = state.domain ?? valueRange(state.raster);
    const data = claheValues(state.raster, state.content, domain, claheParams(step));
    return { ...state, raster: { kind: 'float', width: state.raster.width, height: state.raster.height, data }, domain: { min: 0, max: 1 }, black: 0 };
  },
  rows(state, step) {
    const domain = state.domain ?? valueRange(state.raster);
    const row = claheRows(state.raster, state.content, domain, claheParams(step));
    return {
      state: { ...state, domain: { min: 0, max: 1 }, black: 0 },
      source: { kind: 'rows', width: state.raster.width, height: state.raster.height, row },
    };
  },
};

function claheParams(step: ClaheStep): ClaheParams {
  return {
    clipLimit: step.clipLimit ?? CLAHE_DEFAULTS.clipLimit,
    tilesX: step.tilesX ?? CLAHE_DEFAULTS.tilesX,
    tilesY: step.tilesY ?? CLAHE_DEFAULTS.tilesY,
    bins: step.bins ?? CLAHE_DEFAULTS.bins,
  };
}

export interface ClaheParams {
  clipLimit: number;
  tilesX: number;
  tilesY: number;
  bins: number;
}

export function claheValues(r: Raster, content: { x: number; y: number; width: number; height: number }, domain: { min: number; max: number }, p: ClaheParams): Float32Array {
  const W = r.width;
  const out = new Float32Array(W * r.height);
  const row = claheRows(r, content, domain, p);
  for (let y = content.y; y < content.y + content.height; y++) row(y, out.subarray(y * W, (y + 1) * W));
  return out;
}

/**
 * CLAHE one row at a time: builds the tile tables (one pass over the content), then returns a function
 * that writes row y of the result into a W-long buffer (0 outside the content). Rows are cheapest in
 * increasing order (consecutive rows reuse the blended tables). claheValues stores every row; the
 * pipeline instead feeds the rows straight into a following resize (clahe.rows), so the
 * full-resolution float result is never stored and read back: the same values, one pass fewer.
 */
export function claheRows(r: Raster, content: { x: number; y: number; width: number; height: number }, domain: { min: number; max: number }, p: ClaheParams): (y: number, out: Float32Array) => void {
  const cw = content.width;
  const ch = content.height;
  if (cw === 0 || ch === 0) return (_y, out) => out.fill(0);
  const W = r.width;
  const { bins } = p;
  // More tiles than pixels would leave empty tiles; OpenCV would fail. Fewer tiles instead.
  const tilesX = Math.min(p.tilesX, cw);
  const tilesY = Math.min(p.tilesY, ch);
  const span = domain.max - domain.min;
  const binScale = span > 0 ? bins / span : 0;
  // Every content pixel's bin, once: the tile histograms and the mapping then read it sequentially.
  // For a 16-bit raster the sample -> bin table is 128 KB, and its lookups (scattered by noise) were
  // the mapping pass's main cost; doing them once instead of twice saves about a pass.
  const binImg = bins <= 256 ? new Uint8Array(cw * ch) : new Uint16Array(cw * ch);
  if (r.kind === 'lut') {
    // One byte a sample when the bins allow: half the table, so more of it stays in cache.
    const table = bins <= 256 ? new Uint8Array(r.lut.length) : new Uint16Array(r.lut.length);
    for (let s = 0; s < table.length; s++) table[s] = binOf(r.lut[s], domain.min, binScale, bins);
    for (let y = 0; y < ch; y++) binRowLut(r.samples, (content.y + y) * W + content.x, r.lutOffset, table, binImg, y * cw, cw);
  } else {
    for (let y = 0; y < ch; y++) binRowFloat(r.data, (content.y + y) * W + content.x, domain.min, binScale, bins, binImg, y * cw, cw);
  }
  // Tile geometry of the (reflect-extended) content, as OpenCV.
  const extW = cw % tilesX === 0 ? cw : cw + tilesX - (cw % tilesX);
  const extH = ch % tilesY === 0 ? ch : ch + tilesY - (ch % tilesY);
  const tw = extW / tilesX;
  const th = extH / tilesY;
  const tileTotal = tw * th;
  const reflect = (i: number, n: number) => (i < n ? i : Math.max(0, 2 * n - 2 - i));
  const luts = new Float32Array(tilesX * tilesY * bins);
  const hist = new Int32Array(bins);
  const sub = new Int32Array(4 * bins);
  const clipLimit = p.clipLimit > 0 ? Math.max(1, Math.floor((p.clipLimit * tileTotal) / bins)) : 0;
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      hist.fill(0);
      sub.fill(0);
      const x0 = tx * tw;
      const x1 = (tx + 1) * tw;
      const direct = Math.min(x1, cw);
      for (let y = ty * th; y < (ty + 1) * th; y++) {
        const row = reflect(y, ch) * cw;
        countRow(binImg, row + x0, row + direct, sub, bins);
        for (let x = Math.max(x0, cw); x < x1; x++) hist[binImg[row + reflect(x, cw)]]++;
      }
      for (let i = 0; i < bins; i++) hist[i] += sub[i] + sub[i + bins] + sub[i + 2 * bins] + sub[i + 3 * bins];
      if (clipLimit > 0) {
        let clipped = 0;
        for (let i = 0; i < bins; i++) {
          if (hist[i] > clipLimit) {
            clipped += hist[i] - clipLimit;
            hist[i] = clipLimit;
          }
        }
        const batch = Math.floor(clipped / bins);
        let residual = clipped - batch * bins;
        for (let i = 0; i < bins; i++) hist[i] += batch;
        if (residual > 0) {
          const step = Math.max(Math.floor(bins / residual), 1);
          for (let i = 0; i < bins && residual > 0; i += step, residual--) hist[i]++;
        }
      }
      const base = (ty * tilesX + tx) * bins;
      let sum = 0;
      for (let i = 0; i < bins; i++) {
        sum += hist[i];
        luts[base + i] = sum / tileTotal;
      }
    }
  }
  // Per-column and per-row interpolation coordinates.
  const colA = new Int32Array(cw);
  const colB = new Int32Array(cw);
  const colW = new Float32Array(cw);
  for (let x = 0; x < cw; x++) {
    const f = x / tw - 0.5;
    const t1 = Math.floor(f);
    colW[x] = f - t1;
    colA[x] = Math.max(t1, 0) * bins;
    colB[x] = Math.min(t1 + 1, tilesX - 1) * bins;
  }
  const starts = [0];
  for (let x = 1; x < cw; x++) if (colA[x] !== colA[x - 1] || colB[x] !== colB[x - 1]) starts.push(x);
  const runA = Int32Array.from(starts, (x) => colA[x]);
  const runB = Int32Array.from(starts, (x) => colB[x]);
  starts.push(cw);
  const runs = Int32Array.from(starts);
  // Per row, blend the two tile rows' tables once (tilesX * bins values) so each pixel reads two
  // entries instead of four; the arithmetic is the same bilinear interpolation.
  const rowStride = tilesX * bins;
  const blended = new Float32Array(rowStride);
  let lastPair = -1;
  let lastYa = -1;
  const cx0 = content.x;
  return (outY, dst) => {
    const y = outY - content.y;
    if (y < 0 || y >= ch) {
      dst.fill(0);
      return;
    }
    if (cx0 > 0) dst.fill(0, 0, cx0);
    if (cx0 + cw < dst.length) dst.fill(0, cx0 + cw);
    const out = cx0 === 0 ? dst : dst.subarray(cx0);
    const f = y / th - 0.5;
    // `| 0`: Math.floor returns a double, and double offsets into the tables deoptimised blendTables
    // into float index arithmetic (measured 2-3x slower per row).
    const t1 = Math.floor(f) | 0;
    const ya = f - t1;
    const r1 = (Math.max(t1, 0) * rowStride) | 0;
    const r2 = (Math.min(t1 + 1, tilesY - 1) * rowStride) | 0;
    if (r1 * 65 + r2 !== lastPair || ya !== lastYa) {
      blendTables(luts, r1, r2, ya, blended);
      lastPair = r1 * 65 + r2;
      lastYa = ya;
    }
    mapRow(binImg, y * cw, blended, runs, runA, runB, colW, out);
  };
}

function binOf(v: number, min: number, scale: number, bins: number): number {
  const b = Math.floor((v - min) * scale);
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

// The per-pixel loops below are top-level functions taking everything as arguments: as closures over
// the same arrays they measured 2-5x slower. (Beware microbenchmarks over module-level arrays: V8 then
// folds the arrays into the code as constants and the loops look 3x faster than they run here.)

function binRowLut(samples: Uint8Array | Uint16Array | Int16Array, from: number, lutOffset: number, table: Uint8Array | Uint16Array, out: Uint8Array | Uint16Array, o: number, n: number): void {
  for (let x = 0; x < n; x++) out[o + x] = table[samples[from + x] + lutOffset];
}

function binRowFloat(data: Float32Array, from: number, min: number, scale: number, bins: number, out: Uint8Array | Uint16Array, o: number, n: number): void {
  const last = bins - 1;
  for (let x = 0; x < n; x++) {
    const b = Math.floor((data[from + x] - min) * scale);
    out[o + x] = b < 0 ? 0 : b > last ? last : b;
  }
}

/**
 * Histogram of bins[from, to) into four interleaved sub-histograms: neighbouring pixels usually share a
 * bin, and incrementing one counter back to back serialises on the store (as sampleHistogram).
 */
function countRow(bins: Uint8Array | Uint16Array, from: number, to: number, sub: Int32Array, n: number): void {
  let x = from;
  for (; x + 3 < to; x += 4) {
    sub[bins[x]]++;
    sub[bins[x + 1] + n]++;
    sub[bins[x + 2] + 2 * n]++;
    sub[bins[x + 3] + 3 * n]++;
  }
  for (; x < to; x++) sub[bins[x]]++;
}

/**
 * One row of CLAHE output: two reads of the row's blended tables a pixel. Column runs that share their
 * two tile tables (about one tile wide) take them as constants, which measured 15% faster than reading
 * both offsets per pixel.
 */
function mapRow(bins: Uint8Array | Uint16Array, from: number, blended: Float32Array, runs: Int32Array, runA: Int32Array, runB: Int32Array, colW: Float32Array, out: Float32Array): void {
  for (let s = 0; s < runA.length; s++) {
    const ca = runA[s];
    const cb = runB[s];
    const end = runs[s + 1];
    for (let x = runs[s]; x < end; x++) {
      const b = bins[from + x];
      const a = blended[ca + b];
      out[x] = a + colW[x] * (blended[cb + b] - a);
    }
  }
}

/** out = the tables at r1 blended towards those at r2 by ya (one tile row's worth); top-level for the same reason as mapRowLut. */
function blendTables(luts: Float32Array, r1: number, r2: number, ya: number, out: Float32Array): void {
  const n = out.length;
  for (let k = 0; k < n; k++) {
    const a = luts[r1 + k];
    out[k] = a + ya * (luts[r2 + k] - a);
  }
}
