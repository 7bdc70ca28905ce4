/**
 * Embeddings as the store keeps them: L2-normalised, then int8 (value x 127, rounded), so a dot product of
 * two is their cosine similarity x 127^2 (to within the rounding). Exact nearest neighbours: one pass of
 * integer dot products over all vectors and a bounded selection of the k best; 100,000 x 384 is about
 * 40 million multiply-adds (scripts/bench/neighbours.ts measures it).
 */

export function quantize(v: ArrayLike<number>): Int8Array {
  let n2 = 0;
  for (let i = 0; i < v.length; i++) n2 += v[i] * v[i];
  const s = n2 > 0 ? 127 / Math.sqrt(n2) : 0;
  const out = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.max(-127, Math.min(127, Math.round(v[i] * s)));
  return out;
}

export interface Neighbour {
  /** Index of the vector in the set. */
  index: number;
  /** Cosine similarity, -1..1. */
  similarity: number;
}

/**
 * The k vectors of `all` (n vectors of `dim` values, back to back) most similar to `query`, best first;
 * ties by index. `skip` leaves one index out (the query's own).
 */
export function nearest(all: Int8Array, dim: number, query: Int8Array, k: number, skip = -1): Neighbour[] {
  if (query.length !== dim) throw new Error(`The query has ${query.length} values, the vectors ${dim}.`);
  const n = Math.floor(all.length / dim);
  // A min-heap of the k best so far (score, index), as parallel arrays.
  const hs = new Float64Array(k);
  const hi = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => hs[a] < hs[b] || (hs[a] === hs[b] && hi[a] > hi[b]);
  const swap = (a: number, b: number) => {
    const s = hs[a];
    hs[a] = hs[b];
    hs[b] = s;
    const i = hi[a];
    hi[a] = hi[b];
    hi[b] = i;
  };
  for (let v = 0; v < n; v++) {
    if (v === skip) continue;
    const dot = dotAt(all, v * dim, query, dim);
    if (size < k) {
      hs[size] = dot;
      hi[size] = v;
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(c, p)) break;
        swap(c, p);
        c = p;
      }
    } else if (k > 0 && (dot > hs[0] || (dot === hs[0] && v < hi[0]))) {
      hs[0] = dot;
      hi[0] = v;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < size && worse(l, m)) m = l;
        if (r < size && worse(r, m)) m = r;
        if (m === c) break;
        swap(c, m);
        c = m;
      }
    }
  }
  const out: Neighbour[] = [];
  for (let i = 0; i < size; i++) out.push({ index: hi[i], similarity: hs[i] / (127 * 127) });
  return out.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
}

/** Four accumulators: independent additions the CPU can overlap (127 ms instead of 162 at 100,000 x 384). */
function dotAt(all: Int8Array, o: number, q: Int8Array, dim: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    a += all[o + j] * q[j];
    b += all[o + j + 1] * q[j + 1];
    c += all[o + j + 2] * q[j + 2];
    d += all[o + j + 3] * q[j + 3];
  }
  for (; j < dim; j++) a += all[o + j] * q[j];
  return a + b + c + d;
}
