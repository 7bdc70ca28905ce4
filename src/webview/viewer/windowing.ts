/**
 * Window/level: modality values -> 8-bit grey, as DICOM defines it (PS3.3 C.11.2.1.2), plus the image
 * statistics and presets the viewer offers. Integer images go through a lookup table indexed by the
 * stored value, so re-windowing a 2048x2500 16-bit image is one table build (65,536 entries) and one
 * table read per pixel; float images are computed per pixel.
 */
import type { PixelData, XrayImage } from './types';
import { l10n } from '../shared/l10n';

export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export interface WindowLevel {
  /** In modality units (stored * slope + intercept). */
  center: number;
  width: number;
  fn: VoiFunction;
  /**
   * A DICOM VOI LUT applied instead of center/width (which then only describe its input range):
   * modality value v shows as data[clamp(v - first)] / (2^bits - 1). Dropped as soon as the user
   * adjusts the window, which continues linearly from the table's range.
   */
  table?: VoiTable;
}

export interface VoiTable {
  first: number;
  bits: number;
  data: ArrayLike<number>;
}

export interface WindowOption {
  id: string;
  label: string;
  /** The label is the file's own window explanation (data, not to be translated). */
  fromFile?: boolean;
  window: WindowLevel;
}

/** Display intensity in [0, 1] for one modality value. */
export function voi(x: number, w: WindowLevel): number {
  if (w.table) return tableVoi(x, w.table);
  const c = w.center;
  if (w.fn === 'SIGMOID') return 1 / (1 + Math.exp((-4 * (x - c)) / Math.max(w.width, Number.MIN_VALUE)));
  if (w.fn === 'LINEAR_EXACT') return clamp01((x - c) / Math.max(w.width, Number.MIN_VALUE) + 0.5);
  // DICOM LINEAR: the window is [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2]; a width of 1 is a step.
  if (w.width <= 1) return x <= c - 0.5 ? 0 : 1;
  return clamp01((x - (c - 0.5)) / (w.width - 1) + 0.5);
}

function tableVoi(x: number, t: VoiTable): number {
  const n = t.data.length;
  if (n === 0 || x !== x) return 0;
  const i = Math.round(x) - t.first;
  const out = t.data[i < 0 ? 0 : i >= n ? n - 1 : i];
  return clamp01(out / (2 ** Math.max(1, Math.min(32, t.bits)) - 1));
}

/** A window the user adjusted: the same center and width, linear, without any preset table. */
export function adjusted(w: WindowLevel, center: number, width: number): WindowLevel {
  return { center, width, fn: w.table ? 'LINEAR' : w.fn };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** How stored values index a lookup table, or undefined for float data (no table). */
export function lutLayout(data: PixelData): { size: number; offset: number } | undefined {
  if (data instanceof Uint8Array) return { size: 256, offset: 0 };
  if (data instanceof Uint16Array) return { size: 65536, offset: 0 };
  if (data instanceof Int16Array) return { size: 65536, offset: -32768 };
  return undefined;
}

// ImageData is RGBA bytes; read as Uint32 on a little-endian machine (every platform VS Code runs on)
// an opaque grey g is 0xFF000000 | g << 16 | g << 8 | g.
function grey32(g: number): number {
  return (0xff000000 | (g << 16) | (g << 8) | g) >>> 0;
}

/** Stored value -> opaque RGBA grey (as Uint32) for integer images. */
export function buildLut(
  layout: { size: number; offset: number },
  rescale: { slope: number; intercept: number },
  w: WindowLevel,
  invert: boolean,
): Uint32Array {
  const lut = new Uint32Array(layout.size);
  const { slope, intercept } = rescale;
  for (let i = 0; i < layout.size; i++) {
    const g = Math.round(voi((i + layout.offset) * slope + intercept, w) * 255);
    lut[i] = grey32(invert ? 255 - g : g);
  }
  return lut;
}

/** Writes the windowed image into `out` (one Uint32 RGBA pixel per sample). */
export function applyWindow(img: XrayImage, w: WindowLevel, invert: boolean, out: Uint32Array): void {
  const data = img.data;
  const n = Math.min(data.length, out.length);
  const layout = lutLayout(data);
  if (layout) {
    const lut = buildLut(layout, img.rescale, w, invert);
    const off = -layout.offset;
    if (off === 0) {
      for (let i = 0; i < n; i++) out[i] = lut[data[i]];
    } else {
      for (let i = 0; i < n; i++) out[i] = lut[data[i] + off];
    }
    return;
  }
  const { slope, intercept } = img.rescale;
  if (w.fn === 'SIGMOID' || w.table) {
    for (let i = 0; i < n; i++) {
      const g = Math.round(voi(data[i] * slope + intercept, w) * 255);
      out[i] = grey32(invert ? 255 - g : g);
    }
    return;
  }
  // Linear windows as y = x * k + b on the stored value, clamped.
  const exact = w.fn === 'LINEAR_EXACT' || w.width <= 1;
  const lo = exact ? w.center - w.width / 2 : w.center - 0.5 - (w.width - 1) / 2;
  const span = Math.max(exact ? w.width : w.width - 1, Number.MIN_VALUE);
  const k = (255 * slope) / span;
  const b = (255 * (intercept - lo)) / span;
  const black = grey32(0);
  for (let i = 0; i < n; i++) {
    let g = data[i] * k + b;
    if (g !== g) {
      out[i] = black; // NaN: no data, black whatever the inversion
      continue;
    }
    g = g > 0 ? (g < 255 ? Math.round(g) : 255) : 0;
    out[i] = grey32(invert ? 255 - g : g);
  }
}

export interface ImageStats {
  /** Modality min and max found in the data (NaN samples ignored). */
  min: number;
  max: number;
  /** Modality value at percentile p (0..100) of the pixel distribution. */
  percentile(p: number): number;
}

const FLOAT_BINS = 4096;

/** One pass over the pixels: exact percentiles for integer data, 4096-bin percentiles for float data. */
export function imageStats(img: XrayImage): ImageStats {
  const { slope, intercept } = img.rescale;
  const data = img.data;
  const layout = lutLayout(data);
  if (layout) {
    const counts = new Uint32Array(layout.size);
    const off = -layout.offset;
    for (let i = 0; i < data.length; i++) counts[data[i] + off]++;
    let lo = 0;
    while (lo < counts.length - 1 && counts[lo] === 0) lo++;
    let hi = counts.length - 1;
    while (hi > 0 && counts[hi] === 0) hi--;
    const toModality = (bin: number) => (bin + layout.offset) * slope + intercept;
    const a = toModality(lo);
    const b = toModality(hi);
    return {
      min: Math.min(a, b),
      max: Math.max(a, b),
      // A negative slope reverses the order of stored and modality values.
      percentile: (p) => toModality(binAtFraction(counts, data.length, slope < 0 ? 1 - p / 100 : p / 100)),
    };
  }
  let min = Infinity;
  let max = -Infinity;
  let finite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min <= max)) return { min: NaN, max: NaN, percentile: () => NaN };
  const counts = new Uint32Array(FLOAT_BINS);
  const scale = max > min ? (FLOAT_BINS - 1) / (max - min) : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === v) {
      counts[Math.round((v - min) * scale)]++;
      finite++;
    }
  }
  const toModality = (bin: number) => (scale ? min + bin / scale : min) * slope + intercept;
  const a = min * slope + intercept;
  const b = max * slope + intercept;
  return {
    min: Math.min(a, b),
    max: Math.max(a, b),
    percentile: (p) => toModality(binAtFraction(counts, finite, slope < 0 ? 1 - p / 100 : p / 100)),
  };
}

