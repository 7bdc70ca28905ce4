/**
 * The quality inputs of a results store: one per file (a file has one row per model; its measures are
 * those of its content, the same in each). A file is unreadable when it could not be read or decoded.
 */
import type { BatchRow } from '../batch/types';
import type { QualityInput } from './flags';

/** The parts of a row the quality checks read. */
export type QualityRow = Pick<BatchRow, 'path' | 'quality'> & {
  hash?: string;
  error?: { message: string; stage?: string };
};

export function qualityInputs(rows: Iterable<QualityRow>): QualityInput[] {
  const byPath = new Map<string, QualityInput>();
  for (const r of rows) mergeQualityRow(byPath, r);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Folds one row into the inputs by path. Rows come in store order (a later row is a later run): a
 * file re-read with new content takes the new hash and measures.
 */
export function mergeQualityRow(byPath: Map<string, QualityInput>, r: QualityRow): void {
  let f = byPath.get(r.path);
  if (!f) byPath.set(r.path, (f = { path: r.path, hash: r.hash ?? '' }));
  if (r.hash && r.hash !== f.hash) {
    f.hash = r.hash;
    delete f.measures;
  }
  if (r.quality && !f.measures) f.measures = r.quality;
  const unreadable = r.error && (r.error.stage === 'read' || r.error.stage === 'decode');
  if (unreadable && f.unreadable === undefined && !f.measures) f.unreadable = r.error!.message;
  // A file that some model's row read after all (a later run) is not unreadable.
  if (f.measures) delete f.unreadable;
}
