/**
 * Feature cache for the experiments: runs the converted backbone once per (image, variant) and stores
 * per-tap pooled statistics (always) and full feature maps (on request, float16) under .cache/, so each
 * experiment reads features in seconds instead of re-running the CNN.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { BACKBONE_FILE, BACKBONE_TAPS } from '../backbone';
import { CACHE_ROOT, DATA_ROOT, type Item } from './dataset';
import { type Matrix, matrix } from '../../../src/core/fit/compute';

export const TAP_CHANNELS: Record<string, number> = {
  block_3_expand_relu: 144,
  block_6_expand_relu: 192,
  block_10_expand_relu: 384,
  block_13_expand_relu: 576,
  block_16_expand_relu: 960,
  out_relu: 1280,
};
export const TAP_STRIDE: Record<string, number> = {
  block_3_expand_relu: 4,
  block_6_expand_relu: 8,
  block_10_expand_relu: 16,
  block_13_expand_relu: 16,
  block_16_expand_relu: 32,
  out_relu: 32,
};

export interface Variant {
  name: string;
  size: number;
  /** Backbone to run (default: the committed one) and the taps to pool (default: its outputs). */
  model?: string;
  taps?: string[];
  /** Transforms the greyscale image (size x size, [0,1]) in place or returns a new one. */
  transform?: (img: Float32Array, size: number) => Float32Array;
}

export function hflip(img: Float32Array, size: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = img[y * size + size - 1 - x];
  return out;
}

/** Global histogram equalisation on 256 bins. */
export function equalize(img: Float32Array): Float32Array {
  const hist = new Float64Array(256);
  for (const v of img) hist[Math.min(255, Math.round(v * 255))]++;
  let acc = 0;
  const cdf = hist.map((h) => (acc += h) / img.length);
  const lo = cdf.find((c) => c > 0) ?? 0;
  return img.map((v) => (cdf[Math.min(255, Math.round(v * 255))] - lo) / Math.max(1e-9, 1 - lo));
}

/** Every block's expand, depthwise and projection/residual output, for the tap search (research only). */
export const WIDE_TAPS: string[] = (() => {
  const t: string[] = [];
  for (let b = 1; b <= 16; b++) {
    t.push(`block_${b}_expand_relu`, `block_${b}_depthwise_relu`);
    t.push([2, 4, 5, 7, 8, 9, 11, 12, 14, 15].includes(b) ? `block_${b}_add` : `block_${b}_project_BN`);
  }
  return t;
})();
export const WIDE_MODEL = join(CACHE_ROOT, 'wide-backbone.onnx');

export const VARIANTS: Record<string, Variant> = {
  wide: { name: 'wide', size: 224, model: WIDE_MODEL, taps: WIDE_TAPS },
  base: { name: 'base', size: 224 },
  /** Same as base, but meant for every image of the data set (repeated-split confirmation). */
  all: { name: 'all', size: 224 },
  flip: { name: 'flip', size: 224, transform: hflip },
  heq: { name: 'heq', size: 224, transform: (img) => equalize(img) },
  s288: { name: 's288', size: 288 },
  s160: { name: 's160', size: 160 },
};

export async function loadGrey(id: string, size: number): Promise<Float32Array> {
  const { data, info } = await sharp(join(DATA_ROOT, id)).greyscale().resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== size || info.height !== size) throw new Error(`${id}: unexpected decode ${JSON.stringify(info)}`);
  return Float32Array.from(data, (v) => v / 255);
}

// --- float16 storage (Node 20 has no Float16Array) ---------------------------------------------
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
export function toHalf(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign; // activations here are >= 0 and tiny values do not matter
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((mant + 0x1000) >>> 13 > 0x3ff ? 0x3ff : (mant + 0x1000) >>> 13);
}
const HALF = new Float32Array(65536);
for (let h = 0; h < 65536; h++) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  HALF[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
}
export function fromHalf(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = HALF[h[i]];
  return out;
}

export interface CacheIndex {
  variant: string;
  size: number;
  ids: string[];
  taps: string[];
  spatialTaps: string[];
  /** Per spatial tap: [channels, h, w]. */
  shapes: Record<string, number[]>;
  /** Channels per pooled tap (absent in caches of the default taps). */
  channels?: Record<string, number>;
}

function dirOf(variant: string): string {
  return join(CACHE_ROOT, variant);
}

