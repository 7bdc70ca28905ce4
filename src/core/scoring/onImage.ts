import { applyAffine, invertAffine } from '../image/types';
import type { AnomalyMap } from './types';

/**
 * The map resampled onto the original image's pixel grid (bilinear between map pixel centres, through the
 * map's affine), NaN where the map does not reach (a crop the model never saw): what the viewer overlays,
 * pixel for pixel, and what localisation is measured on (planted/localise.ts).
 */
export function mapOnImage(map: AnomalyMap, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height).fill(NaN);
  const toMap = invertAffine(map.toImage);
  const d = map.data;
  const mw = map.width;
  const mh = map.height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [mx, my] = applyAffine(toMap, x + 0.5, y + 0.5);
      if (!(mx >= 0 && my >= 0 && mx < mw && my < mh)) continue;
      const fx = Math.min(Math.max(mx - 0.5, 0), mw - 1);
      const fy = Math.min(Math.max(my - 0.5, 0), mh - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, mw - 1);
      const y1 = Math.min(y0 + 1, mh - 1);
      const ax = fx - x0;
      const ay = fy - y0;
      const top = d[y0 * mw + x0] * (1 - ax) + d[y0 * mw + x1] * ax;
      const bottom = d[y1 * mw + x0] * (1 - ax) + d[y1 * mw + x1] * ax;
      out[y * width + x] = top * (1 - ay) + bottom * ay;
    }
  }
  return out;
}
