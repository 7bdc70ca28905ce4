/**
 * Where does the default recipe's anomaly map put its heat, and does preprocessing move it off the image
 * borders and the burned-in markers without costing accuracy? (docs/experiments/heatmap-preprocessing.md)
 *
 * For each named pipeline (scripts/models/pipelines.ts), through the product path:
 *   1. the same patient-grouped split of the TRAIN folder as `npm run models:default` (seed 2: 300
 *      normal + 300 pneumonia held out, the rest of the normals fitted on);
 *   2. a fit through the engine with a backbone manifest carrying the pipeline (as `xray-anomaly fit
 *      --backbone`), default recipe (1% coreset, 15% calibration);
 *   3. ROC-AUC / AP / confusion of the held-out images through the engine (as `xray-anomaly eval`);
 *   4. the anomaly map of every held-out image, computed with the engine's own code in this process
 *      (decode, prepareInput, onnxruntime, scoreOutputs: the map the viewer draws, values normalised
 *      so 0.5 is the pixel threshold) and resampled onto the original image's pixels through its affine.
 *
 * Heat measures, without pixel labels (per image, then averaged):
 *   - border: of the hottest tenth of the map's pixels on the image (top decile of the pixels the map
 *     covers), the share of their summed value on the outer 5% of the image (each side);
 *   - field border: the same for the outer 5% of the region the model saw (the crop mapped back; the
 *     whole image when nothing is cropped), so a map that just moves its heat to the new edge is caught;
 *   - marks: the same share on the boxes of burned-in marks found by maskText's detector on the
 *     original image (images with marks only). The inpainting variants use that same detector, so this
 *     figure shows what happens to the marks it finds, not to the ones it misses; hence also
 *   - wide marks: the boxes the same detector finds with saturation 0.3 instead of 0.1 (on most images:
 *     the "R" markers the default misses, and tubes, clips and ECG leads, checked on a sheet);
 *   - marks neighbourhood: the wide boxes grown by one backbone patch (16 px at 224) each side: a mark
 *     changes the features of the whole patch it falls in, and the map is that coarse;
 *   - peak: how often the single hottest pixel lies in each zone;
 *   - visible: the same shares of what the viewer actually tints (map value above its 0.3 floor,
 *     weighted by the excess), over the images with any tint: the top decile ranks pixels even where
 *     the whole map is far below anything drawn.
 * Each measure comes with the area share of its zone (what a map without structure would give).
 *
 * Usage: node --import tsx scripts/models/experiments/heatmap.ts [--pipelines current,crop,...]
 *        [--data DIR] [--seed 2] [--threads 2] [--out test-output/heatmap] [--reuse] [--no-eval] [--centre current]
 * --reuse keeps a model already fitted for a pipeline on this split (.cache/heatmap/<split>/<pipeline>/model) instead of refitting;
 * --no-eval skips the engine evaluation (the in-process scores still give ROC-AUC and AP);
 * --centre names the pipelines whose maps are also measured with a simulated per-position centring
 * (see `centred`; default: the first pipeline).
 * Writes <out>/summary.json, <out>/<pipeline>.images.jsonl, <out>/sheet-*.png; prints Markdown tables.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { decodeImage } from '../../../src/core/decode';
import { applyAffine, invertAffine, type Affine, type XrayImage } from '../../../src/core/image/types';
import { averagePrecision, confusionAt, rocAuc } from '../../../src/core/metrics/roc';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { parseManifest } from '../../../src/core/model/validate';
import { initialState, prepareInput } from '../../../src/core/preprocess/pipeline';
import { opDefinition } from '../../../src/core/preprocess/ops';
import { findTextMarks } from '../../../src/core/preprocess/ops/text';
import type { Rect } from '../../../src/core/preprocess/state';
import { scoreOutputs, type OutputTensors } from '../../../src/core/scoring/postprocess';
import type { AnomalyMap } from '../../../src/core/scoring/types';
import { f32 } from '../../../src/core/fit/compute';
import { mulberry32 } from '../../../src/core/fit/random';
import { colorAt, floorAlpha } from '../../../src/webview/viewer/render/colormaps';
import { ortBackend } from '../ort-backend';
import { backboneWithPipeline, PIPELINES } from '../pipelines';
import { patientOf } from './dataset';
import { argValue, evaluateThroughEngine, fitThroughEngine, materialiseSplit, modelInfoOf, newEngine, ROOT } from '../protocol';

const BORDER = 0.05;
const TOP = 0.1;
/** The viewer's defaults: inferno, opacity 0.45, values below 0.3 transparent. */
const OPACITY = 0.45;
const FLOOR = 0.3;

