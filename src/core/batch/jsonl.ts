/**
 * Rows as JSON Lines: one self-contained JSON object per line, appended as rows are produced, readable
 * by any tool (jq, pandas.read_json(lines=True), DuckDB). After a crash at most the last line is torn;
 * `tailRepair` decides how to close it so the next append does not glue a new row onto a broken one.
 */
import { isQualityMeasures } from '../quality/types';
import type { BatchRow } from './types';

export function formatRow(r: BatchRow): string {
  return JSON.stringify(r) + '\n';
}

/**
 * A row from one parsed JSON line, or undefined when the line is not one. Records of the first CLI
 * format (no hash/prep/size) parse with empty hash and prep: they never match a current model key, so
 * they are shown but re-scored.
 */
export function toRow(v: unknown): BatchRow | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Partial<BatchRow>;
  if (typeof o.path !== 'string' || typeof o.modelId !== 'string' || typeof o.modelVersion !== 'string')
    return undefined;
  const row: BatchRow = {
    ...(o as BatchRow),
    prep: typeof o.prep === 'string' ? o.prep : '',
    hash: typeof o.hash === 'string' ? o.hash : '',
    size: typeof o.size === 'number' ? o.size : -1,
    mtimeMs: typeof o.mtimeMs === 'number' ? o.mtimeMs : -1,
    ms: typeof o.ms === 'number' ? o.ms : 0,
    at: typeof o.at === 'string' ? o.at : '',
  };
  if (o.score !== undefined && (typeof o.score !== 'object' || typeof o.score.raw !== 'number')) return undefined;
  // Quality measures are extra: malformed ones are dropped, the row is kept.
  if (o.quality !== undefined && !isQualityMeasures(o.quality)) delete row.quality;
  return row;
}

/**
 * The row as reading its line back gives it (toRow): malformed quality measures dropped. The store's
 * table and index keep this form, so a row reads the same from the log, the index and the writing run.
 */
export function asStored(r: BatchRow): BatchRow {
  if (r.quality === undefined || isQualityMeasures(r.quality)) return r;
  const copy = { ...r };
  delete copy.quality;
  return copy;
}

export interface ParsedRows {
  rows: BatchRow[];
  /** 1-based numbers of lines that were not rows (damage; a torn last line is repaired before parsing). */
  badLines: number[];
}

export function parseRows(text: string, firstLine = 1): ParsedRows {
  const rows: BatchRow[] = [];
  const badLines: number[] = [];
  let start = 0;
  let line = firstLine;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      let row: BatchRow | undefined;
      try {
        row = toRow(JSON.parse(text.slice(start, end)));
      } catch {
        row = undefined;
      }
      if (row) rows.push(row);
      else if (text.slice(start, end).trim()) badLines.push(line);
    }
    start = end + 1;
    line++;
  }
  return { rows, badLines };
}

/**
 * What to do with the bytes after the last newline of a store: nothing when there are none; close the
 * line when it is a complete row whose newline was lost; cut it off when it is a torn row (its file is
 * scored again on the next run, so nothing is lost and nothing duplicated).
 */
export function tailRepair(tail: string): 'none' | 'close' | 'truncate' {
  if (tail.length === 0) return 'none';
  try {
    return toRow(JSON.parse(tail)) ? 'close' : 'truncate';
  } catch {
    return 'truncate';
  }
}
