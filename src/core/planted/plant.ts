/**
 * Planting realistic anomalies into real normal radiographs, to measure whether a detector's score and
 * map find them (npm run bench:planted). Each kind imitates what a reviewer would want flagged:
 *
 *   metal      a saturated, texture-less disc with a sharp edge (coin, button, ECG electrode, screw head)
 *   foreign    a thin bright rod (pin, wire, tube), sharp-edged, a share of the way to saturation
 *   fracture   a dark jagged line a few pixels wide (a lucent fracture line), slightly blurred
 *   lytic      a soft-edged dark blob that keeps the texture under it (bone loss, cyst, cavity)
 *   sclerotic  a soft-edged bright blob towards the densest level of the image (sclerosis, calcification)
 *   missing    a region where tissue is absent: the image's background level, soft-edged (resection, cut-off)
 *
 * Work is done on display brightness in [0, 1] (MONOCHROME1 inverted, so "bright" is dense in both), then
 * written back in the image's own stored type and photometric: the planted image goes through exactly
 * the decoding-free path of any other image. Pure and seeded: the same image and spec give the same bytes.
 */
import { XrayError } from '../errors';
import type { PixelData, XrayImage } from '../image/types';
import { mulberry32, type Rng } from '../fit/random';

export const PLANT_KINDS = ['metal', 'foreign', 'fracture', 'lytic', 'sclerotic', 'missing'] as const;
export type PlantKind = (typeof PLANT_KINDS)[number];

export interface PlantSpec {
  kind: PlantKind;
  /** Share of the image's area the anomaly covers (its region), e.g. 0.01 for 1%. */
  area: number;
  /** Strength in (0, 1]: how far the intensity moves towards the kind's target. */
  contrast: number;
  /** Centre as fractions of width and height; chosen on the body (placeOnBody) when omitted. */
  at?: { x: number; y: number };
  seed: number;
}

export interface Planted {
  image: XrayImage;
  /** 1 where the anomaly is (width x height of the image): what a map should point at. */
  region: Uint8Array;
  /** Share of the image's pixels in the region. */
  areaShare: number;
  centre: { x: number; y: number };
}

/** Display brightness in [0, 1] of every pixel (dense = bright), and the way back to stored values. */
export interface Brightness {
  values: Float32Array;
  toStored(b: number): number;
}

export function brightness(image: XrayImage): Brightness {
  const { data, photometric } = image;
  const [lo, hi] = storedRange(image);
  const span = hi - lo || 1;
  const inv = photometric === 'MONOCHROME1';
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const t = (data[i] - lo) / span;
    values[i] = inv ? 1 - t : t;
  }
  const integer = !(data instanceof Float32Array);
  return {
    values,
    toStored: (b) => {
      const c = b < 0 ? 0 : b > 1 ? 1 : b;
      const v = lo + (inv ? 1 - c : c) * span;
      return integer ? Math.round(v) : v;
    },
  };
}

/** The stored values' representable range (integers) or present range (float): 0 and 1 in brightness. */
function storedRange(image: XrayImage): [number, number] {
  const { data, bitsStored, signed } = image;
  if (data instanceof Float32Array) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }
  const bits = Math.min(bitsStored, data instanceof Uint8Array ? 8 : 16);
  return signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** Levels of an image in brightness: background (1st percentile), typical, densest (99th percentile), body. */
export interface Levels {
  background: number;
  median: number;
  dense: number;
  /**
   * Above this is body (tissue or bone, lungs included): half-way from the background up to Otsu's
   * threshold, which on a radiograph splits air and lungs from the denser parts.
   */
  body: number;
}

const BINS = 1024;

export function levelsOf(values: Float32Array): Levels {
  const hist = new Float64Array(BINS);
  for (const v of values) hist[Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS)))]++;
  const at = (q: number) => {
    const target = q * values.length;
    let acc = 0;
    for (let i = 0; i < BINS; i++) {
      acc += hist[i];
      if (acc >= target) return (i + 0.5) / BINS;
    }
    return 1;
  };
  const background = at(0.01);
  return { background, median: at(0.5), dense: at(0.99), body: background + 0.5 * (otsu(hist) - background) };
}

/** Otsu's threshold of a histogram over [0, 1] (the cut maximising the between-class variance). */
function otsu(hist: Float64Array): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < hist.length; i++) {
    total += hist[i];
    sum += i * hist[i];
  }
  let w0 = 0;
  let s0 = 0;
  let best = 0;
  let cut = 0;
  for (let i = 0; i < hist.length - 1; i++) {
    w0 += hist[i];
    s0 += i * hist[i];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (s0 / w0 - (sum - s0) / w1) ** 2;
    if (between > best) {
      best = between;
      cut = i;
    }
  }
  return (cut + 1) / hist.length;
}

