/**
 * The per-image quality measures (types.ts) of an 8-bit display image: brightness figures and entropy from
 * its histogram, sharpness as the variance of the Laplacian on a fixed 256 x 256 reduction (fixed, so
 * that the figure does not depend on the file's resolution), and the perceptual hash. Pure; the engine
 * calls it on the image as the thumbnail shows it (see display8.ts).
 */
import { phash32 } from './phash';
import { resampleArea } from './resample';
import type { QualityMeasures } from './types';

export const SHARPNESS_SIDE = 256;

/**
 * `grey`: 8-bit display values of a (possibly reduced) copy; `width`/`height` those of the copy.
 * `size`: the decoded image's own size, reported as such.
 */
export function measureGrey(
  grey: Uint8Array,
  width: number,
  height: number,
  size: { width: number; height: number },
): QualityMeasures {
  if (grey.length !== width * height || grey.length === 0)
    throw new Error(`A ${width} x ${height} image needs ${width * height} samples, got ${grey.length}.`);
  const hist = new Float64Array(256);
  for (let i = 0; i < grey.length; i++) hist[grey[i]]++;
  const n = grey.length;
  let sum = 0;
  let entropy = 0;
  for (let v = 0; v < 256; v++) {
    const c = hist[v];
    if (c === 0) continue;
    sum += v * c;
    const p = c / n;
    entropy -= p * Math.log2(p);
  }
  return {
    width: size.width,
    height: size.height,
    mean: round2(sum / n),
    p1: percentile(hist, n, 0.01),
    p99: percentile(hist, n, 0.99),
    entropy: round2(entropy + 0),
    sharpness: round2(
      laplacianVariance(resampleArea(grey, width, height, SHARPNESS_SIDE, SHARPNESS_SIDE), SHARPNESS_SIDE),
    ),
    phash: phash32(resampleArea(grey, width, height, 32, 32)),
  };
}

/** Variance of the 4-neighbour Laplacian over the interior of a side x side image. */
export function laplacianVariance(img: Float32Array, side: number): number {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++)
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const l = img[i - 1] + img[i + 1] + img[i - side] + img[i + side] - 4 * img[i];
      s += l;
      s2 += l * l;
      n++;
    }
  if (n === 0) return 0;
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}

/** The smallest value v with at least q of the samples <= v (nearest rank). */
function percentile(hist: Float64Array, n: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * n));
  let c = 0;
  for (let v = 0; v < 256; v++) {
    c += hist[v];
    if (c >= rank) return v;
  }
  return 255;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