/** Zones of the image a map's heat is attributed to (see the header). */
const ZONES = ['border', 'field', 'marks', 'marksWide', 'marksNear'] as const;
/** The map's resolution: one backbone patch (stride 16 at 224 px), as a share of the image side. */
const PATCH = 16 / 224;
type Zone = (typeof ZONES)[number];

interface ZoneHeat {
  /** Share of the top-decile mass in the zone. */
  share: number;
  /** Share of the covered pixels in the zone (what a structureless map gives). */
  area: number;
  /** Whether the hottest pixel is in the zone. */
  peak: boolean;
  /** Share of the tinted excess (value above the viewer's floor) in the zone; absent when nothing is tinted. */
  visible?: number;
}

interface ImageHeat {
  file: string;
  label: 0 | 1;
  score: number;
  /** Marks zones only on images where the reference detector found marks. */
  zones: Partial<Record<Zone, ZoneHeat>>;
  /** Share of the covered pixels the viewer tints. */
  tinted: number;
  /** Pixels of the image the map covers, as a share of the image. */
  covered: number;
}

interface Case {
  file: string;
  path: string;
  label: 0 | 1;
}

interface ReferenceMarks {
  /** maskText's detector with its defaults: what the inpainting pipelines remove. */
  marks: Rect[];
  /** The same detector with saturation 0.3: most of the "R" markers it misses, plus tubes, clips and leads (seen on a sheet). */
  marksWide: Rect[];
}

/** Burned-in marks found on the original image (after the bits scaling and photometric step all pipelines share). */
function referenceMarks(image: XrayImage): ReferenceMarks {
  let s = initialState(image);
  for (const step of [{ op: 'intensity', mode: 'bits' }, { op: 'photometric', invertBrightBackground: false }] as const) s = opDefinition(step).apply(s, step);
  return { marks: findTextMarks(s.raster).map((m) => m.box), marksWide: findTextMarks(s.raster, { saturation: 0.3 }).map((m) => m.box) };
}

/** The map on the image's pixel grid (bilinear between map pixel centres); NaN where the map does not reach. */
function mapOnImage(map: AnomalyMap, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h).fill(NaN);
  const toMap = invertAffine(map.toImage);
  const d = map.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [mx, my] = applyAffine(toMap, x + 0.5, y + 0.5);
      if (!(mx >= 0 && my >= 0 && mx < map.width && my < map.height)) continue;
      const fx = Math.min(Math.max(mx - 0.5, 0), map.width - 1);
      const fy = Math.min(Math.max(my - 0.5, 0), map.height - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const y1 = Math.min(y0 + 1, map.height - 1);
      const ax = fx - x0;
      const ay = fy - y0;
      const top = d[y0 * map.width + x0] * (1 - ax) + d[y0 * map.width + x1] * ax;
      const bottom = d[y1 * map.width + x0] * (1 - ax) + d[y1 * map.width + x1] * ax;
      out[y * w + x] = top * (1 - ay) + bottom * ay;
    }
  }
  return out;
}

