/**
 * The embeddings file beside a results store, one per model (docs/results-store.md): 16 bytes of header
 * (magic "XAEMB001", u32 little-endian dimension, u32 zero), then records of 32 bytes of SHA-256 (the
 * file content's hash, as in the rows) and `dim` int8 values. Append-only; a torn last record (a crash
 * mid-append) is ignored; a content appended again replaces its earlier record.
 */
const MAGIC = 'XAEMB001';
export const EMBEDDING_HEADER_BYTES = 16;

export function embeddingHeader(dim: number): Uint8Array {
  const out = new Uint8Array(EMBEDDING_HEADER_BYTES);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(8, dim, true);
  return out;
}

export function embeddingRecords(
  items: readonly { hash: string; vector: ArrayLike<number> }[],
  dim: number,
): Uint8Array {
  const rec = 32 + dim;
  const out = new Uint8Array(items.length * rec);
  items.forEach((it, k) => {
    if (!/^[0-9a-f]{64}$/.test(it.hash)) throw new Error(`not a SHA-256 hash: ${it.hash}`);
    if (it.vector.length !== dim) throw new Error(`an embedding of ${it.vector.length} values in a file of ${dim}`);
    for (let i = 0; i < 32; i++) out[k * rec + i] = parseInt(it.hash.slice(2 * i, 2 * i + 2), 16);
    const v = new Int8Array(out.buffer, k * rec + 32, dim);
    for (let i = 0; i < dim; i++) v[i] = it.vector[i];
  });
  return out;
}

export interface EmbeddingSet {
  dim: number;
  /** Content hash of each vector, in order. */
  hashes: string[];
  /** The vectors back to back (hashes.length x dim). */
  vectors: Int8Array;
  indexOf: Map<string, number>;
}

export function decodeEmbeddings(bytes: Uint8Array): EmbeddingSet {
  if (bytes.length < EMBEDDING_HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new Error('not an embeddings file');
  const dim = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (dim < 1 || dim > 65536) throw new Error(`embeddings file with ${dim} values per vector`);
  const rec = 32 + dim;
  const n = Math.floor((bytes.length - EMBEDDING_HEADER_BYTES) / rec);
  const indexOf = new Map<string, number>();
  const hashes: string[] = [];
  const vectors = new Int8Array(n * dim);
  for (let k = 0; k < n; k++) {
    const o = EMBEDDING_HEADER_BYTES + k * rec;
    let h = '';
    for (let i = 0; i < 32; i++) h += bytes[o + i].toString(16).padStart(2, '0');
    const v = new Int8Array(bytes.buffer, bytes.byteOffset + o + 32, dim);
    const at = indexOf.get(h);
    const slot = at ?? hashes.length;
    vectors.set(v, slot * dim);
    if (at === undefined) {
      indexOf.set(h, slot);
      hashes.push(h);
    }
  }
  return { dim, hashes, vectors: vectors.subarray(0, hashes.length * dim), indexOf };
}
