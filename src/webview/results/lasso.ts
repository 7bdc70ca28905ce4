/**
 * Lasso selection on the embedding map: which points lie inside a closed polygon drawn by the pointer.
 * Even-odd rule (a self-crossing lasso selects what it encloses an odd number of times), a bounding-box
 * test first so that a small lasso over 100,000 points costs little more than one pass.
 */
export type Point = readonly [x: number, y: number];

/** Whether (x, y) is inside the polygon (even-odd rule; points exactly on an edge may fall either way). */
export function pointInPolygon(x: number, y: number, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    // The edge (j, i) crosses the horizontal ray to the right of (x, y).
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Indices of the points (xs[i], ys[i]) inside the polygon, ascending; none for fewer than 3 vertices. */
export function pointsInPolygon(xs: ArrayLike<number>, ys: ArrayLike<number>, polygon: readonly Point[]): number[] {
  if (polygon.length < 3) return [];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of polygon) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    if (pointInPolygon(x, y, polygon)) out.push(i);
  }
  return out;
}