/** Image-space rectangle the model saw: its content rectangle's corners through toImage. */
function fieldRect(toImage: Affine, content: Rect, w: number, h: number): Rect {
  const a = applyAffine(toImage, content.x, content.y);
  const b = applyAffine(toImage, content.x + content.width, content.y + content.height);
  const x0 = Math.max(0, Math.round(Math.min(a[0], b[0])));
  const y0 = Math.max(0, Math.round(Math.min(a[1], b[1])));
  const x1 = Math.min(w, Math.round(Math.max(a[0], b[0])));
  const y1 = Math.min(h, Math.round(Math.max(a[1], b[1])));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** 1 where (x, y) lies in the outer BORDER of the rectangle (each side). */
function bandMask(r: Rect, w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  const bx = Math.max(1, Math.round(BORDER * r.width));
  const by = Math.max(1, Math.round(BORDER * r.height));
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let x = r.x; x < r.x + r.width; x++) {
      if (x < r.x + bx || x >= r.x + r.width - bx || y < r.y + by || y >= r.y + r.height - by) m[y * w + x] = 1;
    }
  }
  return m;
}

function boxMask(boxes: Rect[], w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (const b of boxes) for (let y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++) m.fill(1, y * w + Math.max(0, b.x), y * w + Math.min(w, b.x + b.width));
  return m;
}

/** The measures of one image's map (see the header); `zones` holds one 0/1 mask per zone that applies. */
export function heatOf(values: Float32Array, zones: Partial<Record<Zone, Uint8Array>>): Pick<ImageHeat, 'zones' | 'tinted' | 'covered'> {
  const covered: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) covered.push(values[i]);
  covered.sort((a, b) => a - b);
  const cut = covered[Math.min(covered.length - 1, Math.floor((1 - TOP) * covered.length))];
  let peakAt = -1;
  let mass = 0;
  let excess = 0;
  let tinted = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (peakAt < 0 || v > values[peakAt]) peakAt = i;
    if (v >= cut) mass += v;
    if (v > FLOOR) {
      excess += v - FLOOR;
      tinted++;
    }
  }
  const out: Partial<Record<Zone, ZoneHeat>> = {};
  for (const z of ZONES) {
    const m = zones[z];
    if (!m) continue;
    let top = 0, vis = 0, area = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v || !m[i]) continue;
      area++;
      if (v >= cut) top += v;
      if (v > FLOOR) vis += v - FLOOR;
    }
    out[z] = { share: mass > 0 ? top / mass : 0, area: area / covered.length, peak: m[peakAt] === 1, ...(excess > 0 ? { visible: vis / excess } : {}) };
  }
  return { zones: out, tinted: tinted / covered.length, covered: covered.length / values.length };
}

function listCases(val: string): Case[] {
  const out: Case[] = [];
  for (const [dir, label] of [['NORMAL', 0], ['PNEUMONIA', 1]] as const) {
    for (const f of readdirSync(join(val, dir)).sort()) out.push({ file: `${dir}/${f}`, path: join(val, dir, f), label });
  }
  return out;
}

interface Stat {
  mean: number;
  ci: number;
  n: number;
}

function stat(xs: number[]): Stat {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return { mean, ci: (1.96 * sd) / Math.sqrt(n), n };
}

interface ZoneSummary {
  n: number;
  share: Stat;
  area: Stat;
  peak: Stat;
  visible: Stat;
}

function summariseZone(rows: ImageHeat[], z: Zone): ZoneSummary {
  const hs = rows.flatMap((r) => (r.zones[z] ? [r.zones[z]!] : []));
  return {
    n: hs.length,
    share: stat(hs.map((h) => h.share)),
    area: stat(hs.map((h) => h.area)),
    peak: stat(hs.map((h) => (h.peak ? 1 : 0))),
    visible: stat(hs.flatMap((h) => (h.visible !== undefined ? [h.visible] : []))),
  };
}

function summarise(rows: ImageHeat[]) {
  const by = (rs: ImageHeat[]) => ({ ...Object.fromEntries(ZONES.map((z) => [z, summariseZone(rs, z)])), tinted: stat(rs.map((r) => r.tinted)) }) as Record<Zone, ZoneSummary> & { tinted: Stat };
  return { all: by(rows), normal: by(rows.filter((r) => r.label === 0)), pneumonia: by(rows.filter((r) => r.label === 1)) };
}

