/**
 * "Threshold from Labels": a model column's threshold for one folder, from the scores of the images the
 * user labelled normal there (core/labels/threshold: the quantile at the fit's own false-alarm rate, with a
 * bootstrap interval; refused below 10 normals). Stored as a per-folder override in
 * .xray-anomaly/thresholds.json of the workspace folder (the model file is never rewritten) and applied to
 * the panel, now and whenever the panel opens again.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitFalseAlarm, thresholdFromNormals, type ThresholdFromLabels } from '../../core/labels/threshold';
import type { ModelInfo } from '../../core/model/manifest';
import { parseManifest } from '../../core/model/validate';
import { normalizeWith } from '../../core/scoring/calibration';
import type { RowMark } from '../../protocol/results';
import { readTextIfExists, writeFileAtomic } from '../labels/atomicFile';
import type { ResultsPanel } from './panel';

export interface ThresholdOverride extends ThresholdFromLabels {
  /** The override on the panel's normalised scale (0.5 = the model's own threshold). */
  normalized: number;
  labelSet: string;
  at: string;
}

interface OverridesFile {
  version: 1;
  /** By scored folder (workspace-relative, '' for the workspace folder), then by model key (id@version). */
  folders: Record<string, Record<string, ThresholdOverride>>;
}

export const THRESHOLDS_FILE = '.xray-anomaly/thresholds.json';

export function overridesPath(workspaceFolder: string): string {
  return join(workspaceFolder, ...THRESHOLDS_FILE.split('/'));
}

export async function readOverrides(workspaceFolder: string): Promise<OverridesFile> {
  const text = await readTextIfExists(overridesPath(workspaceFolder));
  try {
    const v = text ? (JSON.parse(text) as OverridesFile) : undefined;
    if (v && v.version === 1 && typeof v.folders === 'object' && v.folders) return v;
  } catch {
    // An unreadable file is not overwritten silently: the caller reports it when writing.
  }
  return { version: 1, folders: {} };
}

/** Computes the threshold for a column from the rows labelled normal; asks to apply it unless `apply` is given. */
export async function recalibrate(
  panel: ResultsPanel,
  col: number,
  model: ModelInfo,
  marks: readonly RowMark[],
  where: { workspaceFolder: string; rootInWorkspace: string; labelSet: string },
  apply?: boolean,
): Promise<ThresholdOverride | undefined> {
  const cal = parseManifest(readFileSync(model.manifestPath, 'utf8'), model.manifestPath).calibration;
  const normals: number[] = [];
  for (const [row, label, , status] of marks) {
    if (label !== 'normal' || status !== 'ok') continue;
    const raw = panel.index.cell(row, col)?.[2];
    if (raw !== null && raw !== undefined) normals.push(raw);
  }
  const far = fitFalseAlarm(cal);
  const r = thresholdFromNormals(normals, far, cal.threshold);
  if ('refused' in r) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No threshold from labels for {0}: {1}.', model.name, r.refused),
    );
    return undefined;
  }
  const normalized = normalizeWith(r.threshold, cal.threshold, cal.max - cal.min);
  const override: ThresholdOverride = { ...r, normalized, labelSet: where.labelSet, at: new Date().toISOString() };
  if (apply === undefined) {
    const yes = vscode.l10n.t('Use for This Folder');
    // An offer in a notification, not a modal dialog: the panel stays usable while the user weighs it (and VS Code
    // refuses modal dialogs under extension tests, so a modal could never be checked end to end).
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Threshold of {0} from {1} images labelled normal: {2} (95% interval {3} to {4}), keeping the fit’s {5}% false alarms; the model’s own threshold {6} flags {7}% of these normals.',
        model.name,
        r.normals,
        r.threshold.toPrecision(4),
        r.low.toPrecision(4),
        r.high.toPrecision(4),
        (far * 100).toFixed(1),
        cal.threshold.toPrecision(4),
        (r.flaggedAtModelThreshold * 100).toFixed(0),
      ) + (r.warning ? ` ${vscode.l10n.t('Note: {0}.', r.warning)}` : ''),
      yes,
    );
    apply = pick === yes;
  }
  if (!apply) return override;
  const file = await readOverrides(where.workspaceFolder);
  (file.folders[where.rootInWorkspace] ??= {})[`${model.id}@${model.version}`] = override;
  await writeFileAtomic(overridesPath(where.workspaceFolder), JSON.stringify(file, null, 1) + '\n');
  await panel.request('act', { action: 'setThreshold', model: col, threshold: normalized });
  return override;
}

/** Applies the folder's stored overrides to the panel's columns (on open and reload). */
export async function applyOverrides(panel: ResultsPanel, workspaceFolder: string, rootInWorkspace: string) {
  const file = await readOverrides(workspaceFolder);
  const byModel = file.folders[rootInWorkspace];
  if (!byModel) return;
  for (const [col, m] of panel.models.entries()) {
    const o = byModel[m.key];
    if (o && Number.isFinite(o.normalized))
      await panel.request('act', { action: 'setThreshold', model: col, threshold: o.normalized });
  }
}
