/**
 * Rulers: straight-line distances drawn on the image. Endpoints are kept in image pixel coordinates
 * (continuous, 0..width along x), so a ruler stays on the anatomy through zoom, pan and reloads. The
 * length uses the file's pixel spacing, which DICOM gives per row and per column.
 */
import type { Affine } from './types';
import { l10n } from '../shared/l10n';

export interface Measurement {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function lengthPx(m: Measurement): number {
  return Math.hypot(m.x1 - m.x0, m.y1 - m.y0);
}

/** Length in mm with [row, column] spacing (row spacing is the vertical distance between rows). */
export function lengthMm(m: Measurement, spacing: [number, number] | undefined): number | undefined {
  if (!spacing || !(spacing[0] > 0) || !(spacing[1] > 0)) return undefined;
  return Math.hypot((m.x1 - m.x0) * spacing[1], (m.y1 - m.y0) * spacing[0]);
}

/** "34.2 mm" when the spacing is known, "152.0 px" when it is not. */
export function measurementLabel(m: Measurement, spacing: [number, number] | undefined): string {
  const mm = lengthMm(m, spacing);
  if (mm !== undefined) return mm >= 1000 ? l10n.t('{0} cm', (mm / 10).toFixed(1)) : l10n.t('{0} mm', mm.toFixed(1));
  return l10n.t('{0} px', lengthPx(m).toFixed(1));
}

/** Keeps a point on the image. */
export function clampToImage(x: number, y: number, width: number, height: number): [number, number] {
  return [Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))];
}

/**
 * The endpoint within `radius` screen pixels of (sx, sy), nearest first; the newest ruler wins ties so
 * the one just drawn can be adjusted even where rulers share an end.
 */
export function handleAt(
  list: readonly Measurement[],
  screenFromImage: Affine,
  sx: number,
  sy: number,
  radius: number,
): { index: number; end: 0 | 1 } | undefined {
  const m = screenFromImage;
  let best: { index: number; end: 0 | 1; d: number } | undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const r = list[i];
    for (const end of [0, 1] as const) {
      const x = end ? r.x1 : r.x0;
      const y = end ? r.y1 : r.y0;
      const d = Math.hypot(m[0] * x + m[1] * y + m[2] - sx, m[3] * x + m[4] * y + m[5] - sy);
      if (d <= radius && (!best || d < best.d)) best = { index: i, end, d };
    }
  }
  return best && { index: best.index, end: best.end };
}