async function loadImage(path: string): Promise<XrayImage> {
  return decodeImage(new Uint8Array(readFileSync(path)), path);
}

/** A map on the image grid, kept for the sheets as bytes (0..254 for [0, 1]; 255 where the map does not reach). */
interface KeptMap {
  values: Uint8Array;
  field: Rect;
}

/** One held-out image's result: its score and its map on the image grid (NaN where the map does not reach). */
interface MapRecord {
  case: Case;
  score: number;
  values: Float32Array;
  width: number;
  height: number;
  field: Rect;
}

/** Every held-out image through the fitted model in this process, with the engine's own code. */
async function mapsFor(manifestPath: string, cases: Case[], threads: number): Promise<MapRecord[]> {
  const manifest: ModelManifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const onnx = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const be = ortBackend(threads);
  const out: MapRecord[] = [];
  try {
    for (const c of cases) {
      const image = await loadImage(c.path);
      const prepared = prepareInput(image, manifest);
      const res = await be.run('model', () => onnx, { [manifest.input.name]: f32(prepared.tensor, [...prepared.dims]) });
      const { score, map } = scoreOutputs(res as unknown as OutputTensors, prepared, manifest);
      if (!map) throw new Error(`${manifestPath} returned no anomaly map`);
      const content = prepared.content ?? { x: 0, y: 0, width: manifest.input.width, height: manifest.input.height };
      out.push({ case: c, score: score.raw, values: mapOnImage(map, image.width, image.height), width: image.width, height: image.height, field: fieldRect(prepared.toImage, content, image.width, image.height) });
    }
  } finally {
    await be.release();
  }
  return out;
}

function measure(records: MapRecord[], marks: Map<string, ReferenceMarks>): ImageHeat[] {
  return records.map((r) => {
    const { width: w, height: h } = r;
    const ref = marks.get(r.case.file);
    const zones: Partial<Record<Zone, Uint8Array>> = { border: bandMask({ x: 0, y: 0, width: w, height: h }, w, h), field: bandMask(r.field, w, h) };
    if (ref?.marks.length) zones.marks = boxMask(ref.marks, w, h);
    if (ref?.marksWide.length) {
      zones.marksWide = boxMask(ref.marksWide, w, h);
      const gx = Math.round(PATCH * w);
      const gy = Math.round(PATCH * h);
      zones.marksNear = boxMask(ref.marksWide.map((b) => ({ x: b.x - gx, y: b.y - gy, width: b.width + 2 * gx, height: b.height + 2 * gy })), w, h);
    }
    return { file: r.case.file, label: r.case.label, score: r.score, ...heatOf(r.values, zones) };
  });
}

function keep(records: MapRecord[]): Map<string, KeptMap> {
  const kept = new Map<string, KeptMap>();
  for (const r of records) {
    const bytes = new Uint8Array(r.values.length);
    for (let i = 0; i < r.values.length; i++) {
      const v = r.values[i];
      bytes[i] = v === v ? Math.round(254 * Math.min(1, Math.max(0, v))) : 255;
    }
    kept.set(r.case.file, { values: bytes, field: r.field });
  }
  return kept;
}

/** Per-pixel mean of the maps (NaN where none covers it); all records must share one image size. */
function meanMap(records: MapRecord[]): Float32Array {
  const n = records[0].values.length;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const r of records) {
    if (r.values.length !== n) throw new Error('meanMap needs images of one size');
    for (let i = 0; i < n; i++) {
      if (r.values[i] !== r.values[i]) continue; // NaN: no value at this position
      sum[i] += r.values[i];
      count[i]++;
    }
  }
  return Float32Array.from(sum, (s, i) => (count[i] ? s / count[i] : NaN));
}

/**
 * What a per-position calibration of the map would show (a display-only change, simulated here; the
 * fit standardises the map with one mean and sd for all positions): each map minus the mean map of
 * normal images at that position, plus that mean map's average, so the map's mean (and therefore the
 * mean-based patch score and every ROC figure) stays the same and only where the heat sits changes.
 * The mean map comes from held-out normals of OTHER patients: the validation normals in two halves by
 * patient, each half centred with the other half's mean; pneumonia images with the mean of all normals.
 */
