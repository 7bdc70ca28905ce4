/**
 * How often the automatic preprocessing steps are right (issue 3, item 4).
 *
 * 1. Generated hand phantoms with known geometry (test/fixtures/images.ts): N seeded phantoms with
 *    random size, 1-2 hands, collimation frame, scanner padding, "L" marker, burned-in text, quarter
 *    turns, noise and bright-background exports. Each automatic step's result is mapped back to the
 *    original pixels through its affine and compared with the ground truth:
 *    - crop: IoU of the kept rectangle with the exposed field (right when >= 0.9);
 *    - mask: IoU of the subject mask with the hand mask (right when >= 0.8);
 *    - split: the number of outputs equals the number of hands and each hand's crop has IoU >= 0.8
 *      with its hand's box;
 *    - orientation: a quarter-turned phantom comes back fingers up;
 *    - text: the marker and text are masked (every drawn mark pixel is covered).
 * 2. Real chest radiographs (../shared/data/chest-xray-pneumonia/train; no ground truth): how often crop,
 *    rotation and mask give plausible output (kept area, mask area and centroid), plus a contact sheet
 *    of 24 examples to look at.
 *
 * Usage: npm run eval:preprocess -- [--n 200] [--real 600] [--data DIR] [--out test-output/eval] [--chest-close 0.05]
 * Writes <out>/preprocess-accuracy.json, <out>/phantoms.png and <out>/chest-xrays.png; prints a
 * Markdown summary.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src/core/decode';
import { applyAffine, type Affine, type XrayImage } from '../../src/core/image/types';
import { initialState } from '../../src/core/preprocess/pipeline';
import { opDefinition } from '../../src/core/preprocess/ops';
import { findTextMarks } from '../../src/core/preprocess/ops/text';
import { maskToImage } from '../../src/core/preprocess/regions';
import { materialize } from '../../src/core/preprocess/raster';
import type { PreprocessStep } from '../../src/core/preprocess/spec';
import type { PipelineState } from '../../src/core/preprocess/state';
import { handPhantom, type Box, type HandPhantom, type HandPhantomOptions } from '../../test/fixtures/images';
import { boxIoU, maskIoU, phantomImage } from '../../test/unit/preprocess/images';
import { mulberry32 } from '../../src/core/fit/random';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const N = Number(arg('n', '200'));
const REAL = Number(arg('real', '600'));
const DATA = arg('data', join(__dirname, '../../../shared/data/chest-xray-pneumonia/train'));
const OUT = arg('out', 'test-output/eval');
/** Closing radius for the chest foreground (fraction of the shorter side); default the step's own. */
const CHEST_CLOSE = args.includes('--chest-close') ? Number(arg('chest-close', '0.01')) : undefined;

function apply(state: PipelineState, steps: PreprocessStep[]): PipelineState {
  for (const s of steps) state = opDefinition(s).apply(state, s);
  return state;
}

function fork(state: PipelineState, step: PreprocessStep): PipelineState[] {
  const def = opDefinition(step);
  return def.fork ? def.fork(state, step) : [def.apply(state, step)];
}

/** The state's raster rectangle, mapped back to the original image as a box. */
function boxInImage(toImage: Affine, w: number, h: number): Box {
  const pts = [applyAffine(toImage, 0, 0), applyAffine(toImage, w, h)];
  return {
    x0: Math.min(pts[0][0], pts[1][0]),
    y0: Math.min(pts[0][1], pts[1][1]),
    x1: Math.max(pts[0][0], pts[1][0]),
    y1: Math.max(pts[0][1], pts[1][1]),
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))] : NaN);
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    min: s[0],
    p5: q(0.05),
    p50: q(0.5),
    p95: q(0.95),
  };
};
const pct = (k: number, n: number) => `${((100 * k) / Math.max(1, n)).toFixed(1)}% (${k}/${n})`;

const NORMALISE: PreprocessStep[] = [
  { op: 'intensity', mode: 'percentile' },
  { op: 'photometric', invertBrightBackground: true },
];

// ---------------------------------------------------------------------------------------------------
// Phantoms

interface PhantomCase {
  opts: HandPhantomOptions;
  cropIoU: number;
  maskIoU: number;
  regions: number;
  handIoU: number[];
  upright?: boolean;
  /** rotatePortrait 'upright' on a wide phantom: upright ones left alone, quarter-turned ones turned back up. */
  keptUpright?: boolean;
  textCovered?: boolean;
  ms: number;
}