/**
 * A centre on the body: random positions in the central 70% of the image where at least 90% of the
 * anomaly's own neighbourhood is above the body level, so anomalies land on tissue, lungs and bone rather
 * than on the air or the film's edge. Falls back to the brightest such try, then to the centre.
 */
export function placeOnBody(
  values: Float32Array,
  width: number,
  height: number,
  radius: number,
  rng: Rng,
  body = levelsOf(values).body,
): { x: number; y: number } {
  const r = Math.max(1, Math.round(radius));
  let best = { x: 0.5, y: 0.5 };
  let bestShare = -1;
  for (let attempt = 0; attempt < 300; attempt++) {
    const cx = Math.round((0.15 + 0.7 * rng()) * width);
    const cy = Math.round((0.15 + 0.7 * rng()) * height);
    if (cx - r < 0 || cy - r < 0 || cx + r >= width || cy + r >= height) continue;
    let above = 0;
    let n = 0;
    const step = Math.max(1, Math.floor(r / 4));
    for (let y = cy - r; y <= cy + r; y += step)
      for (let x = cx - r; x <= cx + r; x += step) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        if (values[y * width + x] > body) above++;
        n++;
      }
    const share = above / n;
    if (share >= 0.9) return { x: cx / width, y: cy / height };
    if (share > bestShare) {
      bestShare = share;
      best = { x: cx / width, y: cy / height };
    }
  }
  return best;
}

/** Plants one anomaly (see the header). Throws on a spec it cannot honour (area or contrast out of range). */
export function plantAnomaly(image: XrayImage, spec: PlantSpec): Planted {
  if (!(spec.area > 0 && spec.area < 0.5))
    throw new XrayError('INTERNAL', `planted area must be a share of the image in (0, 0.5), got ${spec.area}`);
  if (!(spec.contrast > 0 && spec.contrast <= 1))
    throw new XrayError('INTERNAL', `planted contrast must be in (0, 1], got ${spec.contrast}`);
  const { width: w, height: h } = image;
  const rng = mulberry32(spec.seed);
  const b = brightness(image);
  const levels = levelsOf(b.values);
  const pixels = spec.area * w * h;
  const shape = shapeFor(spec.kind, pixels, w, h, rng);
  const centre = spec.at ?? placeOnBody(b.values, w, h, shape.reach, rng, levels.body);
  const cx = centre.x * w;
  const cy = centre.y * h;
  // Coverage in [0, 1] per pixel (anti-aliased or soft edge) and the region (coverage above a half).
  const cover = new Float32Array(w * h);
  const x0 = Math.max(0, Math.floor(cx - shape.reach - 2));
  const x1 = Math.min(w - 1, Math.ceil(cx + shape.reach + 2));
  const y0 = Math.max(0, Math.floor(cy - shape.reach - 2));
  const y1 = Math.min(h - 1, Math.ceil(cy + shape.reach + 2));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) cover[y * w + x] = shape.cover(x + 0.5 - cx, y + 0.5 - cy);
  if (spec.kind === 'fracture') blur3(cover, w, h, x0, x1, y0, y1);

  const out = b.values.slice();
  const c = spec.contrast;
  const noise = rng;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      const a = cover[i];
      if (a <= 0) continue;
      const v = out[i];
      let target: number;
      switch (spec.kind) {
        case 'metal':
          // Saturated at full contrast; a little quantum noise so it is not a flat synthetic patch.
          target = levels.dense + (1 - levels.dense) * c + 0.01 * (noise() - 0.5);
          break;
        case 'foreign':
          target = v + (1 - v) * 0.9 * c;
          break;
        case 'fracture':
          target = v * (1 - 0.7 * c) + levels.background * 0.7 * c;
          break;
        case 'lytic':
          target = v + (levels.background - v) * 0.8 * c;
          break;
        case 'sclerotic':
          target = v + (Math.max(levels.dense, v) - v + (1 - levels.dense) * 0.5) * c;
          break;
        case 'missing':
          target = levels.background + (v - levels.background) * (1 - c) + 0.01 * (noise() - 0.5);
          break;
      }
      out[i] = v + (target - v) * a;
    }
  }
  const data = writeBack(image.data, out, b);
  const region = new Uint8Array(w * h);
  let n = 0;
  for (let i = 0; i < region.length; i++)
    if (cover[i] >= 0.5) {
      region[i] = 1;
      n++;
    }
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const slope = image.rescale.slope;
  const icpt = image.rescale.intercept;
  const range =
    slope >= 0
      ? { min: min * slope + icpt, max: max * slope + icpt }
      : { min: max * slope + icpt, max: min * slope + icpt };
  return { image: { ...image, data, range }, region, areaShare: n / (w * h), centre };
}

function writeBack(src: PixelData, values: Float32Array, b: Brightness): PixelData {
  const out = new (src.constructor as { new (n: number): PixelData })(src.length);
  for (let i = 0; i < src.length; i++) out[i] = b.toStored(values[i]);
  return out;
}

