/**
 * Zoom and pan as pure math. A view is the scale (device pixels per image pixel, so 1 means one image
 * pixel per screen pixel) and the image point shown at the centre of the canvas; keeping the centre
 * rather than an offset means a resized editor keeps looking at the same anatomy.
 */
import type { Affine } from './types';

export interface View {
  scale: number;
  cx: number;
  cy: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;
/** Steps for the +/- keys and buttons, like an image editor's zoom menu. */
const LEVELS = [
  1 / 64,
  1 / 48,
  1 / 32,
  1 / 24,
  1 / 16,
  1 / 12,
  1 / 8,
  1 / 6,
  1 / 4,
  1 / 3,
  1 / 2,
  2 / 3,
  1,
  1.5,
  2,
  3,
  4,
  6,
  8,
  12,
  16,
  24,
  32,
  48,
  64,
];

export function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** The whole image centred in the canvas, with a small margin so its edges stay visible. */
export function fitView(imgW: number, imgH: number, canvasW: number, canvasH: number, margin = 0.96): View {
  const s = Math.min(canvasW / imgW, canvasH / imgH) * margin;
  return { scale: clampScale(s > 0 && Number.isFinite(s) ? s : 1), cx: imgW / 2, cy: imgH / 2 };
}

/** Image -> canvas (device pixel) transform. At scale >= 1 the translation is rounded so pixels stay crisp. */
export function screenFromImage(v: View, canvasW: number, canvasH: number): Affine {
  let tx = canvasW / 2 - v.scale * v.cx;
  let ty = canvasH / 2 - v.scale * v.cy;
  if (v.scale >= 1) {
    tx = Math.round(tx);
    ty = Math.round(ty);
  }
  return [v.scale, 0, tx, 0, v.scale, ty];
}

export function imageFromScreen(v: View, canvasW: number, canvasH: number, sx: number, sy: number): [number, number] {
  const m = screenFromImage(v, canvasW, canvasH);
  return [(sx - m[2]) / v.scale, (sy - m[5]) / v.scale];
}

/** Zoom to `scale`, keeping the image point under canvas point (sx, sy) where it is. */
export function zoomAt(v: View, scale: number, sx: number, sy: number, canvasW: number, canvasH: number): View {
  const s = clampScale(scale);
  const ix = v.cx + (sx - canvasW / 2) / v.scale;
  const iy = v.cy + (sy - canvasH / 2) / v.scale;
  return { scale: s, cx: ix - (sx - canvasW / 2) / s, cy: iy - (sy - canvasH / 2) / s };
}

/** Move the image by (dx, dy) device pixels on screen. */
export function panBy(v: View, dx: number, dy: number): View {
  return { scale: v.scale, cx: v.cx - dx / v.scale, cy: v.cy - dy / v.scale };
}

/** Keep the view centre on the image, so the image can never be panned out of sight. */
export function constrain(v: View, imgW: number, imgH: number): View {
  return { scale: clampScale(v.scale), cx: Math.min(imgW, Math.max(0, v.cx)), cy: Math.min(imgH, Math.max(0, v.cy)) };
}

/** The next zoom level up (dir 1) or down (dir -1) from `scale`. */
export function stepScale(scale: number, dir: 1 | -1): number {
  const eps = 1e-6;
  if (dir > 0) return LEVELS.find((l) => l > scale * (1 + eps)) ?? MAX_SCALE;
  for (let i = LEVELS.length - 1; i >= 0; i--) if (LEVELS[i] < scale * (1 - eps)) return LEVELS[i];
  return MIN_SCALE;
}

/** Wheel delta -> zoom factor; line and page modes are converted to pixels first. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-400, Math.min(400, px)) * 0.0015);
}
