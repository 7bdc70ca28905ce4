/**
 * Comparing two model columns on the same images: rank correlation (Spearman with average ranks for ties,
 * Kendall's tau-b), the images the two rank most differently, and the points of a scatter plot. Pure
 * (plain arrays in, plain data out), so the comparison view and the tests share it; the webview may not
 * import src/core, hence here rather than beside core/metrics.
 */

/** The rows both models scored, with their two scores, in the order the rows were given. */
export interface Paired {
  rows: Uint32Array;
  a: Float64Array;
  b: Float64Array;
}

/** Keeps the rows where both scores are finite (pending or failed rows have NaN). */
export function pairScores(a: ArrayLike<number>, b: ArrayLike<number>, rows: ArrayLike<number>): Paired {
  const keep: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (Number.isFinite(a[r]) && Number.isFinite(b[r])) keep.push(r);
  }
  const out = { rows: Uint32Array.from(keep), a: new Float64Array(keep.length), b: new Float64Array(keep.length) };
  keep.forEach((r, i) => {
    out.a[i] = a[r];
    out.b[i] = b[r];
  });
  return out;
}

/** Indices 0..n-1 sorted by value (ties by index, so the result is the same every time). */
function orderOf(v: ArrayLike<number>): Uint32Array {
  const idx = Uint32Array.from({ length: v.length }, (_, i) => i);
  return idx.sort((i, j) => v[i] - v[j] || i - j);
}

/** 1-based ranks, ascending; tied values share the average of the ranks they span. */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const order = orderOf(v);
  const ranks = new Float64Array(v.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; undefined with fewer than 2 values or when either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
  const n = x.length;
  if (n < 2 || y.length !== n) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  // Rounding can push |r| a hair over 1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman's rho: Pearson on average ranks (the tie-corrected form). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
  if (x.length !== y.length) return undefined;
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's tau-b in O(n log n) (Knight's algorithm: sort by x then y, count the swaps a merge sort by y
 * makes = discordant pairs); 100,000 rows would be 5e9 pairs the plain way.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
  const n = x.length;
  if (n < 2 || y.length !== n) return undefined;
  const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((i, j) => x[i] - x[j] || y[i] - y[j]);
  const pairs = (t: number) => (t * (t - 1)) / 2;
  let xTies = 0;
  let jointTies = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && x[idx[j]] === x[idx[i]]) j++;
    xTies += pairs(j - i);
    for (let k = i; k < j;) {
      let l = k + 1;
      while (l < j && y[idx[l]] === y[idx[k]]) l++;
      jointTies += pairs(l - k);
      k = l;
    }
    i = j;
  }
  const ys = Float64Array.from(idx, (i) => y[i]);
  const swaps = mergeCountSwaps(ys, new Float64Array(n));
  let yTies = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && ys[j] === ys[i]) j++;
    yTies += pairs(j - i);
    i = j;
  }
  const total = pairs(n);
  const denom = Math.sqrt((total - xTies) * (total - yTies));
  if (denom === 0) return undefined;
  const tau = (total - xTies - yTies + jointTies - 2 * swaps) / denom;
  return Math.max(-1, Math.min(1, tau));
}

/** Sorts `a` ascending in place (bottom-up merge sort) and returns how many inversions it had. */
function mergeCountSwaps(a: Float64Array, buf: Float64Array): number {
  const n = a.length;
  let swaps = 0;
  let src = a;
  let dst = buf;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          swaps += mid - i;
          dst[k++] = src[j++];
        } else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
  return swaps;
}

export interface Disagreement {
  row: number;
  /** Normalised ranks in [0, 1] (1 = that model's most anomalous image). */
  rankA: number;
  rankB: number;
  /** rankA - rankB: positive when model A finds the image more anomalous than B does. */
  diff: number;
}

/**
 * The `k` images whose normalised ranks differ most between the models, largest |difference| first (ties:
 * lower row first). Ranks, not scores: two models' raw scores live on unrelated scales.
 */