function randomPhantom(i: number): HandPhantomOptions {
  const r = mulberry32(1000 + i);
  const width = 300 + Math.round(r() * 400);
  const height = 300 + Math.round(r() * 400);
  const hands = r() < 0.4 ? 2 : 1;
  const border = r() < 0.6 ? Math.round(10 + r() * 0.08 * Math.min(width, height)) : 0;
  const pad = border > 12 && r() < 0.3 ? Math.round(3 + r() * (border - 10)) : 0;
  const turn = r();
  const rotate = (turn < 0.6 ? 0 : turn < 0.75 ? 90 : turn < 0.9 ? 270 : 180) as HandPhantomOptions['rotate'];
  return {
    seed: 1 + i,
    width,
    height,
    hands,
    border,
    pad,
    marker: r() < 0.5,
    text: r() < 0.35 ? ['R 12', 'PA', 'L 3'][Math.floor(r() * 3)] : undefined,
    rotate,
    noise: 0.002 + r() * 0.04,
    invert: r() < 0.25,
    peak: Math.round(20000 + r() * 40000),
  };
}

function evalPhantom(opts: HandPhantomOptions): { result: PhantomCase; p: HandPhantom; final: PipelineState } {
  const p = handPhantom(opts);
  const image = phantomImage(p);
  const t0 = performance.now();
  const start = initialState(image);
  // Crop, on the raw image (before any normalisation), as the paper did.
  const cropped = apply(start, [{ op: 'cropExposed' }]);
  const cropIoU = boxIoU(boxInImage(cropped.toImage, cropped.raster.width, cropped.raster.height), p.field);
  // Mask: the whole automatic chain, mapped back through crop and rotation.
  const chain: PreprocessStep[] = [
    { op: 'rotatePortrait' },
    ...NORMALISE,
    { op: 'maskText', mode: 'inpaint' },
    { op: 'foreground', components: opts.hands ?? 1 },
  ];
  const final = apply(cropped, chain);
  const mask = maskToImage(final.mask!, final.raster.width, final.raster.height, final.toImage, p.width, p.height);
  const m = maskIoU(mask, p.mask);
  // Split (hands unknown to the pipeline: two components allowed).
  const beforeSplit = apply(cropped, [
    ...NORMALISE,
    { op: 'maskText', mode: 'inpaint' },
    { op: 'foreground', components: 2 },
  ]);
  const regions = fork(beforeSplit, { op: 'splitHands' });
  const boxes = regions.map((s) => boxInImage(s.toImage, s.raster.width, s.raster.height));
  const handIoU = p.hands.map((h) => Math.max(0, ...boxes.map((b) => boxIoU(b, h))));
  // Orientation: only quarter turns of a portrait phantom can be undone by rotatePortrait.
  let upright: boolean | undefined;
  const w0 = opts.width ?? 512;
  const h0 = opts.height ?? 640;
  if ((opts.rotate === 90 || opts.rotate === 270) && h0 > w0) {
    // Up in the output, (0, -1), must point along the phantom's fingers in the image: (+1, 0) after a
    // clockwise quarter turn, (-1, 0) after three.
    const [ux, uy] = [-final.toImage[1], -final.toImage[4]];
    upright = opts.rotate === 90 ? ux > 0 && Math.abs(uy) < 1e-9 : ux < 0 && Math.abs(uy) < 1e-9;
  }
  // 'upright' on wide images: upright ones stay (fingers up), quarter-turned portrait ones come back up.
  let keptUpright: boolean | undefined;
  const rotated = apply(cropped, [{ op: 'rotatePortrait', direction: 'upright' }]);
  const [vx, vy] = [-rotated.toImage[1], -rotated.toImage[4]];
  if ((opts.rotate ?? 0) === 0 && p.width > p.height) keptUpright = vx === 0 && vy < 0;
  else if ((opts.rotate === 90 || opts.rotate === 270) && h0 > w0)
    keptUpright = opts.rotate === 90 ? vx > 0 && Math.abs(vy) < 1e-9 : vx < 0 && Math.abs(vy) < 1e-9;
  // Text: every drawn mark pixel is inside a found mark (after crop and normalisation, as in the pipeline).
  let textCovered: boolean | undefined;
  if (p.marker || p.text) {
    const norm = apply(cropped, NORMALISE);
    const marks = findTextMarks(norm.raster);
    const covered = new Uint8Array(norm.raster.width * norm.raster.height);
    for (const mk of marks)
      for (let y = 0; y < mk.box.height; y++)
        for (let x = 0; x < mk.box.width; x++)
          if (mk.pixels[y * mk.box.width + x]) covered[(mk.box.y + y) * norm.raster.width + mk.box.x + x] = 1;
    const inImage = maskToImage(covered, norm.raster.width, norm.raster.height, norm.toImage, p.width, p.height);
    const bright = Math.min(65535, Math.round((opts.peak ?? 40000) * 1.1));
    const drawn = opts.invert ? 65535 - bright : bright;
    textCovered = true;
    for (const b of [p.marker, p.text]) {
      if (!b) continue;
      for (let y = b.y0; y < b.y1; y++)
        for (let x = b.x0; x < b.x1; x++)
          if (p.data[y * p.width + x] === drawn && !inImage[y * p.width + x]) textCovered = false;
    }
  }
  const result: PhantomCase = {
    opts,
    cropIoU,
    maskIoU: m,
    regions: regions.length,
    handIoU,
    upright,
    keptUpright,
    textCovered,
    ms: performance.now() - t0,
  };
  return { result, p, final };
}

