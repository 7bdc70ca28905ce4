/**
 * What an export holds, one record per image, whatever the format: the path, the user's label and note
 * (active label set), the ground truth when the folder has one, and per model column the raw and
 * normalised scores, the flag at the panel's threshold and the error. Pure; formats build on it.
 */
export interface ExportModel {
  /** `${id}@${version}` */
  key: string;
  id: string;
  version: string;
  /** The panel's threshold on the normalised score (0.5 = the model's calibrated threshold). */
  threshold: number;
}

export interface ExportRecord {
  /** Relative to the scored folder, '/' separators. */
  path: string;
  label?: 'normal' | 'abnormal' | 'unsure';
  note?: string;
  /** Ground truth: 1 anomalous, 0 normal. */
  truth?: 0 | 1;
  scores: { raw?: number; normalized?: number; flagged: boolean; error?: string }[];
}

export interface ExportData {
  /** The scored folder (absolute) and its path relative to the workspace folder. */
  root: string;
  rootInWorkspace: string;
  labelSet?: string;
  models: ExportModel[];
  records: ExportRecord[];
}

export function csvCell(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: path,label,note,truth, then per model <id>.score,<id>.normalized,<id>.flagged,<id>.error. */
export function exportCsv(d: ExportData): string {
  const head = ['path', 'label', 'note', 'truth'];
  for (const m of d.models) head.push(`${m.id}.score`, `${m.id}.normalized`, `${m.id}.flagged`, `${m.id}.error`);
  const lines = [head.map(csvCell).join(',')];
  for (const r of d.records) {
    const cells: (string | number | boolean | undefined)[] = [r.path, r.label, r.note, r.truth];
    r.scores.forEach((s) => cells.push(s.raw, s.normalized, s.raw === undefined ? undefined : s.flagged, s.error));
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/** JSON: the folder, the models with their thresholds, and the records (nulls where a value is missing). */
export function exportJson(d: ExportData): string {
  return JSON.stringify(
    {
      root: d.rootInWorkspace,
      labelSet: d.labelSet ?? null,
      models: d.models,
      images: d.records.map((r) => ({
        path: r.path,
        label: r.label ?? null,
        note: r.note ?? null,
        truth: r.truth ?? null,
        scores: Object.fromEntries(
          d.models.map((m, i) => {
            const s = r.scores[i];
            return [
              m.key,
              {
                raw: s.raw ?? null,
                normalized: s.normalized ?? null,
                flagged: s.raw === undefined ? null : s.flagged,
                error: s.error ?? null,
              },
            ];
          }),
        ),
      })),
    },
    null,
    1,
  );
}
