/** What the panel shows, summarised for `getReport` (tests and diagnostics ask the webview, not the host). */
import type { ResultsReport } from '../../protocol/results';
import { histogram } from './histogram';
import { flaggedCount, isFlagged } from './query';
import { runStatusText } from './runStatus';
import type { PanelState } from './state';

export function buildReport(s: PanelState, rendered: number, firstRowText?: string[]): ResultsReport {
  const view = s.view;
  const m = s.query.model;
  const t = s.thresholds[m] ?? 0.5;
  const top: ResultsReport['top'] = [];
  for (let i = 0; i < Math.min(50, view.length); i++) {
    const row = view[i];
    const raw = s.table.raw[m][row];
    const norm = s.table.normalized[m][row];
    const mark = s.marks.get(row);
    const q = s.table.quality;
    const group = q.known ? q.groupOf(row) : undefined;
    top.push({
      row,
      path: s.table.paths[row],
      raw: Number.isNaN(raw) ? null : raw,
      normalized: Number.isNaN(norm) ? null : norm,
      flagged: isFlagged(s.table, row, m, t),
      error: s.table.anyError(row) ?? null,
      ...(mark?.label ? { mark: mark.label } : {}),
      ...(mark?.note ? { note: mark.note } : {}),
      ...(q.known ? { quality: q.flagsOf(row) } : {}),
      ...(group !== undefined ? { group } : {}),
    });
  }
  const h = histogram(s.table, m, 40);
  return {
    rows: s.table.size,
    visible: view.length,
    top,
    query: s.query,
    thresholds: [...s.thresholds],
    flagged: flaggedCount(s.table, m, t),
    errors: s.table.errorCount(),
    selected: [...s.selection].map((r) => s.table.paths[r]),
    histogram: { bins: h.all.length, total: h.total },
    metrics: s.metrics.map((x) => ({ model: x.model, rocAuc: x.rocAuc, averagePrecision: x.averagePrecision })),
    progress: s.progress,
    progressText: s.progress && runStatusText(s.progress),
    rendered,
    firstRowText,
    timeline: { ...s.timeline },
    labels: s.marks.set ? { ...s.marks.set, counts: s.marks.counts() } : undefined,
    quality: s.table.quality.known ? s.table.quality.counts() : undefined,
    similar: s.similar
      ? {
          anchor: s.similar.anchor,
          rows: s.similar.rows.length,
          ...(s.similar.message ? { message: s.similar.message } : {}),
        }
      : undefined,
    drift: driftOf(s),
  };
}

function driftOf(s: PanelState): ResultsReport['drift'] {
  const d = s.drift[s.query.model];
  return d ? { status: d.status, images: d.images, normals: d.normals?.count, text: d.text } : undefined;
}
