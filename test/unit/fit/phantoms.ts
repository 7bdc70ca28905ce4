// Fitting fixtures: hand phantoms with planted blobs (the "anomalies"), written as 16-bit PNGs, and
// backbone manifests for tests (the real MobileNetV2 at a small input size, or a tiny random conv net).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { handPhantom, png16FromPixels, type HandPhantomOptions } from '../../fixtures/images';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import type { BackboneManifest } from '../../../src/core/model/backbone';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';

const ROOT = resolve(__dirname, '../../..');
export const REAL_BACKBONE_ONNX = join(ROOT, 'models/backbones/mobilenetv2-nsfwjs.onnx');

export interface Blob {
  /** Centre and radius as fractions of the image width/height. */
  cx: number;
  cy: number;
  r: number;
  kind: 'bright' | 'dark';
}

export interface Phantom {
  width: number;
  height: number;
  data: Uint16Array;
  /** The planted blob in pixels, when there is one. */
  blob?: { x: number; y: number; r: number };
}

/** A hand phantom, optionally with a planted disc: bright (a dense lesion) or dark (a lytic one). */
export function phantom(opts: HandPhantomOptions & { blob?: Blob } = {}): Phantom {
  const p = handPhantom({ width: 128, height: 160, noise: 0.02, ...opts });
  const data = p.data;
  if (!opts.blob) return { width: p.width, height: p.height, data };
  const b = opts.blob;
  const x = b.cx * p.width;
  const y = b.cy * p.height;
  const r = b.r * p.width;
  const peak = opts.peak ?? 40000;
  for (let j = Math.floor(y - r - 1); j <= Math.ceil(y + r + 1); j++) {
    for (let i = Math.floor(x - r - 1); i <= Math.ceil(x + r + 1); i++) {
      if (i < 0 || j < 0 || i >= p.width || j >= p.height) continue;
      const cover = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(i - x, j - y)));
      if (cover <= 0) continue;
      const k = j * p.width + i;
      const target = b.kind === 'bright' ? 1.2 * peak : 0.02 * peak;
      data[k] = Math.round(data[k] + (target - data[k]) * cover);
    }
  }
  return { width: p.width, height: p.height, data, blob: { x, y, r } };
}

/** Where a blob goes: on the palm of the default one-hand phantom. */
export const PALM_BLOB: Omit<Blob, 'kind'> = { cx: 0.45, cy: 0.55, r: 0.11 };

export async function writePhantoms(
  dir: string,
  count: number,
  opts: (i: number) => HandPhantomOptions & { blob?: Blob },
  prefix = 'p',
): Promise<{ path: string; phantom: Phantom }[]> {
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (let i = 0; i < count; i++) {
    const ph = phantom(opts(i));
    const path = join(dir, `${prefix}${String(i).padStart(3, '0')}.png`);
    writeFileSync(path, await png16FromPixels(ph.width, ph.height, ph.data));
    out.push({ path, phantom: ph });
  }
  return out;
}

/** The real MobileNetV2 backbone at a small input size (linked into `dir`, as a manifest's ONNX must sit beside it). */
export function writeRealBackbone(dir: string, size = 128, overrides: Partial<BackboneManifest> = {}): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(REAL_BACKBONE_ONNX, join(dir, 'mobilenetv2.onnx'));
  const manifest: BackboneManifest = {
    schema: 'xray-anomaly-backbone/1',
    id: 'test-mobilenetv2',
    name: 'MobileNetV2 (test size)',
    onnx: 'mobilenetv2.onnx',
    input: { name: 'input', channels: 3, height: size, width: size },
    tap: 'block_10_expand_relu',
    license: 'MIT',
    ...overrides,
  };
  const path = join(dir, 'test.backbone.json');
  writeFileSync(path, JSON.stringify(manifest, null, 2));
  return path;
}

/**
 * A tiny random convolutional "backbone": Conv 4x4/4 -> ReLU ('relu', an intermediate tensor) ->
 * AveragePool 2x2 ('feat', stride 8, a graph output). Fast; its features still see local intensity.
 */
export function tinyBackboneBytes(opts: { channels?: number; inputSize?: number } = {}): Uint8Array {
  const C = opts.channels ?? 16;
  const g = new GraphBuilder('tiny_backbone');
  const s = opts.inputSize;
  g.input('image', ['N', 3, s ?? 'H', s ?? 'W']);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const w = Float32Array.from({ length: C * 3 * 16 }, rnd);
  const bias = Float32Array.from({ length: C }, () => 0.1 * rnd());
  const conv = g.op('Conv', ['image', g.constant(w, [C, 3, 4, 4]), g.constant(bias, [C])], {
    kernel_shape: [4, 4],
    strides: [4, 4],
  });
  const relu = g.op('Relu', [conv], {}, 'relu');
  g.op('AveragePool', [relu], { kernel_shape: [2, 2], strides: [2, 2] }, 'feat');
  g.output('feat', ['N', C, 'h', 'w']);
  return g.toBytes({ opset: 17 });
}

