/**
 * Embeddings of a store's files on disk: one file per model beside the store
 * (`<store>.emb/<fnv64 of the model key>.i8`, core/similar/file.ts). The batch appends the vectors of the
 * rows it writes; "more like this" reads them. Losing the last records in a crash costs only those
 * images' neighbours (they come back when the file is scored again), so appends are not fsynced.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fnv64, modelKey } from '../../core/batch/keys';
import type { ModelRef } from '../../core/batch/types';
import {
  decodeEmbeddings,
  embeddingHeader,
  embeddingRecords,
  EMBEDDING_HEADER_BYTES,
  type EmbeddingSet,
} from '../../core/similar/file';

export function embeddingPath(store: string, m: ModelRef): string {
  return join(`${store}.emb`, `${fnv64(modelKey(m))}.i8`);
}

export async function appendEmbeddings(
  store: string,
  m: ModelRef,
  items: readonly { hash: string; vector: readonly number[] }[],
): Promise<void> {
  if (items.length === 0) return;
  const dim = items[0].vector.length;
  const path = embeddingPath(store, m);
  await fsp.mkdir(`${store}.emb`, { recursive: true });
  const fh = await fsp.open(path, 'a+');
  try {
    const size = (await fh.stat()).size;
    if (size < EMBEDDING_HEADER_BYTES) {
      await fh.truncate(0);
      await fh.write(embeddingHeader(dim), 0, EMBEDDING_HEADER_BYTES, 0);
    } else {
      const head = new Uint8Array(EMBEDDING_HEADER_BYTES);
      await fh.read(head, 0, EMBEDDING_HEADER_BYTES, 0);
      const have = new DataView(head.buffer).getUint32(8, true);
      // A model whose tap changed is a new model version, so this only guards against a foreign file.
      if (have !== dim) throw new Error(`${path} holds vectors of ${have} values, not ${dim}`);
      // A torn last record is cut so that the new ones line up.
      const whole = EMBEDDING_HEADER_BYTES + Math.floor((size - EMBEDDING_HEADER_BYTES) / (32 + dim)) * (32 + dim);
      if (whole !== size) await fh.truncate(whole);
    }
    const bytes = embeddingRecords(items, dim);
    await fh.appendFile(bytes);
  } finally {
    await fh.close();
  }
}

/** The model's embeddings, or undefined when none were written. */
export async function loadEmbeddings(store: string, m: ModelRef): Promise<EmbeddingSet | undefined> {
  const bytes = await fsp.readFile(embeddingPath(store, m)).catch(() => undefined);
  if (!bytes) return undefined;
  return decodeEmbeddings(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
