/** Image score from a map when the model gives none: mean, max, or mean of the top K values. */
export type Reduce = 'mean' | 'max' | { topK: number };

/** Reduces `map` over pixels where mask is 1 (all pixels when no mask); 0 when nothing is selected. */
export function reduceMap(map: Float32Array, mask: Uint8Array | undefined, how: Reduce): number {
  const values = mask ? selected(map, mask) : map;
  if (values.length === 0) return 0;
  if (how === 'mean') {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i];
    return s / values.length;
  }
  if (how === 'max') {
    let m = -Infinity;
    for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
    return m;
  }
  return topKMean(values, how.topK);
}

function selected(map: Float32Array, mask: Uint8Array): Float32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Float32Array(n);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = map[i];
  return out;
}

/** Mean of the k largest values, by quickselect (linear time; the paper's top-200 of 262,144 pixels). */
export function topKMean(values: Float32Array, k: number): number {
  const n = values.length;
  const kk = Math.max(1, Math.min(n, Math.floor(k)));
  const a = values.slice();
  // Partition so that a[0..kk) holds the kk largest values.
  let lo = 0;
  let hi = n - 1;
  const target = kk - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const pivot = median3(a[lo], a[mid], a[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  let s = 0;
  for (let t = 0; t < kk; t++) s += a[t];
  return s / kk;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