// ---------------------------------------------------------------------------------------------------
// Real chest radiographs

interface RealCase {
  file: string;
  keptArea: number;
  cropped: boolean;
  rotated: boolean;
  maskArea: number;
  centroid: [number, number];
  components: number;
  marks: number;
  plausibleMask: boolean;
  notices: string[];
}

function listImages(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listImages(join(dir, d.name)) : /\.(jpe?g|png|dcm)$/i.test(d.name) ? [join(dir, d.name)] : [],
  );
}

async function evalReal(
  file: string,
): Promise<{ result: RealCase; image: XrayImage; final: PipelineState; cropped: PipelineState }> {
  const image = await decodeImage(new Uint8Array(readFileSync(file)), file);
  const cropped = apply(initialState(image), [{ op: 'cropExposed' }]);
  const rotated = apply(cropped, [{ op: 'rotatePortrait' }]);
  const norm = apply(rotated, NORMALISE);
  const marks = findTextMarks(norm.raster);
  const final = apply(norm, [
    { op: 'maskText', mode: 'inpaint' },
    { op: 'foreground', ...(CHEST_CLOSE !== undefined ? { close: CHEST_CLOSE } : {}) },
    { op: 'clahe' },
  ]);
  const mask = final.mask!;
  const { width: w, height: h } = final.raster;
  let n = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (mask[y * w + x]) {
        n++;
        cx += x;
        cy += y;
      }
  const maskArea = n / (w * h);
  const centroid: [number, number] = [n ? cx / n / w : 0.5, n ? cy / n / h : 0.5];
  // A chest mask is plausible when it is a large blob (25-95% of the field) centred left-right and
  // not hugging the top or bottom edge.
  const plausibleMask =
    maskArea >= 0.25 &&
    maskArea <= 0.95 &&
    Math.abs(centroid[0] - 0.5) < 0.15 &&
    centroid[1] > 0.3 &&
    centroid[1] < 0.75;
  const result: RealCase = {
    file: file.split('/').slice(-2).join('/'),
    keptArea: (cropped.raster.width * cropped.raster.height) / (image.width * image.height),
    cropped: cropped.raster.width !== image.width || cropped.raster.height !== image.height,
    rotated: rotated.raster !== cropped.raster,
    maskArea,
    centroid,
    components: 1,
    marks: marks.length,
    plausibleMask,
    notices: [...(final.notices ?? [])],
  };
  return { result, image, final, cropped };
}

// ---------------------------------------------------------------------------------------------------
// Contact sheets: original with the crop (green), mask outline (red) and text marks (blue), next to
// what the model would see.

const TILE = 200;

function greyTile(values: Float32Array, w: number, h: number): { rgb: Uint8Array; s: number; ox: number; oy: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const s = Math.min(TILE / w, TILE / h);
  const ox = Math.floor((TILE - w * s) / 2);
  const oy = Math.floor((TILE - h * s) / 2);
  const rgb = new Uint8Array(TILE * TILE * 3).fill(40);
  for (let y = 0; y < TILE; y++) {
    for (let x = 0; x < TILE; x++) {
      const sx = Math.floor((x - ox) / s);
      const sy = Math.floor((y - oy) / s);
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
      const v = hi > lo ? Math.round((255 * (values[sy * w + sx] - lo)) / (hi - lo)) : 0;
      rgb.set([v, v, v], (y * TILE + x) * 3);
    }
  }
  return { rgb, s, ox, oy };
}