function centred(records: MapRecord[]): MapRecord[] {
  const normals = records.filter((r) => r.case.label === 0);
  const patients = [...new Set(normals.map((r) => patientOf(basename(r.case.file))))].sort();
  const half = (r: MapRecord) => patients.indexOf(patientOf(basename(r.case.file))) % 2;
  const means = [meanMap(normals.filter((r) => half(r) === 0)), meanMap(normals.filter((r) => half(r) === 1)), meanMap(normals)];
  const level = means.map((m) => {
    let s = 0, k = 0;
    for (const v of m) {
      if (v !== v) continue;
      s += v;
      k++;
    }
    return s / k;
  });
  return records.map((r) => {
    const which = r.case.label === 1 ? 2 : 1 - half(r);
    const mu = means[which];
    const values = Float32Array.from(r.values, (v, i) => (v === v && mu[i] === mu[i] ? v - mu[i] + level[which] : NaN));
    return { ...r, values };
  });
}

/** Greyscale image + the viewer's overlay of the map, field rectangle (green) and reference marks (blue: default detector, yellow: wide), as RGB. */
function renderTile(image: XrayImage, heat: KeptMap | undefined, marks?: ReferenceMarks): Uint8Array {
  const { width: w, height: h } = image;
  const src = image.data;
  const max = (1 << image.bitsStored) - 1;
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const g = Math.round((255 * src[i]) / max);
    let r = g, gg = g, b = g;
    const q = heat ? heat.values[i] : 255;
    if (q !== 255) {
      const v = q / 254;
      const a = OPACITY * floorAlpha(v, FLOOR);
      const [cr, cg, cb] = colorAt('inferno', v);
      r = Math.round(r * (1 - a) + cr * a);
      gg = Math.round(gg * (1 - a) + cg * a);
      b = Math.round(b * (1 - a) + cb * a);
    }
    rgb[i * 3] = r;
    rgb[i * 3 + 1] = gg;
    rgb[i * 3 + 2] = b;
  }
  const outline = (rect: Rect, c: [number, number, number]) => {
    for (let x = rect.x; x < rect.x + rect.width; x++) for (const y of [rect.y, rect.y + rect.height - 1]) set(x, y, c);
    for (let y = rect.y; y < rect.y + rect.height; y++) for (const x of [rect.x, rect.x + rect.width - 1]) set(x, y, c);
  };
  const set = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    rgb.set(c, (y * w + x) * 3);
  };
  if (heat && (heat.field.width < w || heat.field.height < h)) outline(heat.field, [0, 220, 0]);
  for (const m of marks?.marksWide ?? []) outline(m, [255, 220, 0]);
  for (const m of marks?.marks ?? []) outline(m, [40, 120, 255]);
  return rgb;
}

