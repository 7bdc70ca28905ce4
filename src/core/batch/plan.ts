/**
 * Which files a run must read, and for which models. A file whose size and modification time match
 * its row for a model is skipped without being read. A file whose stat changed is read and hashed: if
 * its content hash still matches the rows of every model it needs, those rows are refreshed without
 * inference (`knownHash`); otherwise it is scored. New models and new files are scored; failed rows
 * are retried when the failure was the engine's (crash, timeout, cancel) or when asked to.
 */
import type { ResultTable } from './table';
import type { BatchRow, ModelRef } from './types';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface PlanItem extends ScannedFile {
  /** Models that need this file (never empty). */
  models: ModelRef[];
  /** Content hash every one of those models already has a successful row for (stat changed only). */
  knownHash?: string;
}

export type PlanReason = 'new' | 'changed' | 'retry' | 'newModel';

export interface BatchPlan {
  items: PlanItem[];
  /** Files scanned, and (file x model) cells already up to date. */
  files: number;
  upToDate: number;
  /** Cells to (re)compute, by why. */
  reasons: Record<PlanReason, number>;
}

/** Errors that say nothing about the file: always worth another try. */
export const TRANSIENT_ERRORS = new Set(['ENGINE_CRASHED', 'ENGINE_TIMEOUT', 'CANCELLED']);

export interface PlanOptions {
  /** Also retry rows that failed for file reasons (corrupt, unsupported...). */
  rescoreErrors?: boolean;
}

export function planBatch(
  files: readonly ScannedFile[],
  table: ResultTable,
  models: readonly ModelRef[],
  opts: PlanOptions = {},
): BatchPlan {
  const reasons: Record<PlanReason, number> = { new: 0, changed: 0, retry: 0, newModel: 0 };
  const items: PlanItem[] = [];
  let upToDate = 0;
  for (const f of files) {
    const need: ModelRef[] = [];
    const hashes = new Set<string>();
    let allHaveScore = true;
    let seenBefore = false;
    for (const m of models) {
      const row = table.get(f.path, m);
      const why = rowVerdict(row, f, opts);
      if (row) seenBefore = true;
      if (why === 'ok') {
        upToDate++;
        continue;
      }
      need.push(m);
      if (why === 'changed' && row?.score && row.hash) hashes.add(row.hash);
      else allHaveScore = false;
      reasons[why === 'missing' ? 'new' : why]++;
    }
    if (need.length === 0) continue;
    // A model missing for a file that other models have seen is a new model, not a new file.
    if (seenBefore) {
      const asNew = need.filter((m) => !table.get(f.path, m)).length;
      reasons.new -= asNew;
      reasons.newModel += asNew;
    }
    items.push({ ...f, models: need, ...(allHaveScore && hashes.size === 1 ? { knownHash: [...hashes][0] } : {}) });
  }
  return { items, files: files.length, upToDate, reasons };
}

function rowVerdict(
  row: BatchRow | undefined,
  f: ScannedFile,
  opts: PlanOptions,
): 'ok' | 'missing' | 'changed' | 'retry' {
  if (!row) return 'missing';
  if (row.size !== f.size || row.mtimeMs !== f.mtimeMs) return 'changed';
  if (row.error && (opts.rescoreErrors || TRANSIENT_ERRORS.has(row.error.code))) return 'retry';
  return 'ok';
}
