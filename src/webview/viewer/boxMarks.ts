/**
 * Box marks: the geometry of drawing, picking and deleting them, pure so it is unit-tested. A box is kept
 * as the label file keeps it (docs/labels.md): whole pixels of the decoded image, top-left origin, so it
 * stays on the anatomy whatever the zoom, pan or window. The drag itself is in continuous image
 * coordinates (0..width along x); a box is the smallest whole-pixel rectangle that holds it.
 */
import type { MarkBox } from '../../protocol/viewer';

/** Most boxes one image keeps (the label file's cell stays a readable length). */
export const MAX_BOXES = 64;

/** The box spanned by two image points (either corner first), cut to the image; undefined when nothing is left. */
export function boxFromPoints(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): MarkBox | undefined {
  if (![x0, y0, x1, y1].every(Number.isFinite) || width < 1 || height < 1) return undefined;
  // Screen to image and back is not exact in floating point: 119.99999 is pixel edge 120, not 119.
  const snap = (v: number) => (Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : v);
  const clampX = (v: number) => Math.min(width, Math.max(0, snap(v)));
  const clampY = (v: number) => Math.min(height, Math.max(0, snap(v)));
  const left = Math.floor(clampX(Math.min(x0, x1)));
  const top = Math.floor(clampY(Math.min(y0, y1)));
  const right = Math.ceil(clampX(Math.max(x0, x1)));
  const bottom = Math.ceil(clampY(Math.max(y0, y1)));
  // A drag along the image's far edge clamps to width: keep one pixel inside it.
  const x = Math.min(left, width - 1);
  const y = Math.min(top, height - 1);
  return { x, y, w: Math.max(1, right - x), h: Math.max(1, bottom - y) };
}

/**
 * The box under an image point, the smallest first (a box drawn inside another can still be picked),
 * then the newest; `slack` image pixels around each box count as on it, so a thin box can be hit.
 */
export function boxAt(boxes: readonly MarkBox[], x: number, y: number, slack = 0): number | undefined {
  let best: { i: number; area: number } | undefined;
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i];
    if (x < b.x - slack || x > b.x + b.w + slack || y < b.y - slack || y > b.y + b.h + slack) continue;
    const area = b.w * b.h;
    if (!best || area < best.area) best = { i, area };
  }
  return best?.i;
}

/** The boxes with one removed: the selected one, else the newest. */
export function withoutBox(boxes: readonly MarkBox[], selected: number | undefined): MarkBox[] {
  const i = selected !== undefined && selected >= 0 && selected < boxes.length ? selected : boxes.length - 1;
  return boxes.filter((_, k) => k !== i);
}