interface Shape {
  /** Distance from the centre beyond which coverage is 0. */
  reach: number;
  /** Coverage at an offset (dx, dy) from the centre, in pixels. */
  cover(dx: number, dy: number): number;
}

/** The kind's shape with a region of about `pixels` pixels, randomly oriented and perturbed. */
function shapeFor(kind: PlantKind, pixels: number, w: number, h: number, rng: Rng): Shape {
  const angle = rng() * Math.PI;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  switch (kind) {
    case 'metal': {
      // A disc (coin, electrode): sharp, anti-aliased over one pixel.
      const r = Math.sqrt(pixels / Math.PI);
      return { reach: r + 1, cover: (dx, dy) => clamp01(r + 0.5 - Math.hypot(dx, dy)) };
    }
    case 'foreign': {
      // A rod 12 times as long as wide, rounded ends.
      const width = Math.max(1.5, Math.sqrt(pixels / 12));
      const half = Math.min(0.45 * Math.min(w, h), pixels / width / 2);
      return {
        reach: half + width,
        cover: (dx, dy) => {
          const u = dx * cos + dy * sin;
          const v = -dx * sin + dy * cos;
          const along = Math.max(0, Math.abs(u) - half);
          return clamp01(width / 2 + 0.5 - Math.hypot(along, v));
        },
      };
    }
    case 'fracture': {
      // A jagged line: a random walk of the perpendicular offset along its length, 3 px wide at 224 px.
      // Longer first; past 90% of the shorter side, wider (a gap rather than a hairline).
      const maxHalf = 0.45 * Math.min(w, h);
      const width = Math.max(2, (3 * Math.min(w, h)) / 224, pixels / (2 * maxHalf));
      const half = Math.min(maxHalf, pixels / width / 2);
      const steps = 64;
      const offsets = new Float32Array(steps + 1);
      for (let k = 1; k <= steps; k++) offsets[k] = offsets[k - 1] + (rng() - 0.5) * (half / 10);
      const mean = offsets.reduce((a, v) => a + v, 0) / offsets.length;
      for (let k = 0; k <= steps; k++) offsets[k] -= mean;
      let wander = 0;
      for (const o of offsets) wander = Math.max(wander, Math.abs(o));
      return {
        reach: half + wander + width,
        cover: (dx, dy) => {
          const u = dx * cos + dy * sin;
          const v = -dx * sin + dy * cos;
          if (Math.abs(u) > half) return 0;
          const k = ((u + half) / (2 * half)) * steps;
          const k0 = Math.min(steps - 1, Math.floor(k));
          const o = offsets[k0] + (offsets[k0 + 1] - offsets[k0]) * (k - k0);
          return clamp01(width / 2 + 0.5 - Math.abs(v - o));
        },
      };
    }
    case 'lytic':
    case 'sclerotic':
    case 'missing': {
      // An ellipse (axes up to 1.6:1) with a lumpy outline; lytic and sclerotic fade out over the outer
      // quarter of the radius, missing tissue over one pixel.
      const ratio = 1 + 0.6 * rng();
      const a = Math.sqrt((pixels * ratio) / Math.PI);
      const bAxis = a / ratio;
      const lobes = 3 + Math.floor(rng() * 3);
      const phase = rng() * 2 * Math.PI;
      const soft = kind === 'missing' ? 0 : 0.25;
      return {
        reach: a * 1.15 + 1,
        cover: (dx, dy) => {
          const u = dx * cos + dy * sin;
          const v = -dx * sin + dy * cos;
          const rho = Math.hypot(u / a, v / bAxis);
          const theta = Math.atan2(v, u);
          const edge = 1 + 0.1 * Math.sin(lobes * theta + phase);
          const t = rho / edge;
          if (soft === 0) return clamp01((1 - t) * a + 0.5);
          // Full inside 1 - soft, a cosine fall to 0 at 1 + soft: the half-coverage contour is at t = 1.
          if (t <= 1 - soft) return 1;
          if (t >= 1 + soft) return 0;
          return 0.5 + 0.5 * Math.cos(((t - (1 - soft)) / (2 * soft)) * Math.PI);
        },
      };
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** 3x3 box blur of the coverage inside the box (a fracture line is not pixel-sharp on a film). */
function blur3(cover: Float32Array, w: number, h: number, x0: number, x1: number, y0: number, y1: number): void {
  const src = cover.slice();
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      let s = 0;
      let n = 0;
      for (let j = Math.max(0, y - 1); j <= Math.min(h - 1, y + 1); j++)
        for (let i = Math.max(0, x - 1); i <= Math.min(w - 1, x + 1); i++) {
          s += src[j * w + i];
          n++;
        }
      cover[y * w + x] = s / n;
    }
}
