/**
 * What an embedding map is computed from, and the key it is cached under. A map is a function of the
 * model (its features), the set of contents it places (their SHA-256 hashes: a content's features never
 * change for one model version) and the layout's parameters and code version; not of the order the
 * store happened to write them in (the layout sorts by hash first). So the key is a hash of exactly those.
 */

export interface MapParams {
  /** UMAP's neighbourhood size and minimum distance (umap-js's nNeighbors, minDist). */
  neighbours: number;
  minDist: number;
  /** Seed of every random choice (sample, nearest-neighbour descent, initial layout, negative samples). */
  seed: number;
  /** Above this many points UMAP is fitted on a seeded sample of this size and the rest placed by its transform. */
  sample: number;
  /** Features are first reduced to this many principal components (umap-js's neighbour search is O(dim)). */
  components: number;
  /** Optimisation epochs of the fit (0: umap-js's default for the size). */
  epochs: number;
}

/** Bumped whenever the layout's code changes what it computes: old cache entries then miss. */
export const MAP_ALGORITHM_VERSION = 1;

export const DEFAULT_MAP_PARAMS: Readonly<MapParams> = Object.freeze({
  neighbours: 15,
  minDist: 0.1,
  seed: 20261207,
  sample: 5000,
  components: 32,
  epochs: 0,
});

/**
 * The cache key of a map (hex): model key (`id@version`), the contents (any order), the parameters.
 * 100,000 hashes are hashed in a few tens of ms; the key is compared, never trusted as a checksum.
 */
export function mapCacheKey(model: string, hashes: Iterable<string>, params: MapParams = DEFAULT_MAP_PARAMS): string {
  const sorted = [...new Set(hashes)].sort();
  const p = [
    MAP_ALGORITHM_VERSION,
    params.neighbours,
    params.minDist,
    params.seed,
    params.sample,
    params.components,
    params.epochs,
  ].join(',');
  return hash128(`${model}\n${p}\n${sorted.join('\n')}`);
}

/**
 * Four 32-bit FNV-1a lanes with different offsets, each finished with murmur3's mixer: 32 hex digits.
 * (core/batch/keys' fnv64 works on BigInts, some 50x slower on 6.5 million characters.)
 */
export function hash128(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let c = 0x1b873593;
  let d = 0x7feb352d;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193) ^ (b >>> 15);
    c = Math.imul(c ^ ch, 0x0100019d);
    d = Math.imul((d ^ ch) + i, 0x01000193);
  }
  const fmix = (h: number) => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, '0');
  };
  return fmix(a) + fmix(b) + fmix(c) + fmix(d);
}
