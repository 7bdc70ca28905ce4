/**
 * Merging stores (shards of one run on several machines, or runs on several days): the latest row per
 * (file, model) wins, latest by its `at` time, and for equal times the later source. The result is
 * sorted by path, then model, so the same rows merge to the same bytes whatever order the shards came in.
 */
import { rowKey, rowModelKey } from './keys';
import type { BatchRow } from './types';

export function mergeRows(sources: Iterable<readonly BatchRow[]>): BatchRow[] {
  const latest = new Map<string, BatchRow>();
  for (const rows of sources)
    for (const r of rows) {
      const k = rowKey(r);
      const prev = latest.get(k);
      if (!prev || !(prev.at > r.at)) latest.set(k, r);
    }
  return [...latest.values()].sort(compareRows);
}

export function compareRows(a: BatchRow, b: BatchRow): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  const ma = rowModelKey(a);
  const mb = rowModelKey(b);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
