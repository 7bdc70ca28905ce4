/**
 * Synthetic anomalies made from normal images, to train a head that learns WHICH changes of the features
 * matter (self-supervised, as CutPaste / NSA / FPI do), instead of flagging every way an image can differ
 * from the fitting set. A distance to the normals (the Gaussian, the memory bank) also flags a new device,
 * exposure or population; a head trained on "normal vs normal + a local density change" learns to ignore
 * what the two share.
 *
 * The change: one to three soft, patchy blobs of added density (opacity) in the central field, blended as
 * v + a·m·(1 − v) so dark (air-filled) regions whiten most and bright bone hardly changes, the way a
 * consolidation or an effusion shows on a radiograph; sizes and strengths are drawn at random. Works on
 * any preprocessed greyscale image in [0, 1].
 */
import type { Rng } from './random';

export interface OpacityOptions {
  /** Blob count range (default 1..3). */
  blobs?: [number, number];
  /** Blob radius range as a fraction of the image width (default 0.06..0.2). */
  radius?: [number, number];
  /** Strength range (default 0.15..0.5). */
  strength?: [number, number];
  /** Region the blob centres are drawn in, as fractions [x0, y0, x1, y1] (default the central field). */
  field?: [number, number, number, number];
}

const between = (rng: Rng, [a, b]: [number, number]) => a + (b - a) * rng();

/** The opacity mask m in [0, 1] for one image (exposed for tests and pictures). */
export function opacityMask(w: number, h: number, rng: Rng, opts: OpacityOptions = {}): Float32Array {
  const m = new Float32Array(w * h);
  const [b0, b1] = opts.blobs ?? [1, 3];
  const count = b0 + Math.floor(rng() * (b1 - b0 + 1));
  const [x0, y0, x1, y1] = opts.field ?? [0.15, 0.2, 0.85, 0.8];
  for (let k = 0; k < count; k++) {
    const cx = (x0 + (x1 - x0) * rng()) * w;
    const cy = (y0 + (y1 - y0) * rng()) * h;
    const rx = between(rng, opts.radius ?? [0.06, 0.2]) * w;
    const ry = rx * (0.6 + 0.8 * rng());
    const theta = Math.PI * rng();
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    // A low-frequency texture (a few random plane waves) makes the blob patchy rather than a clean disc.
    const waves = Array.from({ length: 3 }, () => ({
      fx: ((2 + 6 * rng()) / w) * Math.PI * 2,
      fy: ((2 + 6 * rng()) / h) * Math.PI * 2,
      ph: 2 * Math.PI * rng(),
    }));
    const ymin = Math.max(0, Math.floor(cy - 2.5 * Math.max(rx, ry)));
    const ymax = Math.min(h - 1, Math.ceil(cy + 2.5 * Math.max(rx, ry)));
    const xmin = Math.max(0, Math.floor(cx - 2.5 * Math.max(rx, ry)));
    const xmax = Math.min(w - 1, Math.ceil(cx + 2.5 * Math.max(rx, ry)));
    for (let y = ymin; y <= ymax; y++) {
      for (let x = xmin; x <= xmax; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = (c * dx + s * dy) / rx;
        const v = (-s * dx + c * dy) / ry;
        const r2 = u * u + v * v;
        if (r2 > 6) continue;
        let t = 0;
        for (const wv of waves) t += Math.cos(wv.fx * x + wv.fy * y + wv.ph);
        const patchy = 0.65 + 0.35 * (t / 3);
        const i = y * w + x;
        m[i] = Math.min(1, m[i] + Math.exp(-r2) * patchy);
      }
    }
  }
  return m;
}

/** A copy of a greyscale image ([0, 1], row-major w × h) with synthetic opacities added. */
export function addOpacity(img: Float32Array, w: number, h: number, rng: Rng, opts: OpacityOptions = {}): Float32Array {
  const m = opacityMask(w, h, rng, opts);
  const a = between(rng, opts.strength ?? [0.15, 0.5]);
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const v = img[i];
    out[i] = Math.min(1, v + a * m[i] * (1 - v));
  }
  return out;
}
