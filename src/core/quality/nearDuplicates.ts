/**
 * Near-duplicate groups: images whose perceptual hashes are at most `bits` apart, joined transitively
 * (union-find), so A~B and B~C put A, B, C in one group. Candidates come from multi-index hashing: the 64
 * bits are cut into bits + 1 chunks, and two hashes within `bits` of each other agree exactly on at least
 * one chunk (pigeonhole), so only hashes sharing a chunk value are compared. For the small distances that
 * matter here that is close to linear in the number of images, where all pairs would be 5 * 10^9
 * comparisons at 100,000.
 */
import { isPhash, popcount32 } from './phash';

/** Groups of indices into `hashes` (each of 2 or more, in index order; groups by their first index). */
export function nearDuplicateGroups(hashes: readonly (string | undefined)[], bits: number): number[][] {
  if (!(bits >= 0 && bits < 64)) throw new Error(`A near-duplicate distance must be 0 to 63 bits, not ${bits}.`);
  const maxBits = Math.floor(bits);
  const uf = new UnionFind(hashes.length);
  // Identical hashes (many blank images, say) are joined at once and searched as one: a bucket of k equal
  // hashes would otherwise cost k^2 comparisons.
  const firstOf = new Map<string, number>();
  const distinct: number[] = [];
  hashes.forEach((h, i) => {
    if (!isPhash(h)) return;
    const f = firstOf.get(h);
    if (f === undefined) {
      firstOf.set(h, i);
      distinct.push(i);
    } else uf.union(f, i);
  });
  const words = distinct.map((i) => toWords(hashes[i]!));
  for (const [x, y] of candidatePairs(words, maxBits))
    if (popcount32(words[x][0] ^ words[y][0]) + popcount32(words[x][1] ^ words[y][1]) <= maxBits)
      uf.union(distinct[x], distinct[y]);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < hashes.length; i++) {
    if (!isPhash(hashes[i])) continue;
    const r = uf.find(i);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(i);
  }
  return [...groups.values()].filter((g) => g.length > 1).sort((a, b) => a[0] - b[0]);
}

/** Index pairs (x < y) into `words` that share at least one of the bits + 1 chunks; each pair once. */
function* candidatePairs(words: readonly [number, number][], bits: number): Generator<[number, number]> {
  const chunks = chunkBounds(bits + 1);
  const keys = words.map((w) => chunks.map(([a, b]) => chunkOf(w, a, b)));
  for (let c = 0; c < chunks.length; c++) {
    const buckets = new Map<number, number[]>();
    keys.forEach((k, i) => {
      const b = buckets.get(k[c]);
      if (b) b.push(i);
      else buckets.set(k[c], [i]);
    });
    for (const members of buckets.values())
      for (let x = 0; x < members.length; x++)
        for (let y = x + 1; y < members.length; y++) {
          const i = members[x];
          const j = members[y];
          // A pair that shares several chunks is compared once: at the first chunk it shares.
          if (c > 0 && sharesEarlier(keys[i], keys[j], c)) continue;
          yield [i, j];
        }
  }
}

function sharesEarlier(a: number[], b: number[], c: number): boolean {
  for (let k = 0; k < c; k++) if (a[k] === b[k]) return true;
  return false;
}

/** A hash as its high and low 32 bits. */
function toWords(hash: string): [number, number] {
  return [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8, 16), 16) >>> 0];
}

/** m chunks of 64 bits as [start, end) bit ranges, sizes differing by at most one. */
export function chunkBounds(m: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let c = 0; c < m; c++) {
    const end = start + Math.floor(64 / m) + (c < 64 % m ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

/** Bits [a, b) of a hash (bit 0 = most significant), as a number; b - a <= 32. */
function chunkOf(words: [number, number], a: number, b: number): number {
  let v = 0;
  for (let bit = a; bit < b; bit++) v = v * 2 + ((bit < 32 ? words[0] >>> (31 - bit) : words[1] >>> (63 - bit)) & 1);
  return v;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller index is the root: a group's root is its first member.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}
