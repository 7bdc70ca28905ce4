/**
 * Which rows the table shows and in which order, from the table and the panel's query: pure, so sorting
 * and filtering are unit-tested without a DOM. Rows without a score for the query's model sort after the
 * scored ones whichever the direction (a streaming run fills them in); ties fall back to the path, so an
 * order is the same every time.
 */
import type { FlagFilter, QualityFilter, ResultsQuery, SortKey } from '../../protocol/results';
import { QUALITY_FILTERS } from './quality';
import type { RowTable } from './rows';

export const DEFAULT_QUERY: ResultsQuery = {
  model: 0,
  sort: { key: 'raw', descending: true },
  text: '',
  folder: '',
  flag: 'all',
};

const SORT_KEYS = (): SortKey[] => ['path', ...(Object.keys(SORTS) as SortKey[])];
const FLAGS: FlagFilter[] = ['all', 'flagged', 'unflagged', 'errors'];

/** A query read back from saved state or a message, every field checked; `models` bounds the model column. */
export function sanitizeQuery(raw: unknown, models: number): ResultsQuery {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const sort = (typeof r.sort === 'object' && r.sort !== null ? r.sort : {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const model = num(r.model);
  const quality = QUALITY_FILTERS.includes(r.quality as QualityFilter) ? (r.quality as QualityFilter) : 'all';
  return {
    model: model !== undefined && Number.isInteger(model) && model >= 0 && model < Math.max(1, models) ? model : 0,
    sort: {
      key: SORT_KEYS().includes(sort.key as SortKey) ? (sort.key as SortKey) : DEFAULT_QUERY.sort.key,
      descending: typeof sort.descending === 'boolean' ? sort.descending : DEFAULT_QUERY.sort.descending,
    },
    text: typeof r.text === 'string' ? r.text.slice(0, 500) : '',
    folder: typeof r.folder === 'string' ? r.folder : '',
    flag: FLAGS.includes(r.flag as FlagFilter) ? (r.flag as FlagFilter) : 'all',
    min: num(r.min),
    max: num(r.max),
    ...(quality !== 'all' ? { quality } : {}),
  };
}

/** Is the row at or above the model's threshold (normalised score)? Unscored rows are not flagged. */
export function isFlagged(table: RowTable, row: number, model: number, threshold: number): boolean {
  const v = table.normalized[model][row];
  return v >= threshold; // NaN compares false
}

/** Rows the query lets through, in its order. */
export function runQuery(
  table: RowTable,
  q: ResultsQuery,
  thresholds: readonly number[],
  ranks?: PathRanks,
): Uint32Array {
  const m = Math.min(q.model, table.modelCount - 1);
  const t = thresholds[m] ?? 0.5;
  const text = q.text.trim().toLowerCase();
  const norm = table.normalized[m];
  const out = new Uint32Array(table.size);
  let n = 0;
  // Lower-cased paths are kept for the next search; none are made while there is no text.
  const lower = text ? ranks?.lower(table) : undefined;
  for (let row = 0; row < table.size; row++) {
    if (q.folder && table.folders[row] !== q.folder && !table.folders[row].startsWith(q.folder + '/')) continue;
    if (text && !(lower ? lower[row] : table.paths[row].toLowerCase()).includes(text)) continue;
    const v = norm[row];
    if (q.flag === 'flagged' && !(v >= t)) continue;
    if (q.flag === 'unflagged' && !(v < t)) continue;
    if (q.flag === 'errors' && table.anyError(row) === undefined) continue;
    if (q.min !== undefined && !(v >= q.min)) continue;
    if (q.max !== undefined && !(v <= q.max)) continue;
    if (q.quality && q.quality !== 'all' && !table.quality.passes(row, q.quality)) continue;
    out[n++] = row;
  }
  const rows = out.subarray(0, n);
  sortRows(table, rows, q.sort.key, q.sort.descending, m, t, () => (ranks ?? new PathRanks()).ranks(table));
  return rows;
}

/**
 * How each sort key (but the path) orders rows: a number per row (NaN: no value, sorted last whichever the
 * direction), then by score within equal values when `thenByScore`, then by path. A new sortable column is
 * one entry here (and its key in the protocol's SortKey).
 */
export const SORTS: Record<Exclude<SortKey, 'path'>, SortSpec> = {
  // Raw and normalised keep the same order; raw has no clamped ties.
  raw: { value: (t, row, m) => t.raw[m][row] },
  normalized: { value: (t, row, m) => t.raw[m][row] },
  // Flagged before unflagged (descending), each group by score.
  flag: {
    value: (t, row, m, threshold) => (Number.isNaN(t.raw[m][row]) ? NaN : isFlagged(t, row, m, threshold) ? 1 : 0),
    thenByScore: true,
  },
  error: { value: (t, row) => (t.anyError(row) !== undefined ? 1 : 0), thenByScore: true },
  label: { value: (t, row) => (t.labels[row] < 0 ? NaN : t.labels[row]), thenByScore: true },
  // Duplicate groups together, then other flagged rows (see QualityTable.sortKey); then by path.
  quality: { value: (t, row) => t.quality.sortKey(row) },
};

export interface SortSpec {
  value(table: RowTable, row: number, model: number, threshold: number): number;
  thenByScore?: boolean;
}

function sortRows(
  table: RowTable,
  rows: Uint32Array,
  key: SortKey,
  descending: boolean,
  model: number,
  threshold: number,
  pathRanks: () => Uint32Array,
): void {
  const dir = descending ? -1 : 1;
  if (key === 'path') {
    const rank = pathRanks();
    rows.sort((a, b) => dir * (rank[a] - rank[b]));
    return;
  }
  // Ties (rare on scores; every pending row while a run streams) fall back to the path, compared directly:
  // ranking all 100,000 paths first would cost more than the sort.
  const p = table.paths;
  // One numeric key per row; NaN (no value) always last.
  const keyOf = new Float64Array(table.size);
  const raw = table.raw[model];
  const spec = SORTS[key];
  for (const row of rows) keyOf[row] = spec.value(table, row, model, threshold);
  const secondary = spec.thenByScore ? raw : undefined;
  rows.sort((a, b) => {
    const ka = keyOf[a];
    const kb = keyOf[b];
    const na = Number.isNaN(ka);
    const nb = Number.isNaN(kb);
    if (na !== nb) return na ? 1 : -1;
    if (!na && ka !== kb) return dir * (ka - kb);
    if (secondary) {
      const sa = secondary[a];
      const sb = secondary[b];
      const xa = Number.isNaN(sa);
      const xb = Number.isNaN(sb);
      if (xa !== xb) return xa ? 1 : -1;
      if (!xa && sa !== sb) return dir * (sa - sb);
    }
    const pa = p[a];
    const pb = p[b];
    return pa < pb ? -1 : pa > pb ? 1 : a - b;
  });
}

/**
 * Each row's rank in path order and its lower-cased path, computed once per table size (rows are only
 * added), so that re-sorting and text filtering do not compare or lower-case 100,000 strings each time.
 */
export class PathRanks {
  private forSize = -1;
  private rank = new Uint32Array(0);
  private lowered: string[] = [];

  ranks(table: RowTable): Uint32Array {
    if (this.forSize !== table.size) {
      const order = Array.from({ length: table.size }, (_, i) => i);
      const p = table.paths;
      order.sort((a, b) => (p[a] < p[b] ? -1 : p[a] > p[b] ? 1 : a - b));
      this.rank = new Uint32Array(table.size);
      order.forEach((row, i) => (this.rank[row] = i));
      this.forSize = table.size;
    }
    return this.rank;
  }

  lower(table: RowTable): string[] {
    for (let i = this.lowered.length; i < table.size; i++) this.lowered.push(table.paths[i].toLowerCase());
    return this.lowered;
  }
}

/** Rows at or above the threshold among all rows (not only the filtered ones), for the model column. */
export function flaggedCount(table: RowTable, model: number, threshold: number): number {
  const norm = table.normalized[model];
  let n = 0;
  for (let i = 0; i < table.size; i++) if (norm[i] >= threshold) n++;
  return n;
}
