/**
 * Iso-lines of the anomaly map by marching squares. Samples sit at pixel centres (x + 0.5); the map is
 * padded with "below" values so a region touching the map border gets a closed outline along the
 * border. Output is flat segments [x0, y0, x1, y1, ...] in map pixel coordinates, ready to be mapped
 * through toImage and the view transform and stroked at screen resolution.
 */

// Edges of a cell: 0 top, 1 right, 2 bottom, 3 left. Corner bits: top-left 8, top-right 4,
// bottom-right 2, bottom-left 1 (set when the corner is at or above the threshold).
const CASES: ReadonlyArray<ReadonlyArray<[number, number]>> = [
  [],
  [[3, 2]],
  [[2, 1]],
  [[3, 1]],
  [[0, 1]],
  [],
  [[0, 2]],
  [[0, 3]],
  [[0, 3]],
  [[0, 2]],
  [],
  [[0, 1]],
  [[3, 1]],
  [[2, 1]],
  [[3, 2]],
  [],
];

export function isolines(data: ArrayLike<number>, w: number, h: number, t: number): Float32Array {
  const out: number[] = [];
  const at = (k: number, l: number): number =>
    k >= 1 && k <= w && l >= 1 && l <= h ? data[(l - 1) * w + (k - 1)] : -Infinity;
  // Crossing between two corners along one axis: corner coordinates are k - 0.5; a crossing next to
  // the padding lies on the map border (half a pixel from the inside centre).
  const cross = (k: number, va: number, vb: number): number => {
    if (va === -Infinity || vb === -Infinity) return k;
    const f = (t - va) / (vb - va);
    return k - 0.5 + (Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0.5);
  };
  for (let l = 0; l <= h; l++) {
    for (let k = 0; k <= w; k++) {
      const tl = at(k, l);
      const tr = at(k + 1, l);
      const br = at(k + 1, l + 1);
      const bl = at(k, l + 1);
      const code = (tl >= t ? 8 : 0) | (tr >= t ? 4 : 0) | (br >= t ? 2 : 0) | (bl >= t ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const point = (edge: number): [number, number] => {
        switch (edge) {
          case 0:
            return [cross(k, tl, tr), l - 0.5];
          case 1:
            return [k + 0.5, cross(l, tr, br)];
          case 2:
            return [cross(k, bl, br), l + 0.5];
          default:
            return [k - 0.5, cross(l, tl, bl)];
        }
      };
      let pairs = CASES[code];
      if (code === 5 || code === 10) {
        // Saddle: the cell centre (mean of the corners) decides which diagonal is connected.
        const centreAbove = (tl + tr + br + bl) / 4 >= t;
        const tlBrSeparated: [number, number][] = [
          [0, 3],
          [2, 1],
        ];
        const trBlSeparated: [number, number][] = [
          [0, 1],
          [3, 2],
        ];
        pairs = (code === 5) === centreAbove ? tlBrSeparated : trBlSeparated;
      }
      for (const [e0, e1] of pairs) {
        const p = point(e0);
        const q = point(e1);
        out.push(p[0], p[1], q[0], q[1]);
      }
    }
  }
  return Float32Array.from(out);
}