function overlayTile(image: XrayImage, cropBox: Box, maskInImage: Uint8Array, marks: Box[]): Uint8Array {
  const values = materialize(initialState(image).raster).data;
  const { rgb, s, ox, oy } = greyTile(values, image.width, image.height);
  const W = image.width;
  const put = (x: number, y: number, c: [number, number, number]) => {
    const tx = Math.round(ox + x * s);
    const ty = Math.round(oy + y * s);
    if (tx >= 0 && ty >= 0 && tx < TILE && ty < TILE) rgb.set(c, (ty * TILE + tx) * 3);
  };
  const step = Math.max(1, Math.floor(1 / s));
  for (let y = 0; y < image.height; y += step) {
    for (let x = 0; x < image.width; x += step) {
      const m = maskInImage[y * W + x];
      const edge =
        m &&
        (x < step ||
          y < step ||
          !maskInImage[y * W + Math.max(0, x - step)] ||
          !maskInImage[Math.max(0, y - step) * W + x] ||
          !maskInImage[y * W + Math.min(W - 1, x + step)] ||
          !maskInImage[Math.min(image.height - 1, y + step) * W + x]);
      if (edge) put(x, y, [255, 40, 40]);
    }
  }
  const rect = (b: Box, c: [number, number, number]) => {
    for (let x = b.x0; x < b.x1; x += step) {
      put(x, b.y0, c);
      put(x, b.y1 - 1, c);
    }
    for (let y = b.y0; y < b.y1; y += step) {
      put(b.x0, y, c);
      put(b.x1 - 1, y, c);
    }
  };
  rect(cropBox, [60, 220, 60]);
  for (const b of marks) rect(b, [80, 140, 255]);
  return rgb;
}

async function sheet(tiles: Uint8Array[], perRow: number, file: string): Promise<void> {
  if (tiles.length === 0) return;
  const rows = Math.ceil(tiles.length / perRow);
  const W = perRow * TILE;
  const out = new Uint8Array(W * rows * TILE * 3);
  tiles.forEach((t, k) => {
    const X = (k % perRow) * TILE;
    const Y = Math.floor(k / perRow) * TILE;
    for (let y = 0; y < TILE; y++) out.set(t.subarray(y * TILE * 3, (y + 1) * TILE * 3), ((Y + y) * W + X) * 3);
  });
  await sharp(out, { raw: { width: W, height: rows * TILE, channels: 3 } })
    .png()
    .toFile(file);
}