function binAtFraction(counts: Uint32Array, total: number, fraction: number): number {
  const target = Math.min(Math.max(fraction, 0), 1) * total;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i];
    if (acc >= target && acc > 0) return i;
  }
  return counts.length - 1;
}

/** A linear window whose ends map exactly to black and white. */
export function windowFromRange(lo: number, hi: number): WindowLevel {
  const width = hi > lo ? hi - lo : Math.max(Math.abs(lo) * 1e-6, 1e-6);
  return { center: (lo + hi) / 2, width, fn: 'LINEAR_EXACT' };
}

/**
 * The presets offered for an image: the file's own windows (DICOM tags) first, then "As stored" for
 * integer raster files (shows them as any image viewer would), full range and a robust automatic window.
 */
export function windowOptions(img: XrayImage, stats: ImageStats): WindowOption[] {
  const options: WindowOption[] = img.windows
    .filter((w) => Number.isFinite(w.center) && Number.isFinite(w.width) && w.width > 0)
    .map((w, i) => ({
      id: `file-${i}`,
      label: w.label?.trim() ? w.label.trim() : l10n.t('File window {0}', i + 1),
      fromFile: Boolean(w.label?.trim()),
      window: validTable(w.lut)
        ? { center: w.center, width: w.width, fn: w.fn ?? 'LINEAR', table: w.lut }
        : { center: w.center, width: w.width, fn: w.fn ?? 'LINEAR' },
    }));
  if (img.source.format !== 'dicom' && lutLayout(img.data) && img.bitsStored >= 1 && img.bitsStored <= 16) {
    const top = img.signed ? 2 ** (img.bitsStored - 1) - 1 : 2 ** img.bitsStored - 1;
    const bottom = img.signed ? -(2 ** (img.bitsStored - 1)) : 0;
    const { slope, intercept } = img.rescale;
    options.push({
      id: 'stored',
      label: l10n.t('As stored ({0}-bit)', img.bitsStored),
      window: windowFromRange(bottom * slope + intercept, top * slope + intercept),
    });
  }
  if (Number.isFinite(stats.min) && Number.isFinite(stats.max)) {
    options.push({ id: 'full', label: l10n.t('Full range'), window: windowFromRange(stats.min, stats.max) });
    options.push({
      id: 'auto',
      label: l10n.t('Auto (0.5–99.5 percentile)'),
      window: windowFromRange(stats.percentile(0.5), stats.percentile(99.5)),
    });
  }
  return options;
}

function validTable(t: { first: number; bits: number; data: ArrayLike<number> } | undefined): t is VoiTable {
  return Boolean(
    t && Number.isFinite(t.first) && Number.isInteger(t.bits) && t.bits > 0 && t.data && t.data.length > 0,
  );
}

/** The file's first window; else 8-bit raster files as stored; else the automatic window. */
export function defaultOption(img: XrayImage, options: WindowOption[]): WindowOption | undefined {
  return (
    options.find((o) => o.id === 'file-0') ??
    (img.bitsStored <= 8 ? options.find((o) => o.id === 'stored') : undefined) ??
    options.find((o) => o.id === 'auto') ??
    options[0]
  );
}
