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
import { acquireClaheKernels, ensureBytes, Layout, releaseClaheKernels } from '../kernels';
import type { RowSource } from '../resample';

type ClaheStep = Extract<PreprocessStep, { op: 'clahe' }>;

export const CLAHE_DEFAULTS = { clipLimit: 3, tilesX: 8, tilesY: 8, bins: 256 } as const;

export const clahe: OpDefinition<ClaheStep> = {
  op: 'clahe',
  params: stepSchema(
    'clahe',
    'Contrast-limited adaptive histogram equalisation (OpenCV createCLAHE); output in [0,1].',
    {
      clipLimit: {
        type: 'number',
        minimum: 0,
        maximum: 1000,
        description: `Contrast limit (OpenCV clipLimit; 0 = no clipping); default ${CLAHE_DEFAULTS.clipLimit}, as the paper.`,
      },
      tilesX: {
        type: 'integer',
        minimum: 1,
        maximum: 64,
        description: `Tiles across; default ${CLAHE_DEFAULTS.tilesX}.`,
      },
      tilesY: {
        type: 'integer',
        minimum: 1,
        maximum: 64,
        description: `Tiles down; default ${CLAHE_DEFAULTS.tilesY}.`,
      },
      bins: {
        type: 'integer',
        minimum: 2,
        maximum: 65536,
        description: `Histogram bins; default ${CLAHE_DEFAULTS.bins}.`,
      },
    },
  ),
  check(step) {
    const bins = step.bins ?? CLAHE_DEFAULTS.bins;
    const tiles = (step.tilesX ?? CLAHE_DEFAULTS.tilesX) * (step.tilesY ?? CLAHE_DEFAULTS.tilesY);
    return tiles * bins > 16_777_216
      ? [`tilesX * tilesY * bins is ${tiles * bins}; at most 16777216 (the tile tables would not fit in memory)`]
      : [];
  },
  label: (step) =>
    `CLAHE (clip ${step.clipLimit ?? CLAHE_DEFAULTS.clipLimit}, ${step.tilesX ?? CLAHE_DEFAULTS.tilesX}x${step.tilesY ?? CLAHE_DEFAULTS.tilesY} tiles)`,
  apply(state, step) {
    const domain = state.domain ?? valueRange(state.raster);
    const data = claheValues(state.raster, state.content, domain, claheParams(step));
    return {
      ...state,
      raster: { kind: 'float', width: state.raster.width, height: state.raster.height, data },
      domain: { min: 0, max: 1 },
      black: 0,
    };
  },
  rows(state, step) {
    const domain = state.domain ?? valueRange(state.raster);
    return {
      state: { ...state, domain: { min: 0, max: 1 }, black: 0 },
      source: claheRowSource(state.raster, state.content, domain, claheParams(step)),
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

export function claheValues(
  r: Raster,
  content: { x: number; y: number; width: number; height: number },
  domain: { min: number; max: number },
  p: ClaheParams,
): Float32Array {
  const W = r.width;
  const out = new Float32Array(W * r.height);
  const rows = claheRowSource(r, content, domain, p);
  for (let y = content.y; y < content.y + content.height; y++) out.set(rows.row(y), y * W);
  rows.done?.();
  return out;
}

/**
 * CLAHE one row at a time: builds the tile tables (one pass over the content), then serves the rows as
 * a RowSource: row y (W values, 0 outside the content) in a buffer reused by the next call, or, for a
 * resize, row y already shrunk along x (`shrunk`). Rows are cheapest in increasing order (consecutive
 * rows reuse the blended tables). claheValues stores every row; the pipeline instead feeds them straight
 * into a following resize (clahe.rows), so the full-resolution float result is never stored.
 *
 * The bins, tables and buffers live in the memory of a WebAssembly kernel instance (kernels/), which
 * bins the samples, blends the tables and maps and shrinks the rows: the mapping is the same arithmetic
 * in f32, 3x faster than the JavaScript loop was. `done` hands the instance on to the next image.
 */
export function claheRowSource(
  r: Raster,
  content: { x: number; y: number; width: number; height: number },
  domain: { min: number; max: number },
  p: ClaheParams,
): RowSource {
  const W = r.width;
  const cw = content.width;
  const ch = content.height;
  const zeros = new Float32Array(W);
  if (cw === 0 || ch === 0) return { kind: 'rows', width: W, height: r.height, row: () => zeros };
  const { bins } = p;
  // More tiles than pixels would leave empty tiles; OpenCV would fail. Fewer tiles instead.
  const tilesX = Math.min(p.tilesX, cw);
  const tilesY = Math.min(p.tilesY, ch);
  const rowStride = tilesX * bins;
  const wide = bins > 256;
  // Tile geometry of the (reflect-extended) content, as OpenCV.
  const extW = cw % tilesX === 0 ? cw : cw + tilesX - (cw % tilesX);
  const extH = ch % tilesY === 0 ? ch : ch + tilesY - (ch % tilesY);
  const tw = extW / tilesX;
  const th = extH / tilesY;
  const tileTotal = tw * th;
  // Column runs that share their two tile tables (about one tile wide), and each column's weight.
  const colW = new Float32Array(cw);
  const starts: number[] = [];
  const runA: number[] = [];
  const runB: number[] = [];
  for (let x = 0; x < cw; x++) {
    const f = x / tw - 0.5;
    const t1 = Math.floor(f);
    colW[x] = f - t1;
    const a = Math.max(t1, 0) * bins;
    const b = Math.min(t1 + 1, tilesX - 1) * bins;
    if (x === 0 || a !== runA[runA.length - 1] || b !== runB[runB.length - 1]) {
      starts.push(x);
      runA.push(a);
      runB.push(b);
    }
  }
  starts.push(cw);
  // Kernel memory: bins, tile tables, blended tables, runs, column weights, one output row.
  const L = new Layout();
  const pBins = L.take(cw * ch * (wide ? 2 : 1));
  const pLuts = L.take(tilesX * tilesY * bins * 4);
  const pBlend = L.take(rowStride * 4);
  const pRuns = L.take(starts.length * 4);
  const pRunA = L.take(runA.length * 4);
  const pRunB = L.take(runB.length * 4);
  const pColW = L.take(cw * 4);
  const pRow = L.take(W * 4);
  // 16-bit samples are binned by the kernel (the table lookups, scattered by noise, were the slowest
  // loop left in JavaScript): the content's samples are copied in, and the 64 KB table.
  const kernelBins = r.kind === 'lut' && !wide && !(r.samples instanceof Uint8Array);
  const pSamples = kernelBins ? L.take(cw * ch * 2) : 0;
  const pTable = kernelBins ? L.take(65536) : 0;
  const k = acquireClaheKernels(L.size);
  const mem = k.memory.buffer;
  const binImg = wide ? new Uint16Array(mem, pBins, cw * ch) : new Uint8Array(mem, pBins, cw * ch);
  const luts = new Float32Array(mem, pLuts, tilesX * tilesY * bins);
  new Int32Array(mem, pRuns, starts.length).set(starts);
  new Int32Array(mem, pRunA, runA.length).set(runA);
  new Int32Array(mem, pRunB, runB.length).set(runB);
  new Float32Array(mem, pColW, cw).set(colW);
  let row = new Float32Array(mem, pRow, W);
  // A pooled instance's memory holds its last user's bytes: outside the content the row must read 0.
  row.fill(0);
  // Every content pixel's bin, once: the tile histograms and the mapping then read it sequentially.
  const span = domain.max - domain.min;
  const binScale = span > 0 ? bins / span : 0;
  if (r.kind === 'lut' && kernelBins) {
    const table = new Uint8Array(mem, pTable, 65536);
    for (let s = 0; s < 65536; s++) table[s] = binOf(r.lut[s], domain.min, binScale, bins);
    const samples = new Uint16Array(mem, pSamples, cw * ch);
    const src =
      r.samples instanceof Int16Array
        ? new Uint16Array(r.samples.buffer, r.samples.byteOffset, r.samples.length)
        : r.samples;
    for (let y = 0; y < ch; y++)
      samples.set(src.subarray((content.y + y) * W + content.x, (content.y + y) * W + content.x + cw), y * cw);
    // A signed sample's table index is the sample + 32768: its 16 bits with the top bit flipped.
    k.binSamples16(pSamples, cw * ch, pTable, r.lutOffset ? 0x8000 : 0, pBins);
  } else if (r.kind === 'lut') {
    // One byte a sample when the bins allow: half the table, so more of it stays in cache.
    const table = bins <= 256 ? new Uint8Array(r.lut.length) : new Uint16Array(r.lut.length);
    for (let s = 0; s < table.length; s++) table[s] = binOf(r.lut[s], domain.min, binScale, bins);
    for (let y = 0; y < ch; y++)
      binRowLut(r.samples, (content.y + y) * W + content.x, r.lutOffset, table, binImg, y * cw, cw);
  } else {
    for (let y = 0; y < ch; y++)
      binRowFloat(r.data, (content.y + y) * W + content.x, domain.min, binScale, bins, binImg, y * cw, cw);
  }
  const reflect = (i: number, n: number) => (i < n ? i : Math.max(0, 2 * n - 2 - i));
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
        const rowAt = reflect(y, ch) * cw;
        countRow(binImg, rowAt + x0, rowAt + direct, sub, bins);
        for (let x = Math.max(x0, cw); x < x1; x++) hist[binImg[rowAt + reflect(x, cw)]]++;
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
  const map = wide ? k.mapRow16 : k.mapRow8;
  const binBytes = wide ? 2 : 1;
  const nRuns = runA.length;
  // The content part of the row buffer is rewritten for every row; the rest stays 0.
  const pOut = pRow + content.x * 4;
  let lastPair = -1;
  let lastYa = -1;
  let released = false;
  /** Maps row y (relative to the raster) into the kernel's row buffer; false outside the content. */
  const mapInto = (outY: number): boolean => {
    if (released) throw new Error('CLAHE rows read after their source was released');
    const y = outY - content.y;
    if (y < 0 || y >= ch) return false;
    const f = y / th - 0.5;
    const t1 = Math.floor(f);
    const ya = f - t1;
    const r1 = Math.max(t1, 0) * rowStride;
    const r2 = Math.min(t1 + 1, tilesY - 1) * rowStride;
    const rowBins = pBins + y * cw * binBytes;
    if (r1 === r2) {
      // The first and last half tile of rows read one tile row: nothing to blend.
      map(rowBins, pLuts, r1, pRuns, pRunA, pRunB, nRuns, pColW, pOut);
      return true;
    }
    if (r1 * 65 + r2 !== lastPair || ya !== lastYa) {
      k.blendTables(pLuts, r1, r2, ya, pBlend, rowStride);
      lastPair = r1 * 65 + r2;
      lastYa = ya;
    }
    map(rowBins, pBlend, 0, pRuns, pRunA, pRunB, nRuns, pColW, pOut);
    return true;
  };
  return {
    kind: 'rows',
    width: W,
    height: r.height,
    row: (outY) => (mapInto(outY) ? row : zeros),
    shrunk: (taps) => {
      // The taps and the shrunk row join the layout; growing the memory detaches the old views.
      const n = taps.start.length;
      const pStart = L.take(n * 4);
      const pCount = L.take(n * 4);
      const pOffset = L.take(n * 4);
      const pWeight = L.take(taps.weight.length * 4);
      const pShrunk = L.take(n * 4);
      ensureBytes(k, L.size);
      const m = k.memory.buffer;
      row = new Float32Array(m, pRow, W);
      new Int32Array(m, pStart, n).set(taps.start);
      new Int32Array(m, pCount, n).set(taps.count);
      new Int32Array(m, pOffset, n).set(taps.offset);
      new Float32Array(m, pWeight, taps.weight.length).set(taps.weight);
      const out = new Float32Array(m, pShrunk, n);
      const zeroOut = new Float32Array(n);
      return (outY) => {
        if (!mapInto(outY)) return zeroOut;
        k.shrinkRow(pRow, pStart, pCount, pOffset, pWeight, n, pShrunk);
        return out;
      };
    },
    done: () => {
      if (released) return;
      released = true;
      releaseClaheKernels(k);
    },
  };
}

function binOf(v: number, min: number, scale: number, bins: number): number {
  const b = Math.floor((v - min) * scale);
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

// The per-pixel loops below are top-level functions taking everything as arguments: as closures over
// the same arrays they measured 2-5x slower. (Beware microbenchmarks over module-level arrays: V8 then
// folds the arrays into the code as constants and the loops look 3x faster than they run here.)

function binRowLut(
  samples: Uint8Array | Uint16Array | Int16Array,
  from: number,
  lutOffset: number,
  table: Uint8Array | Uint16Array,
  out: Uint8Array | Uint16Array,
  o: number,
  n: number,
): void {
  for (let x = 0; x < n; x++) out[o + x] = table[samples[from + x] + lutOffset];
}

function binRowFloat(
  data: Float32Array,
  from: number,
  min: number,
  scale: number,
  bins: number,
  out: Uint8Array | Uint16Array,
  o: number,
  n: number,
): void {
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
