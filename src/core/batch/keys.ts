/**
 * Keys of the results store. `modelKey` names one model as it scores (id, version, preprocessing);
 * `rowKey` names a table cell (file path x model key); `resultKey` names a result that may be re-used
 * (content hash x model key).
 */
import type { BatchRow, ModelRef } from './types';

/**
 * Bumped when the product's preprocessing code changes in a way that changes tensors for the same
 * manifest: every preprocessing hash changes with it, so old rows are re-scored, not trusted.
 */
export const PREPROCESSING_IMPLEMENTATION = 1;

export function modelKey(m: ModelRef): string {
  return `${m.id}@${m.version}#${m.prep}`;
}

export function rowModelKey(r: Pick<BatchRow, 'modelId' | 'modelVersion' | 'prep'>): string {
  return `${r.modelId}@${r.modelVersion}#${r.prep}`;
}

export function rowKey(r: Pick<BatchRow, 'path' | 'modelId' | 'modelVersion' | 'prep'>): string {
  return `${rowModelKey(r)}\u0000${r.path}`;
}

export function resultKey(hash: string, m: ModelRef): string {
  return `${modelKey(m)}\u0000${hash}`;
}

/** JSON with object keys sorted at every level, so equal specs hash equally whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** 64-bit FNV-1a over UTF-16 code units, as 16 hex digits: stable across machines and Node versions. */
export function fnv64(s: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** What decides the tensors a model sees: its input block and its preprocessing spec (and our implementation of it). */
export function preprocessingHash(manifest: { input: unknown; preprocessing: unknown }): string {
  return fnv64(
    canonicalJson({ impl: PREPROCESSING_IMPLEMENTATION, input: manifest.input, preprocessing: manifest.preprocessing }),
  );
}
