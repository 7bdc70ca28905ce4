/**
 * Isoline segments (contour.ts: x0, y0, x1, y1 per segment, in no order) joined into polylines, so a dashed
 * stroke runs its pattern along each outline. Stroked as separate segments, every segment starts a new dash
 * and shorter segments than a dash (every one at ordinary zoom) draw solid: the "dashed" top-region outline
 * looked like the threshold's solid one.
 */

/** Polylines as flat [x0, y0, x1, y1, ...] point lists; a closed outline repeats its first point at the end. */
export function polylines(segs: Float32Array): Float32Array[] {
  const n = segs.length / 4;
  const key = (x: number, y: number) => `${Math.round(x * 1e4)},${Math.round(y * 1e4)}`;
  // Segment ends at each point (segment index * 2 + end).
  const at = new Map<string, number[]>();
  for (let s = 0; s < n; s++)
    for (let e = 0; e < 2; e++) {
      const k = key(segs[4 * s + 2 * e], segs[4 * s + 2 * e + 1]);
      const list = at.get(k);
      if (list) list.push(2 * s + e);
      else at.set(k, [2 * s + e]);
    }
  const used = new Uint8Array(n);
  const out: Float32Array[] = [];
  // From the far end of segment s (entered at end e), the next unused segment sharing that point, if any.
  const next = (s: number, e: number): number => {
    const far = 1 - e;
    const list = at.get(key(segs[4 * s + 2 * far], segs[4 * s + 2 * far + 1]))!;
    for (const end of list) if (!used[end >> 1]) return end;
    return -1;
  };
  const walk = (start: number, e: number): number[] => {
    const pts: number[] = [];
    let s = start;
    let enter = e;
    for (;;) {
      used[s] = 1;
      const far = 1 - enter;
      pts.push(segs[4 * s + 2 * far], segs[4 * s + 2 * far + 1]);
      const end = next(s, enter);
      if (end < 0) return pts;
      s = end >> 1;
      enter = end & 1;
    }
  };
  // Open outlines first (those ending on the map's edge), from one of their ends; then the closed loops.
  const order = [...Array(n).keys()].sort((a, b) => degreeOf(a) - degreeOf(b));
  function degreeOf(s: number): number {
    let d = 0;
    for (let e = 0; e < 2; e++) d += at.get(key(segs[4 * s + 2 * e], segs[4 * s + 2 * e + 1]))!.length;
    return d;
  }
  for (const s of order) {
    if (used[s]) continue;
    // Start at the end with fewest neighbours (an open outline's free end), walking away from it.
    const lonely = (e: number) => at.get(key(segs[4 * s + 2 * e], segs[4 * s + 2 * e + 1]))!.length;
    const e = lonely(0) <= lonely(1) ? 0 : 1;
    const rest = walk(s, e);
    out.push(Float32Array.from([segs[4 * s + 2 * e], segs[4 * s + 2 * e + 1], ...rest]));
  }
  return out;
}
