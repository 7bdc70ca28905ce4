/**
 * The quality inputs of a results store: one per file (a file has one row per model; its measures are
 * those of its content, the same in each). A file is unreadable when it could not be read or decoded.
 */
import type { BatchRow } from '../batch/types';
import type { QualityInput } from './flags';

export function qualityInputs(rows: Iterable<BatchRow>): QualityInput[] {
  const byPath = new Map<string, QualityInput>();
  for (const r of rows) {
    let f = byPath.get(r.path);
    if (!f) byPath.set(r.path, (f = { path: r.path, hash: r.hash }));
    if (r.hash && !f.hash) f.hash = r.hash;
    if (r.quality && !f.measures) f.measures = r.quality;
    const unreadable = r.error && (r.error.stage === 'read' || r.error.stage === 'decode');
    if (unreadable && f.unreadable === undefined) f.unreadable = r.error!.message;
  }
  // A file that some model's row read after all (a later run) is not unreadable.
  for (const f of byPath.values()) if (f.measures) delete f.unreadable;
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
