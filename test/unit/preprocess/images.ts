// Builds decoded images directly (the decoders are another part's work) for preprocessing and scoring tests.
import type { PixelData, WindowPreset, XrayImage } from '../../../src/core/image/types';
import type { ModelManifest } from '../../../src/core/model/manifest';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';

export function makeImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number,
  opts: {
    type?: 'u8' | 'u16' | 'i16' | 'f32';
    slope?: number;
    intercept?: number;
    photometric?: XrayImage['photometric'];
    windows?: WindowPreset[];
  } = {},
): XrayImage {
  const type = opts.type ?? 'u16';
  const n = width * height;
  const data: PixelData =
    type === 'u8'
      ? new Uint8Array(n)
      : type === 'i16'
        ? new Int16Array(n)
        : type === 'f32'
          ? new Float32Array(n)
          : new Uint16Array(n);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = pixel(x, y);
  const slope = opts.slope ?? 1;
  const intercept = opts.intercept ?? 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[i] * slope + intercept;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return {
    width,
    height,
    data,
    bitsStored: type === 'u8' ? 8 : type === 'f32' ? 32 : 16,
    signed: type === 'i16',
    rescale: { slope, intercept },
    photometric: opts.photometric ?? 'MONOCHROME2',
    windows: opts.windows ?? [],
    range: { min, max },
    source: { format: type === 'u8' ? 'png' : 'dicom', encoding: 'test', notices: [] },
  };
}

export function makeManifest(steps: PreprocessStep[], over: Partial<ModelManifest> = {}): ModelManifest {
  return {
    schema: 'xray-anomaly-model/1',
    id: 'test-model',
    name: 'Test model',
    version: '1.0.0',
    onnx: 'test.onnx',
    input: { name: 'input', channels: 1, height: 64, width: 64 },
    preprocessing: { steps },
    outputs: { reconstruction: 'reconstruction' },
    calibration: { threshold: 0.01, min: 0, max: 0.02 },
    ...over,
  };
}

/** A hand-like phantom: dark background, bright blob, noise-free. */
export function phantom(width: number, height: number, opts: Parameters<typeof makeImage>[3] = {}): XrayImage {
  return makeImage(
    width,
    height,
    (x, y) => {
      const dx = (x - width / 2) / (width / 4);
      const dy = (y - height / 2) / (height / 3);
      return dx * dx + dy * dy < 1 ? 3000 + ((x * 31 + y * 17) % 200) : 100;
    },
    opts,
  );
}

/** A generated hand phantom (test/fixtures/images.ts) as a decoded 16-bit MONOCHROME2 image. */
export function phantomImage(p: { width: number; height: number; data: Uint16Array }): XrayImage {
  let min = Infinity;
  let max = -Infinity;
  for (const v of p.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    width: p.width,
    height: p.height,
    data: p.data,
    bitsStored: 16,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min, max },
    source: { format: 'png', encoding: 'test phantom', notices: [] },
  };
}

/** Intersection over union of two 0/1 masks of the same size. */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union ? inter / union : 1;
}

/** Intersection over union of two boxes given as {x0, y0, x1, y1} (exclusive ends). */
export function boxIoU(
  a: { x0: number; y0: number; x1: number; y1: number },
  b: { x0: number; y0: number; x1: number; y1: number },
): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const area = (r: typeof a) => (r.x1 - r.x0) * (r.y1 - r.y0);
  return inter / (area(a) + area(b) - inter);
}