/** Extracts (or completes) the cache of one variant for the given items. */
export async function extract(items: Item[], variant: Variant, spatialTaps: string[], opts: { threads?: number; batch?: number; log?: (s: string) => void } = {}): Promise<void> {
  const dir = dirOf(variant.name);
  mkdirSync(dir, { recursive: true });
  const indexPath = join(dir, 'index.json');
  if (existsSync(indexPath)) {
    const idx = JSON.parse(readFileSync(indexPath, 'utf8')) as CacheIndex;
    const have = new Set(idx.ids);
    if (items.every((i) => have.has(i.id)) && spatialTaps.every((t) => idx.spatialTaps.includes(t))) return;
  }
  const session = await ort.InferenceSession.create(variant.model ?? BACKBONE_FILE, { intraOpNumThreads: opts.threads ?? 2, interOpNumThreads: 1 });
  const ids = items.map((i) => i.id);
  const S = variant.size;
  const batch = opts.batch ?? 8;
  const taps: string[] = variant.taps ?? [...BACKBONE_TAPS];
  const channels: Record<string, number> = {};
  let pooled = new Float32Array(0);
  let pooledDim = 0;
  const fds = new Map(spatialTaps.map((t) => [t, openSync(join(dir, `${t}.f16`), 'w')]));
  const shapes: Record<string, number[]> = {};
  const t0 = Date.now();
  for (let b = 0; b < ids.length; b += batch) {
    const chunk = ids.slice(b, b + batch);
    const input = new Float32Array(chunk.length * 3 * S * S);
    for (let i = 0; i < chunk.length; i++) {
      let img = await loadGrey(chunk[i], S);
      if (variant.transform) img = variant.transform(img, S);
      for (let c = 0; c < 3; c++) input.set(img, (i * 3 + c) * S * S);
    }
    const out = await session.run({ input: new ort.Tensor('float32', input, [chunk.length, 3, S, S]) });
    if (b === 0) {
      for (const t of taps) channels[t] = out[t].dims[1];
      pooledDim = taps.reduce((a, t) => a + 2 * channels[t], 0);
      pooled = new Float32Array(ids.length * pooledDim);
    }
    for (let i = 0; i < chunk.length; i++) {
      let o = (b + i) * pooledDim;
      for (const tap of taps) {
        const t = out[tap];
        const [, C, h, w] = t.dims;
        const data = t.data as Float32Array;
        const hw = h * w;
        for (let c = 0; c < C; c++) {
          const base = (i * C + c) * hw;
          let s = 0;
          let s2 = 0;
          for (let k = 0; k < hw; k++) {
            const v = data[base + k];
            s += v;
            s2 += v * v;
          }
          const m = s / hw;
          pooled[o + c] = m;
          pooled[o + C + c] = Math.sqrt(Math.max(0, s2 / hw - m * m));
        }
        o += 2 * C;
      }
      for (const tap of spatialTaps) {
        const t = out[tap];
        const [, C, h, w] = t.dims;
        shapes[tap] = [C, h, w];
        const n = C * h * w;
        const src = (t.data as Float32Array).subarray(i * n, (i + 1) * n);
        const half = new Uint16Array(n);
        for (let k = 0; k < n; k++) half[k] = toHalf(src[k]);
        writeSync(fds.get(tap)!, half);
      }
    }
    if (opts.log && (b / batch) % 25 === 0) {
      const done = Math.min(ids.length, b + batch);
      opts.log(`${variant.name}: ${done}/${ids.length} (${(((Date.now() - t0) / done) | 0)} ms/img)`);
    }
  }
  for (const fd of fds.values()) closeSync(fd);
  writeFileSync(join(dir, 'pooled.f32'), new Uint8Array(pooled.buffer));
  const index: CacheIndex = { variant: variant.name, size: S, ids, taps, spatialTaps, shapes, channels };
  writeFileSync(indexPath, JSON.stringify(index));
  await session.release();
}

export class FeatureCache {
  readonly index: CacheIndex;
  private readonly row = new Map<string, number>();
  private pooledData?: Float32Array;

  constructor(readonly variant: string) {
    this.index = JSON.parse(readFileSync(join(dirOf(variant), 'index.json'), 'utf8')) as CacheIndex;
    this.index.ids.forEach((id, i) => this.row.set(id, i));
  }

  private rowOf(id: string): number {
    const r = this.row.get(id);
    if (r === undefined) throw new Error(`${id} not in cache ${this.variant}`);
    return r;
  }

  /** Pooled statistics of the given taps: stat 'mean' | 'std' | 'meanstd', one row per item. */
  pooled(ids: string[], taps: string[], stat: 'mean' | 'std' | 'meanstd' = 'mean'): Matrix {
    if (!this.pooledData) {
      const b = readFileSync(join(dirOf(this.variant), 'pooled.f32'));
      this.pooledData = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    }
    const all = this.index.taps;
    const ch = this.index.channels ?? TAP_CHANNELS;
    const total = all.reduce((a, t) => a + 2 * ch[t], 0);
    const pieces: [number, number][] = [];
    for (const tap of taps) {
      if (!all.includes(tap)) throw new Error(`tap ${tap} not pooled in cache ${this.variant}`);
      let off = 0;
      for (const t of all) {
        if (t === tap) break;
        off += 2 * ch[t];
      }
      const C = ch[tap];
      if (stat !== 'std') pieces.push([off, C]);
      if (stat !== 'mean') pieces.push([off + C, C]);
    }
    const dim = pieces.reduce((a, p) => a + p[1], 0);
    const m = matrix(ids.length, dim);
    ids.forEach((id, i) => {
      const r = this.rowOf(id);
      let o = i * dim;
      for (const [off, len] of pieces) {
        m.data.set(this.pooledData!.subarray(r * total + off, r * total + off + len), o);
        o += len;
      }
    });
    return m;
  }

  /** Full feature maps of one tap for the given items: returns [items, C, h, w] as float32. */
  spatial(ids: string[], tap: string): { data: Float32Array; C: number; h: number; w: number } {
    const shape = this.index.shapes[tap];
    if (!shape) throw new Error(`tap ${tap} not cached spatially for ${this.variant}`);
    const [C, h, w] = shape;
    const n = C * h * w;
    const fd = openSync(join(dirOf(this.variant), `${tap}.f16`), 'r');
    const size = fstatSync(fd).size;
    if (size !== this.index.ids.length * n * 2) throw new Error(`${tap}.f16 has an unexpected size`);
    const out = new Float32Array(ids.length * n);
    const half = new Uint16Array(n);
    ids.forEach((id, i) => {
      readSync(fd, half, 0, n * 2, this.rowOf(id) * n * 2);
      out.set(fromHalf(half), i * n);
    });
    closeSync(fd);
    return { data: out, C, h, w };
  }
}
