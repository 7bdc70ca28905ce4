/**
 * A computed embedding map on disk, so that reopening a folder shows it at once: 8 bytes of magic
 * "XAMAP001", u32 little-endian point count, u32 zero, 32 ASCII bytes of the cache key (key.ts), then the
 * points' x and y as float32 (little-endian), each array whole. The points are the key's contents in hash
 * order, so the hashes themselves are not stored. Anything that does not match (magic, key, count, length)
 * reads as no cache.
 */
const MAGIC = 'XAMAP001';
const HEADER = 8 + 4 + 4 + 32;

export function encodeMapCache(key: string, x: Float32Array, y: Float32Array): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(key)) throw new Error(`not a map cache key: ${key}`);
  if (x.length !== y.length) throw new Error('x and y of different lengths');
  const n = x.length;
  const out = new Uint8Array(HEADER + 8 * n);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, n, true);
  out.set(new TextEncoder().encode(key), 16);
  for (let i = 0; i < n; i++) {
    view.setFloat32(HEADER + 4 * i, x[i], true);
    view.setFloat32(HEADER + 4 * (n + i), y[i], true);
  }
  return out;
}

/** The map stored under `key` for `n` points, or undefined when the bytes hold another (or a damaged) one. */
export function decodeMapCache(
  bytes: Uint8Array,
  key: string,
  n: number,
): { x: Float32Array; y: Float32Array } | undefined {
  if (bytes.length !== HEADER + 8 * n) return undefined;
  const dec = new TextDecoder();
  if (dec.decode(bytes.subarray(0, 8)) !== MAGIC || dec.decode(bytes.subarray(16, HEADER)) !== key) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== n) return undefined;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = view.getFloat32(HEADER + 4 * i, true);
    y[i] = view.getFloat32(HEADER + 4 * (n + i), true);
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) return undefined;
  }
  return { x, y };
}