function finalTile(final: PipelineState): Uint8Array {
  return greyTile(materialize(final.raster).data, final.raster.width, final.raster.height).rgb;
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const phantoms: PhantomCase[] = [];
  const phantomTiles: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    const { result, p, final } = evalPhantom(randomPhantom(i));
    phantoms.push(result);
    if (phantomTiles.length < 24) {
      const img = phantomImage(p);
      const mask = maskToImage(final.mask!, final.raster.width, final.raster.height, final.toImage, p.width, p.height);
      const crop = apply(initialState(img), [{ op: 'cropExposed' }]);
      phantomTiles.push(
        overlayTile(img, boxInImage(crop.toImage, crop.raster.width, crop.raster.height), mask, []),
        finalTile(final),
      );
    }
  }
  await sheet(phantomTiles, 8, join(OUT, 'phantoms.png'));
  const two = phantoms.filter((c) => (c.opts.hands ?? 1) === 2);
  const one = phantoms.filter((c) => (c.opts.hands ?? 1) === 1);
  const framed = phantoms.filter((c) => (c.opts.border ?? 0) > 0);
  const orient = phantoms.filter((c) => c.upright !== undefined);
  const texted = phantoms.filter((c) => c.textCovered !== undefined);
  const splitRight = (c: PhantomCase) =>
    c.regions === (c.opts.hands ?? 1) && (c.regions === 1 || c.handIoU.every((v) => v >= 0.8));
  const summary = {
    phantoms: {
      n: phantoms.length,
      crop: {
        right: phantoms.filter((c) => c.cropIoU >= 0.9).length,
        iou: stats(phantoms.map((c) => c.cropIoU)),
        framedRight: framed.filter((c) => c.cropIoU >= 0.9).length,
        framed: framed.length,
      },
      mask: { right: phantoms.filter((c) => c.maskIoU >= 0.8).length, iou: stats(phantoms.map((c) => c.maskIoU)) },
      split: {
        right: phantoms.filter(splitRight).length,
        twoHands: two.length,
        twoHandsCountRight: two.filter((c) => c.regions === 2).length,
        twoHandsRight: two.filter(splitRight).length,
        oneHand: one.length,
        oneHandRight: one.filter((c) => c.regions === 1).length,
        handIoU: stats(two.flatMap((c) => c.handIoU)),
      },
      orientation: { n: orient.length, right: orient.filter((c) => c.upright).length },
      uprightMode: {
        wideUpright: phantoms.filter((c) => (c.opts.rotate ?? 0) === 0 && c.keptUpright !== undefined).length,
        wideUprightKept: phantoms.filter((c) => (c.opts.rotate ?? 0) === 0 && c.keptUpright === true).length,
        turned: phantoms.filter((c) => (c.opts.rotate ?? 0) !== 0 && c.keptUpright !== undefined).length,
        turnedBack: phantoms.filter((c) => (c.opts.rotate ?? 0) !== 0 && c.keptUpright === true).length,
      },
      text: { n: texted.length, right: texted.filter((c) => c.textCovered).length },
      msPerImage: stats(phantoms.map((c) => c.ms)),
      failures: phantoms
        .filter(
          (c) => c.cropIoU < 0.9 || c.maskIoU < 0.8 || !splitRight(c) || c.upright === false || c.textCovered === false,
        )
        .map((c) => ({ ...c, opts: c.opts })),
    },
    real: undefined as undefined | Record<string, unknown>,
    /** Why the real-chest part did not run (no images, or --real 0); undefined when it ran. */
    realSkipped: undefined as undefined | string,
  };

  const files = listImages(DATA);
  if (files.length === 0) summary.realSkipped = `no images at ${DATA}; pass --data`;
  else if (REAL <= 0) summary.realSkipped = '--real 0';
  else {
    // A seeded sample across both classes.
    const r = mulberry32(7);
    const pick = [...files]
      .map((f) => ({ f, k: r() }))
      .sort((a, b) => a.k - b.k)
      .slice(0, REAL)
      .map((x) => x.f)
      .sort();
    const cases: RealCase[] = [];
    const tiles: Uint8Array[] = [];
    for (const f of pick) {
      try {
        const { result, image, final, cropped } = await evalReal(f);
        cases.push(result);
        if (tiles.length < 48 && cases.length % Math.max(1, Math.floor(pick.length / 24)) === 0) {
          const mask = maskToImage(
            final.mask!,
            final.raster.width,
            final.raster.height,
            final.toImage,
            image.width,
            image.height,
          );
          const norm = apply(initialState(image), NORMALISE);
          const marks = findTextMarks(norm.raster).map((m) => ({
            x0: m.box.x,
            y0: m.box.y,
            x1: m.box.x + m.box.width,
            y1: m.box.y + m.box.height,
          }));
          tiles.push(
            overlayTile(image, boxInImage(cropped.toImage, cropped.raster.width, cropped.raster.height), mask, marks),
            finalTile(final),
          );
        }
      } catch (err) {
        console.error(`${f}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await sheet(tiles, 8, join(OUT, 'chest-xrays.png'));
    summary.real = {
      dir: DATA,
      n: cases.length,
      cropped: cases.filter((c) => c.cropped).length,
      keptArea: stats(cases.filter((c) => c.cropped).map((c) => c.keptArea)),
      rotated: cases.filter((c) => c.rotated).length,
      maskArea: stats(cases.map((c) => c.maskArea)),
      plausibleMask: cases.filter((c) => c.plausibleMask).length,
      withMarks: cases.filter((c) => c.marks > 0).length,
      marks: stats(cases.map((c) => c.marks)),
      fallbacks: cases.filter((c) => c.notices.some((n) => /kept the whole/.test(n))).length,
      implausible: cases
        .filter((c) => !c.plausibleMask)
        .slice(0, 30)
        .map((c) => ({
          file: c.file,
          maskArea: +c.maskArea.toFixed(3),
          centroid: c.centroid.map((v) => +v.toFixed(2)),
        })),
    };
  }
  writeFileSync(join(OUT, 'preprocess-accuracy.json'), JSON.stringify(summary, null, 2));
  printSummary(summary);
}

function printSummary(s: { phantoms: any; real?: any; realSkipped?: string }): void {
  const p = s.phantoms;
  if (p.n === 0) {
    printReal(s.real, s.realSkipped);
    return;
  }
  const f = (x: { mean: number; min: number; p5: number; p50: number }) =>
    `mean ${x.mean.toFixed(3)}, median ${x.p50.toFixed(3)}, 5th pct ${x.p5.toFixed(3)}, min ${x.min.toFixed(3)}`;
  console.log(`## Phantoms (n = ${p.n})\n`);
  console.log('| step | right | IoU |');
  console.log('|---|---|---|');
  console.log(
    `| crop (IoU >= 0.9 with the exposed field) | ${pct(p.crop.right, p.n)}; framed: ${pct(p.crop.framedRight, p.crop.framed)} | ${f(p.crop.iou)} |`,
  );
  console.log(`| mask (IoU >= 0.8 with the hand mask) | ${pct(p.mask.right, p.n)} | ${f(p.mask.iou)} |`);
  console.log(
    `| split, two hands (2 outputs, each IoU >= 0.8) | ${pct(p.split.twoHandsRight, p.split.twoHands)}; count right ${pct(p.split.twoHandsCountRight, p.split.twoHands)} | per hand: ${f(p.split.handIoU)} |`,
  );
  console.log(`| split, one hand (1 output) | ${pct(p.split.oneHandRight, p.split.oneHand)} | |`);
  console.log(`| orientation (quarter-turned, back fingers up) | ${pct(p.orientation.right, p.orientation.n)} | |`);
  console.log(
    `| rotatePortrait 'upright': wide upright phantom left alone | ${pct(p.uprightMode.wideUprightKept, p.uprightMode.wideUpright)} | |`,
  );
  console.log(
    `| rotatePortrait 'upright': quarter-turned phantom back fingers up | ${pct(p.uprightMode.turnedBack, p.uprightMode.turned)} | |`,
  );
  console.log(`| text/marker fully masked | ${pct(p.text.right, p.text.n)} | |`);
  console.log(
    `\nTime per phantom (all checks): median ${p.msPerImage.p50.toFixed(0)} ms. Failures: ${p.failures.length}.`,
  );
  for (const c of p.failures.slice(0, 10))
    console.log(
      `- ${JSON.stringify(c.opts)}: crop ${c.cropIoU.toFixed(3)}, mask ${c.maskIoU.toFixed(3)}, regions ${c.regions}, hands ${c.handIoU.map((v: number) => v.toFixed(2)).join('/')}, upright ${c.upright}, text ${c.textCovered}`,
    );
  printReal(s.real, s.realSkipped);
  console.log(
    `\nContact sheets: ${[join(OUT, 'phantoms.png'), ...(s.real ? [join(OUT, 'chest-xrays.png')] : [])].join(', ')}`,
  );
}

function printReal(r: any, skipped: string | undefined): void {
  const f = (x: { mean: number; min: number; p5: number; p50: number }) =>
    `mean ${x.mean.toFixed(3)}, median ${x.p50.toFixed(3)}, 5th pct ${x.p5.toFixed(3)}, min ${x.min.toFixed(3)}`;
  {
    // Nothing ran: say so, rather than print nothing (or "ok") for a part that did not happen.
    if (skipped) console.log(`\n## Real chest radiographs: skipped (${skipped})`);
    if (!r) return;
    console.log(`\n## Real chest radiographs (n = ${r.n}, ${r.dir})\n`);
    console.log(`- cropped: ${pct(r.cropped, r.n)}; kept area when cropped: ${r.keptArea.n ? f(r.keptArea) : '-'}`);
    console.log(`- rotated: ${pct(r.rotated, r.n)}`);
    console.log(`- mask area fraction: ${f(r.maskArea)}, 95th pct ${r.maskArea.p95.toFixed(3)}`);
    console.log(`- plausible body mask (25-95% of the field, centred): ${pct(r.plausibleMask, r.n)}`);
    console.log(`- images with text/marker marks found: ${pct(r.withMarks, r.n)}`);
    console.log(`- crop fallbacks: ${r.fallbacks}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