/** One row per image: the original, then each pipeline's map over it; a header naming the columns. */
async function writeSheet(file: string, cases: Case[], columns: string[], maps: Map<string, Map<string, KeptMap>>, marks: Map<string, ReferenceMarks>, rowNotes: Map<string, string>): Promise<void> {
  const T = 224;
  const HEAD = 28;
  const W = T * (columns.length + 1);
  const H = HEAD + T * cases.length;
  const composites: OverlayOptions[] = [];
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const header = [`<text x="4" y="19">original, marks</text>`, ...columns.map((c, i) => `<text x="${(i + 1) * T + 4}" y="19">${esc(c)}</text>`)].join('');
  composites.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${HEAD}"><rect width="100%" height="100%" fill="#202020"/><g font-family="sans-serif" font-size="14" fill="#ffffff">${header}</g></svg>`), left: 0, top: 0 });
  for (let r = 0; r < cases.length; r++) {
    const c = cases[r];
    const image = await loadImage(c.path);
    const tiles = [renderTile(image, undefined, marks.get(c.file)), ...columns.map((p) => renderTile(image, maps.get(p)?.get(c.file)))];
    for (let k = 0; k < tiles.length; k++) {
      const png = await sharp(Buffer.from(tiles[k]), { raw: { width: image.width, height: image.height, channels: 3 } }).resize(T, T, { fit: 'fill' }).png().toBuffer();
      composites.push({ input: png, left: k * T, top: HEAD + r * T });
    }
    const note = `${c.file.replace(/^(NORMAL|PNEUMONIA)\//, (m) => m[0] + ' ')} ${rowNotes.get(c.file) ?? ''}`;
    composites.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${T}" height="18"><rect width="100%" height="100%" fill="#000000" fill-opacity="0.6"/><text x="3" y="13" font-family="sans-serif" font-size="11" fill="#ffff80">${esc(note)}</text></svg>`), left: 0, top: HEAD + r * T + T - 18 });
  }
  await sharp({ create: { width: W, height: H, channels: 3, background: { r: 0, g: 0, b: 0 } } }).composite(composites).png().toFile(file);
}

/**
 * The mean map of the held-out normals and of the pneumonia images, side by side, each stretched over
 * its own range (inferno), with the mean on the 5% border and inside it printed; shows whether the
 * border heat is systematic (the same on every image) or image-specific.
 */
