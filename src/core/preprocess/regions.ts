/**
 * Putting per-region results back on the original image. A spec with splitHands gives one network
 * input per hand (prepareInputs); a model with one image score scores each, the image's score is the
 * highest (an anomaly in either hand makes the image abnormal), and the maps are drawn back onto one
 * image-space grid through each region's affine.
 */
import { applyAffine, invertAffine, type Affine } from '../image/types';

export interface RegionMap {
  width: number;
  height: number;
  data: Float32Array;
  /** Map pixel coordinates -> original image pixel coordinates. */
  toImage: Affine;
}

/**
 * The regions' maps on one grid covering the whole image (longer side `maxSide`, default 512), each
 * grid pixel taking the largest value of the maps that cover its centre (bilinear within each map);
 * pixels no region covers are 0. The result's toImage is a plain scale, so it drops in where a single
 * map went.
 */
export function composeRegionMaps(
  maps: readonly RegionMap[],
  imageWidth: number,
  imageHeight: number,
  maxSide = 512,
): RegionMap {
  const s = Math.min(1, maxSide / Math.max(imageWidth, imageHeight));
  const width = Math.max(1, Math.round(imageWidth * s));
  const height = Math.max(1, Math.round(imageHeight * s));
  const sx = imageWidth / width;
  const sy = imageHeight / height;
  const data = new Float32Array(width * height);
  const covered = new Uint8Array(width * height);
  for (const m of maps) {
    const toMap = invertAffine(m.toImage);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [mx, my] = applyAffine(toMap, (x + 0.5) * sx, (y + 0.5) * sy);
        if (mx < 0 || my < 0 || mx >= m.width || my >= m.height) continue;
        const v = bilinear(m, mx - 0.5, my - 0.5);
        const i = y * width + x;
        if (!covered[i] || v > data[i]) data[i] = v;
        covered[i] = 1;
      }
    }
  }
  return { width, height, data, toImage: [sx, 0, 0, 0, sy, 0] };
}

function bilinear(m: RegionMap, fx: number, fy: number): number {
  const x0 = Math.max(0, Math.min(m.width - 1, Math.floor(fx)));
  const y0 = Math.max(0, Math.min(m.height - 1, Math.floor(fy)));
  const x1 = Math.min(m.width - 1, x0 + 1);
  const y1 = Math.min(m.height - 1, y0 + 1);
  const ax = Math.max(0, Math.min(1, fx - x0));
  const ay = Math.max(0, Math.min(1, fy - y0));
  const d = m.data;
  const top = d[y0 * m.width + x0] * (1 - ax) + d[y0 * m.width + x1] * ax;
  const bottom = d[y1 * m.width + x0] * (1 - ax) + d[y1 * m.width + x1] * ax;
  return top * (1 - ay) + bottom * ay;
}

/** The image's score from its regions' scores: the highest (an anomaly in any hand counts). */
export function combineRegionScores(scores: readonly number[]): number {
  return scores.length ? Math.max(...scores) : Number.NaN;
}

/**
 * A mask in some working space (width x height, with its affine to the image) drawn onto the original
 * image grid: each image pixel takes the mask value at its centre (0 outside the mask's raster).
 */
export function maskToImage(
  mask: Uint8Array,
  width: number,
  height: number,
  toImage: Affine,
  imageWidth: number,
  imageHeight: number,
  into?: Uint8Array,
): Uint8Array {
  const out = into ?? new Uint8Array(imageWidth * imageHeight);
  const toMask = invertAffine(toImage);
  const [a, b, c, d, e, f] = toMask;
  for (let y = 0; y < imageHeight; y++) {
    for (let x = 0; x < imageWidth; x++) {
      const px = a * (x + 0.5) + b * (y + 0.5) + c;
      const py = d * (x + 0.5) + e * (y + 0.5) + f;
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      if (mask[Math.floor(py) * width + Math.floor(px)]) out[y * imageWidth + x] = 1;
    }
  }
  return out;
}
