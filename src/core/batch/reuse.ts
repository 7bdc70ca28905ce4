/**
 * Results found by content: a file moved, renamed or copied has the content hash of a stored row, and a
 * row's score depends only on its content, the model and the preprocessing (the result key). So a file
 * the plan would score is first hashed when its size is that of some stored result; each model that has
 * a result for that hash gets a copy of it under the new path, and the file is scored only for the others.
 */
import type { PlanItem } from './plan';
import type { ResultTable } from './table';
import type { BatchRow, ModelRef } from './types';

/**
 * The plan items worth hashing: no known hash yet (a stat change of a scored file is handled by the
 * engine's `knownHash`), and a size some stored result of a model they need has.
 */
export function reuseCandidates(items: readonly PlanItem[], table: ResultTable): PlanItem[] {
  if (!items.length) return [];
  const models = [
    ...new Map(items.flatMap((i) => i.models).map((m) => [`${m.id}@${m.version}#${m.prep}`, m])).values(),
  ];
  const sizes = table.scoredSizes(models);
  if (!sizes.size) return [];
  return items.filter((i) => !i.knownHash && sizes.has(i.size));
}

/**
 * The rows a file of content `hash` gets from stored results (one per model that has one), and the models
 * it must still be scored by.
 */
export function reusedRows(
  item: PlanItem,
  hash: string,
  table: ResultTable,
  at: string,
): { rows: BatchRow[]; rest: ModelRef[] } {
  const rows: BatchRow[] = [];
  const rest: ModelRef[] = [];
  for (const m of item.models) {
    const found = table.byContent(hash, m);
    if (!found) {
      rest.push(m);
      continue;
    }
    // The stored result (byContent finds successful rows only) under this file's path and stat; `ms` 0:
    // nothing was computed for it.
    rows.push({ ...found, path: item.path, size: item.size, mtimeMs: item.mtimeMs, ms: 0, at });
  }
  return { rows, rest };
}