export function writeTinyBackbone(
  dir: string,
  opts: {
    size?: number;
    tap?: string;
    fineTap?: string;
    inputName?: string;
    fixedInput?: number;
    channels?: 1 | 3;
  } = {},
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tiny.onnx'), tinyBackboneBytes({ inputSize: opts.fixedInput }));
  const size = opts.size ?? 64;
  const manifest: BackboneManifest = {
    schema: 'xray-anomaly-backbone/1',
    id: 'tiny',
    name: 'Tiny test backbone',
    onnx: 'tiny.onnx',
    input: { name: opts.inputName ?? 'image', channels: opts.channels ?? 3, height: size, width: size },
    tap: opts.tap ?? 'feat',
    ...(opts.fineTap ? { fineTap: opts.fineTap } : {}),
  };
  const path = join(dir, 'tiny.backbone.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

/**
 * Synthetic backbone feature maps [n, 12, 6, 6]: ReLU-like activations with a smooth per-channel profile;
 * an image flagged in `anomalous` gets a bright 2x2 blob (rows 2-3, columns 3-4, every third channel).
 */
export const SYNTHETIC_MAP_DIMS = { c: 12, h: 6, w: 6 } as const;

export function syntheticMaps(n: number, seed: number, anomalous: boolean[] = []): FeatureMaps {
  const { c: C, h: H, w: W } = SYNTHETIC_MAP_DIMS;
  const g = gaussianRng(mulberry32(seed));
  const data = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          let v = Math.max(0, 1 + 0.5 * Math.sin(c + y / 2) + 0.3 * g());
          if (anomalous[i] && y >= 2 && y < 4 && x >= 3 && x < 5 && c % 3 === 0) v += 4;
          data[((i * C + c) * H + y) * W + x] = v;
        }
  return { data, n, c: C, h: H, w: W };
}

/** Fine-tap maps beside syntheticMaps: twice its grid, 6 channels. */
export const SYNTHETIC_FINE_DIMS = { c: 6, h: 2 * SYNTHETIC_MAP_DIMS.h, w: 2 * SYNTHETIC_MAP_DIMS.w } as const;

/** Fine cells [y0, y1) x [x0, x1) of a fine map. */
export interface FineRegion {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * Aligned "radiographs" at the fine tap: each position has its own typical vector (a smooth function of the
 * position), plus noise; `misplaced[i]` copies the content of another place (5 rows up, 7 columns right) into
 * `region`, which whole-image statistics barely see and a position-aware map must.
 */
export function syntheticFineMaps(n: number, seed: number, region: FineRegion, misplaced: boolean[] = []): FeatureMaps {
  const { c: C, h: H, w: W } = SYNTHETIC_FINE_DIMS;
  const g = gaussianRng(mulberry32(seed));
  const data = new Float32Array(n * C * H * W);
  const typical = (c: number, y: number, x: number) => 1 + 0.8 * Math.sin(0.7 * c + 0.5 * y) * Math.cos(0.45 * x + c);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const moved = misplaced[i] && y >= region.y0 && y < region.y1 && x >= region.x0 && x < region.x1;
          const v = moved ? typical(c, y - 5, x + 7) : typical(c, y, x);
          data[((i * C + c) * H + y) * W + x] = Math.max(0, v + 0.05 * g());
        }
  return { data, n, c: C, h: H, w: W };
}

/**
 * Like syntheticMaps, but images differ from each other the way radiographs do, not only by pixel noise:
 * each has its own gain (exposure), phase of the channel profile (pose) and left-right tilt, so the pooled
 * statistics vary between images and the Gaussian part has something to model. `lesions[i]` plants the
 * same bright 2x2 blob as syntheticMaps. Images are independent draws: any two seeds give exchangeable sets.
 */
export function variedMaps(n: number, seed: number, lesions: boolean[] = []): FeatureMaps {
  const { c: C, h: H, w: W } = SYNTHETIC_MAP_DIMS;
  const g = gaussianRng(mulberry32(seed));
  const data = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++) {
    const gain = 1 + 0.15 * g();
    const phase = 0.5 * g();
    const tilt = 0.2 * g();
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          let v = Math.max(0, gain * (1 + 0.5 * Math.sin(c + y / 2 + phase)) + (tilt * (x - W / 2)) / W + 0.3 * g());
          if (lesions[i] && y >= 2 && y < 4 && x >= 3 && x < 5 && c % 3 === 0) v += 4;
          data[((i * C + c) * H + y) * W + x] = v;
        }
  }
  return { data, n, c: C, h: H, w: W };
}

/** Images [start, end) of a batch of maps. */
export function sliceMaps(m: FeatureMaps, start: number, end: number): FeatureMaps {
  const per = m.c * m.h * m.w;
  return { ...m, n: end - start, data: m.data.slice(start * per, end * per) };
}