export function disagreements(p: Paired, k: number): Disagreement[] {
  const n = p.rows.length;
  if (n < 2 || k <= 0) return [];
  const ra = averageRanks(p.a);
  const rb = averageRanks(p.b);
  const out: Disagreement[] = [];
  for (let i = 0; i < n; i++) {
    const rankA = (ra[i] - 1) / (n - 1);
    const rankB = (rb[i] - 1) / (n - 1);
    out.push({ row: p.rows[i], rankA, rankB, diff: rankA - rankB });
  }
  out.sort((u, v) => Math.abs(v.diff) - Math.abs(u.diff) || u.row - v.row);
  return out.slice(0, k);
}

export interface Scatter {
  /** Point i is row rows[i] at (x[i], y[i]). */
  rows: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  /** Axis ranges: [0, 1] widened to take every point. */
  xRange: [number, number];
  yRange: [number, number];
  thresholdX: number;
  thresholdY: number;
  /** Points in each quadrant around the thresholds (x then y): both flagged, only x, only y, neither. */
  quadrants: { both: number; onlyX: number; onlyY: number; neither: number };
}

/** The scatter plot of two models' normalised scores (0.5 = each model's calibrated threshold). */
export function scatter(p: Paired, thresholdX: number, thresholdY: number): Scatter {
  const range = (v: Float64Array): [number, number] => {
    let lo = 0;
    let hi = 1;
    for (const x of v) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return [lo, hi];
  };
  const q = { both: 0, onlyX: 0, onlyY: 0, neither: 0 };
  for (let i = 0; i < p.rows.length; i++) {
    const fx = p.a[i] >= thresholdX;
    const fy = p.b[i] >= thresholdY;
    if (fx && fy) q.both++;
    else if (fx) q.onlyX++;
    else if (fy) q.onlyY++;
    else q.neither++;
  }
  return {
    rows: p.rows,
    x: p.a,
    y: p.b,
    xRange: range(p.a),
    yRange: range(p.b),
    thresholdX,
    thresholdY,
    quadrants: q,
  };
}

/** Index of the point nearest (px, py) in plot units scaled by (sx, sy), within `radius` of those units; else -1. */
export function nearestPoint(
  s: Pick<Scatter, 'x' | 'y'>,
  px: number,
  py: number,
  sx: number,
  sy: number,
  radius: number,
): number {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < s.x.length; i++) {
    const dx = (s.x[i] - px) * sx;
    const dy = (s.y[i] - py) * sy;
    const d = dx * dx + dy * dy;
    if (d < bestD || (best < 0 && d === bestD)) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The two model columns the comparison view shows, over the rows the panel's filters let through. */
export interface Comparison {
  a: number;
  b: number;
  /** Rows both models scored. */
  n: number;
  spearman?: number;
  kendall?: number;
  scatter: Scatter;
  disagreements: Disagreement[];
}

export interface ScoreColumns {
  raw: ArrayLike<number>[];
  normalized: ArrayLike<number>[];
}

/**
 * Correlations and disagreements on raw scores (ranks: raw and normalised keep the same order, raw has no
 * clamped ties); the scatter on normalised scores, where 0.5 is each model's threshold.
 */
export function compareColumns(
  t: ScoreColumns,
  rows: ArrayLike<number>,
  a: number,
  b: number,
  thresholds: readonly number[],
  k = 20,
): Comparison {
  const raw = pairScores(t.raw[a], t.raw[b], rows);
  const norm = {
    rows: raw.rows,
    a: Float64Array.from(raw.rows, (r) => t.normalized[a][r]),
    b: Float64Array.from(raw.rows, (r) => t.normalized[b][r]),
  };
  return {
    a,
    b,
    n: raw.rows.length,
    spearman: spearman(raw.a, raw.b),
    kendall: kendallTauB(raw.a, raw.b),
    scatter: scatter(norm, thresholds[a] ?? 0.5, thresholds[b] ?? 0.5),
    disagreements: disagreements(raw, k),
  };
}
