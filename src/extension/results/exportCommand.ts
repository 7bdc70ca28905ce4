/**
 * Export of a results panel: CSV / JSON of scores, flags and labels, Label Studio tasks with predictions,
 * the HTML summary report, and copy or move of the selected images to a folder (transferCommand.ts). The
 * formats are core's (src/core/export); this file gathers the panel's data and does the dialogs and the file I/O.
 */
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { exportCsv, exportJson, type ExportData, type ExportRecord } from '../../core/export/records';
import { exportLabelStudio, LABEL_STUDIO_CONFIG } from '../../core/export/labelStudio';
import { reportHtml } from '../../core/export/report';
import type { RowMark } from '../../protocol/results';
import { writeFileAtomic } from '../labels/atomicFile';
import type { ResultsPanel } from './panel';
import { copyOrMove, type TransferDeps } from './transferCommand';

export type ExportFormat = 'csv' | 'json' | 'labelStudio' | 'report' | 'copy' | 'move';

export interface ExportRequest {
  /** Rows in the panel's order (all rows when exporting by command without a webview order). */
  rows: number[];
  selected: number[];
  thresholds: number[];
  /** Model column of the report. */
  model?: number;
}

export function exportData(
  panel: ResultsPanel,
  req: ExportRequest,
  marks: readonly RowMark[],
  rootInWorkspace: string,
  labelSet: string | undefined,
): ExportData {
  const idx = panel.index;
  const byRow = new Map(marks.map((m) => [m[0], m]));
  const models = panel.models.map((m, i) => ({
    key: m.key,
    id: m.id,
    version: m.version,
    threshold: req.thresholds[i] ?? 0.5,
  }));
  const records: ExportRecord[] = req.rows
    .filter((r) => idx.paths[r] !== undefined)
    .map((row) => {
      const mark = byRow.get(row);
      const truth = idx.labels[row];
      return {
        path: idx.paths[row],
        label: mark?.[1] ?? undefined,
        note: mark?.[2] ?? undefined,
        truth: truth === -1 ? undefined : truth,
        scores: models.map((m, col) => {
          const c = idx.cell(row, col);
          const raw = c?.[2] ?? undefined;
          const normalized = c?.[3] ?? undefined;
          return {
            raw,
            normalized,
            flagged: normalized !== undefined && normalized >= m.threshold,
            error: c?.[4] ?? undefined,
          };
        }),
      };
    });
  return { root: panel.source.root, rootInWorkspace, labelSet, models, records };
}

/** Asks for the format (unless given) and the target (unless given), then writes. Resolves to the target. */
export async function runExport(
  panel: ResultsPanel,
  data: () => ExportData,
  req: ExportRequest,
  format?: ExportFormat,
  target?: string,
  log?: (m: string) => void,
  transfer: TransferDeps = { log },
): Promise<string | undefined> {
  format ??= await pickFormat(req.selected.length);
  if (!format) return undefined;
  if (format === 'copy' || format === 'move') {
    const paths = req.selected.map((r) => panel.index.paths[r]).filter((p): p is string => p !== undefined);
    if (!paths.length)
      log?.(`${format}: no selected image of ${basename(panel.source.root)} (${req.selected.length} rows)`);
    return copyOrMove(panel.source.root, paths, format, transfer, target);
  }
  const ext = { csv: 'csv', json: 'json', labelStudio: 'json', report: 'html' }[format];
  const name = `${basename(panel.source.root)}-${format === 'labelStudio' ? 'label-studio' : format === 'report' ? 'report' : 'results'}.${ext}`;
  if (!target) {
    const picked = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(panel.source.root, '..', name)),
      filters: { [ext.toUpperCase()]: [ext] },
      title: vscode.l10n.t('Export results of {0}', basename(panel.source.root)),
    });
    if (!picked) return undefined;
    target = picked.fsPath;
  }
  const d = data();
  let text: string;
  if (format === 'csv') text = exportCsv(d);
  else if (format === 'json') text = exportJson(d);
  else if (format === 'labelStudio') {
    text = JSON.stringify(exportLabelStudio(d), null, 1);
    // The labelling config that reads these tasks, beside them.
    await writeFileAtomic(target.replace(/\.json$/i, '') + '.config.xml', LABEL_STUDIO_CONFIG + '\n');
  } else text = reportHtml(d, await reportOptions(panel, d, req));
  await writeFileAtomic(target, text);
  log?.(`Exported ${d.records.length} images of ${basename(panel.source.root)} as ${format} to ${target}`);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Exported {0} images to {1}', d.records.length, basename(target)),
  );
  return target;
}

async function pickFormat(selected: number): Promise<ExportFormat | undefined> {
  const items: (vscode.QuickPickItem & { format: ExportFormat })[] = [
    { label: vscode.l10n.t('CSV'), description: vscode.l10n.t('scores, flags, labels'), format: 'csv' },
    { label: vscode.l10n.t('JSON'), description: vscode.l10n.t('scores, flags, labels'), format: 'json' },
    {
      label: vscode.l10n.t('Label Studio predictions'),
      description: vscode.l10n.t('tasks with model_version and score, and the labelling config'),
      format: 'labelStudio',
    },
    {
      label: vscode.l10n.t('HTML report'),
      description: vscode.l10n.t('histogram, ROC/PR, flagged thumbnails; one file'),
      format: 'report',
    },
  ];
  if (selected)
    items.push(
      { label: vscode.l10n.t('Copy {0} selected images to a folder...', selected), format: 'copy' },
      { label: vscode.l10n.t('Move {0} selected images to a folder...', selected), format: 'move' },
    );
  return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Export') }))?.format;
}

async function reportOptions(panel: ResultsPanel, d: ExportData, req: ExportRequest) {
  const model = req.model ?? 0;
  const flagged = d.records
    .filter((r) => r.scores[model]?.flagged)
    .sort((a, b) => (b.scores[model].raw ?? 0) - (a.scores[model].raw ?? 0))
    .slice(0, 12);
  const thumbnails = new Map<string, string>();
  for (const r of flagged) {
    const row = panel.index.rowOf(r.path);
    const file = row === undefined ? undefined : panel.thumbFiles.get(row);
    if (!file) continue;
    const bytes = await fsp.readFile(file).catch(() => undefined);
    const mime = extname(file).toLowerCase() === '.png' ? 'image/png' : 'image/jpeg';
    if (bytes) thumbnails.set(r.path, `data:${mime};base64,${bytes.toString('base64')}`);
  }
  return {
    model,
    title: vscode.l10n.t('Anomaly review of {0}', basename(panel.source.root)),
    thumbnails,
    generatedAt: new Date().toISOString(),
  };
}