async function writeMeanMaps(file: string, records: MapRecord[]): Promise<void> {
  const { width: w, height: h } = records[0];
  if (records.some((r) => r.width !== w || r.height !== h)) return;
  const band = bandMask({ x: 0, y: 0, width: w, height: h }, w, h);
  const tiles: Buffer[] = [];
  const notes: string[] = [];
  for (const [label, rs] of [['normal', records.filter((r) => r.case.label === 0)], ['pneumonia', records.filter((r) => r.case.label === 1)]] as const) {
    const mu = meanMap(rs);
    let lo = Infinity, hi = -Infinity, sb = 0, nb = 0, si = 0, ni = 0;
    for (let i = 0; i < mu.length; i++) {
      const v = mu[i];
      if (v !== v) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (band[i]) {
        sb += v;
        nb++;
      } else {
        si += v;
        ni++;
      }
    }
    notes.push(`${label}: border ${(sb / nb).toFixed(3)}, inside ${(si / ni).toFixed(3)}, range ${lo.toFixed(3)}..${hi.toFixed(3)}`);
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < mu.length; i++) rgb.set(mu[i] === mu[i] ? colorAt('inferno', (mu[i] - lo) / (hi - lo || 1)).slice(0, 3) : [0, 0, 0], i * 3);
    tiles.push(await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
  }
  await sharp({ create: { width: 2 * w + 8, height: h, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(tiles.map((t, k) => ({ input: t, left: k * (w + 8), top: 0 })))
    .png()
    .toFile(file);
  console.error(`${basename(file)}: mean map (display units) ${notes.join('; ')}`);
}

const pct = (s: Stat) => `${(100 * s.mean).toFixed(1)} ± ${(100 * s.ci).toFixed(1)}`;

async function main(argv: string[]): Promise<void> {
  const names = (argValue(argv, '--pipelines') ?? 'current,crop,crop-inpaint,crop-inpaint-pad').split(',');
  for (const n of names) if (!PIPELINES[n]) throw new Error(`unknown pipeline '${n}'; known: ${Object.keys(PIPELINES).join(', ')}`);
  const data = argValue(argv, '--data') ?? join(ROOT, '../shared/data/chest-xray-pneumonia/train');
  const seed = Number(argValue(argv, '--seed') ?? 2);
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const out = argValue(argv, '--out') ?? join(ROOT, 'test-output/heatmap');
  const reuse = argv.includes('--reuse');
  const centre = (argValue(argv, '--centre') ?? names[0]).split(',');
  mkdirSync(out, { recursive: true });

  const split = await materialiseSplit({ data, abnormal: 'PNEUMONIA', seed, valPerClass: 300 });
  console.error(`split seed ${seed}: fit on ${split.counts.fit} normals; validation ${split.counts.valNormal} + ${split.counts.valAbnormal}`);
  const cases = listCases(split.val);
  const marks = new Map<string, ReferenceMarks>();
  for (const c of cases) marks.set(c.file, referenceMarks(await loadImage(c.path)));
  const withMarks = (k: keyof ReferenceMarks) => [...marks.values()].filter((m) => m[k].length > 0).length;
  console.error(`reference marks on ${withMarks('marks')} of ${cases.length} held-out images (wide detector: ${withMarks('marksWide')})`);

  // Sheet A: a seeded sample, 6 normal + 6 pneumonia.
  const rnd = mulberry32(seed);
  const sample = (xs: Case[], k: number) => {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a.slice(0, k);
  };
  const sheetA = [...sample(cases.filter((c) => c.label === 0), 6), ...sample(cases.filter((c) => c.label === 1), 6)];
  const summary: Record<string, unknown> = {};
  const maps = new Map<string, Map<string, KeptMap>>();
  const rowsBy = new Map<string, ImageHeat[]>();
  /** Pipelines and their simulated centred displays, in the order they are reported. */
  const columns: string[] = [];
  const engine = newEngine(threads);
  try {
    for (const name of names) {
      // Per split (data folder and seed): a model fitted on another split must never be reused.
      const dir = join(ROOT, '.cache/heatmap', basename(split.dir), name);
      const modelDir = join(dir, 'model');
      const manifestPath = join(modelDir, `heat-${name}.model.json`);
      let fitInfo: unknown;
      if (!(reuse && existsSync(manifestPath))) {
        const backbone = backboneWithPipeline(join(dir, 'backbone'), name);
        const t0 = Date.now();
        const fit = await fitThroughEngine(engine, split.fit, { id: `heat-${name}`, out: modelDir, coreset: 0.01, calibration: 0.15, backbone });
        fitInfo = { seconds: (Date.now() - t0) / 1000, images: { used: fit.images.used, calibration: fit.images.calibration, skipped: fit.images.skipped.length }, threshold: fit.threshold, bank: fit.memoryBank };
      }
      let ev: Awaited<ReturnType<typeof evaluateThroughEngine>> | undefined;
      if (!argv.includes('--no-eval')) {
        ev = await evaluateThroughEngine(engine, modelInfoOf(manifestPath), split.val, 'PNEUMONIA', join(dir, 'eval'));
        console.error(`${name}: ROC-AUC ${ev.rocAuc.toFixed(4)} AP ${ev.averagePrecision.toFixed(4)} (engine)`);
      }
      const records = await mapsFor(manifestPath, cases, threads);
      const m = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
      const variants: [string, MapRecord[]][] = [[name, records]];
      if (centre.includes(name)) variants.push([`${name}+centred`, centred(records)]);
      for (const [label, recs] of variants) {
        const rows = measure(recs, marks);
        maps.set(label, keep(recs));
        rowsBy.set(label, rows);
        columns.push(label);
        writeFileSync(join(out, `${label}.images.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const labels = rows.map((r) => r.label);
        const scores = rows.map((r) => r.score);
        const c = confusionAt(scores, labels, m.calibration.threshold);
        summary[label] = {
          pipeline: PIPELINES[name],
          display: label === name ? 'as exported' : 'per-position centring of the map (simulated, display only)',
          fit: fitInfo,
          engine: ev && { rocAuc: ev.rocAuc, averagePrecision: ev.averagePrecision, confusion: ev.confusion, msPerImage: ev.msPerImage, failed: ev.images.failed },
          inProcess: { rocAuc: rocAuc(scores, labels), averagePrecision: averagePrecision(scores, labels), sensitivity: c.tpr, specificity: 1 - c.fpr },
          heat: summarise(rows),
        };
      }
      await writeMeanMaps(join(out, `mean-map-${name}.png`), records);
      writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    }
  } finally {
    engine.dispose();
  }

  // Tables.
  type Summary = { engine?: { rocAuc: number; averagePrecision: number }; inProcess: { rocAuc: number; averagePrecision: number; sensitivity: number; specificity: number }; heat: ReturnType<typeof summarise> };
  const sum = (name: string) => summary[name] as Summary;
  const area = (z: ZoneSummary) => ` (area ${(100 * z.area.mean).toFixed(1)})`;
  console.log(`\nValidation (seed ${seed}, ${cases.length} held-out images; marks on ${withMarks('marks')}, wide marks on ${withMarks('marksWide')}). Shares in %, mean ± 95% CI; area: the zone's share of the covered pixels.\n`);
  console.log('| pipeline | ROC-AUC | AP | sens / spec | top decile on image border | on field border | on marks | on wide marks | near wide marks |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const name of columns) {
    const s = sum(name);
    const auc = s.engine ?? s.inProcess;
    const h = s.heat.all;
    console.log(`| ${name} | ${auc.rocAuc.toFixed(4)} | ${auc.averagePrecision.toFixed(4)} | ${s.inProcess.sensitivity.toFixed(3)} / ${s.inProcess.specificity.toFixed(3)} | ${pct(h.border.share)}${area(h.border)} | ${pct(h.field.share)}${area(h.field)} | ${pct(h.marks.share)}${area(h.marks)} | ${pct(h.marksWide.share)}${area(h.marksWide)} | ${pct(h.marksNear.share)}${area(h.marksNear)} |`);
  }
  console.log('\nWhat the viewer tints (map above its 0.3 floor, weighted by the excess), over the images with any tint; peak: the hottest pixel.\n');
  console.log('| pipeline | tinted area | tint on image border | on field border | on marks | on wide marks | peak on border | peak on field border | peak on marks | peak on wide marks |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const name of columns) {
    const h = sum(name).heat.all;
    console.log(`| ${name} | ${pct(h.tinted)} | ${pct(h.border.visible)} (n ${h.border.visible.n}) | ${pct(h.field.visible)} | ${pct(h.marks.visible)} (n ${h.marks.visible.n}) | ${pct(h.marksWide.visible)} (n ${h.marksWide.visible.n}) | ${pct(h.border.peak)} | ${pct(h.field.peak)} | ${pct(h.marks.peak)} | ${pct(h.marksWide.peak)} |`);
  }
  console.log('\n| pipeline | top decile on border, normal | pneumonia | on field border, normal | pneumonia | tinted area, normal | pneumonia |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of columns) {
    const { normal: n, pneumonia: p } = sum(name).heat;
    console.log(`| ${name} | ${pct(n.border.share)} | ${pct(p.border.share)} | ${pct(n.field.share)} | ${pct(p.field.share)} | ${pct(n.tinted)} | ${pct(p.tinted)} |`);
  }

  // Sheet B: the 12 images whose map is most on the image border under the first pipeline.
  const worst = [...(rowsBy.get(names[0]) ?? [])].sort((a, b) => b.zones.border!.share - a.zones.border!.share).slice(0, 12).map((r) => cases.find((c) => c.file === r.file)!);
  const note = (file: string) => columns.map((n) => `${(100 * (rowsBy.get(n)?.find((r) => r.file === file)?.zones.border?.share ?? NaN)).toFixed(0)}`).join('/') + '% on border';
  const notes = new Map(cases.map((c) => [c.file, note(c.file)]));
  await writeSheet(join(out, 'sheet-sample-1.png'), sheetA.slice(0, 6), columns, maps, marks, notes);
  await writeSheet(join(out, 'sheet-sample-2.png'), sheetA.slice(6), columns, maps, marks, notes);
  await writeSheet(join(out, 'sheet-border-1.png'), worst.slice(0, 6), columns, maps, marks, notes);
  await writeSheet(join(out, 'sheet-border-2.png'), worst.slice(6), columns, maps, marks, notes);
  console.error(`wrote ${out}/summary.json, per-image rows and sheets`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`heatmap experiment: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
