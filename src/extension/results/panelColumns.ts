/** Rows that arrive as objects (a run streaming them) seen as columns, so the panel has one way in. */
import type { PanelColumns, PanelRow } from './backend';

export function columnsOfRows(rows: readonly PanelRow[]): PanelColumns {
  const models: { id: string; version: string }[] = [];
  const modelOf = new Int32Array(rows.length);
  let last = -1;
  rows.forEach((r, k) => {
    // Rows come model by model: look the model up only when it changes.
    if (last < 0 || models[last].id !== r.modelId || models[last].version !== r.modelVersion) {
      last = models.findIndex((m) => m.id === r.modelId && m.version === r.modelVersion);
      if (last < 0) last = models.push({ id: r.modelId, version: r.modelVersion }) - 1;
    }
    modelOf[k] = last;
  });
  return {
    size: rows.length,
    models,
    model: (k) => modelOf[k],
    path: (k) => rows[k].path,
    hash: (k) => rows[k].hash ?? '',
    raw: (k) => rows[k].score?.raw ?? NaN,
    error: (k) => rows[k].error,
    thumb: (k) => rows[k].thumb,
    heatmap: (k) => rows[k].heatmap,
    quality: (k) => rows[k].quality,
  };
}

/** Row objects from columns, for the callers that want them (a few fields each: the drift needs path and score). */
export function rowsOfColumns(cols: PanelColumns): PanelRow[] {
  const out: PanelRow[] = new Array<PanelRow>(cols.size);
  for (let k = 0; k < cols.size; k++) {
    const m = cols.models[cols.model(k)];
    const raw = cols.raw(k);
    const r: PanelRow = { path: cols.path(k), modelId: m.id, modelVersion: m.version };
    if (raw === raw) r.score = { raw };
    else r.error = cols.error(k);
    out[k] = r;
  }
  return out;
}

/**
 * The scores a folder's drift reads, straight from the columns: every finite score, and those of the paths in
 * `normals` (folder-relative). No row object and no path key per row: 100,000 of those were the drift's cost.
 */
export function driftScores(
  cols: PanelColumns,
  normals: ReadonlySet<string>,
): { all: Float64Array; normals: number[] } {
  const all = new Float64Array(cols.size);
  const normalScores: number[] = [];
  let m = 0;
  for (let k = 0; k < cols.size; k++) {
    const raw = cols.raw(k);
    if (!Number.isFinite(raw)) continue;
    all[m++] = raw;
    if (normals.size && normals.has(cols.path(k))) normalScores.push(raw);
  }
  return { all: all.subarray(0, m), normals: normalScores };
}
