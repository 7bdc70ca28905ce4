/**
 * A results panel's curation: the active label set's marks sent to the webview (again whenever the set
 * changes, here, in the viewer, in another window or on disk), the label keys' edits, the label set
 * picker, and the export and threshold-from-labels commands. One per panel, created by the controller.
 */
import * as vscode from 'vscode';
import { join, relative } from 'node:path';
import { Disposable } from '../../protocol/dispose';
import type { RowMark } from '../../protocol/results';
import type { LabelService, LabelTarget } from '../labels/labelService';
import { marksFor } from '../labels/marks';
import type { ModelInfo } from '../../core/model/manifest';
import { exportData, runExport, type ExportFormat, type ExportRequest } from './exportCommand';
import type { CurationMessage, ResultsPanel } from './panel';
import { applyOverrides, recalibrate, type ThresholdOverride } from './recalibrate';

export interface CurationDeps {
  labels: LabelService;
  log?(message: string): void;
}

export class PanelCuration extends Disposable {
  private readonly folder?: vscode.WorkspaceFolder;
  private readonly prefix: string;
  /** What the webview was last sent, by row (changes only are sent after the first time). */
  private sent = new Map<number, string>();
  marks: RowMark[] = [];

  constructor(
    private readonly panel: ResultsPanel,
    private readonly models: readonly ModelInfo[],
    private readonly deps: CurationDeps,
  ) {
    super();
    this.folder = deps.labels.folderOf(vscode.Uri.file(panel.source.root));
    this.prefix = this.folder ? relative(this.folder.uri.fsPath, panel.source.root).split(/[\\/]/).join('/') : '';
    this._register(
      panel.onDidBecomeReady(() => {
        void this.refresh(true);
        if (this.folder)
          void applyOverrides(panel, this.folder.uri.fsPath, this.prefix).catch((err) =>
            deps.log?.(`Threshold overrides of ${panel.source.root}: ${String(err)}`),
          );
      }),
    );
    this._register(
      deps.labels.onDidChange((f) => {
        if (f === this.folder) void this.refresh(false);
      }),
    );
  }

  private rowsTimer?: ReturnType<typeof setTimeout>;
  /** The label keys' edits, one after the other. */
  private keys: Promise<unknown> = Promise.resolve();

  /** Rows were added (a run streams them): their marks too, at most twice a second. */
  rowsChanged(): void {
    if (this.rowsTimer) return;
    this.rowsTimer = setTimeout(() => {
      this.rowsTimer = undefined;
      void this.refresh(false);
    }, 500);
  }

  override dispose(): void {
    clearTimeout(this.rowsTimer);
    super.dispose();
  }

  handle(msg: CurationMessage): void {
    const run = () =>
      this.run(msg).catch((err) => vscode.window.showErrorMessage(vscode.l10n.t('Labelling failed: {0}', String(err))));
    // Label keys run in the order pressed: a label hashes its files before its edit is queued, so an undo
    // pressed right after it ("3 u") would otherwise overtake it and undo the step before.
    if (msg.type === 'label' || msg.type === 'note' || msg.type === 'undoLabel') this.keys = this.keys.then(run);
    else void run();
  }

  private async run(msg: CurationMessage): Promise<void> {
    const folder = this.folder;
    switch (msg.type) {
      case 'label':
        await this.deps.labels.label(this.targets(msg.params.rows), msg.params.label);
        return;
      case 'note':
        await this.deps.labels.note(this.targets(msg.params.rows));
        return;
      case 'undoLabel':
        if (folder && !(await this.deps.labels.undo(folder)))
          void vscode.window.setStatusBarMessage(vscode.l10n.t('Nothing to undo in this label set'), 2500);
        return;
      case 'chooseLabelSet':
        if (folder) await chooseLabelSet(this.deps.labels, folder);
        return;
      case 'export':
        await this.exportRows(msg.params);
        return;
      case 'recalibrate':
        await this.thresholdFromLabels(msg.params.model);
        return;
    }
  }

  /** Export (format and target asked for when not given); all rows in path order when `req` is not given. */
  async exportRows(
    req?: ExportRequest,
    format?: ExportFormat,
    target?: string,
    selectedPaths: string[] = [],
  ): Promise<string | undefined> {
    if (!req) {
      const report = await this.panel.request('getReport', {});
      const idx = this.panel.index;
      const rows = idx.paths.map((_, i) => i).sort((a, b) => (idx.paths[a] < idx.paths[b] ? -1 : 1));
      const selected = selectedPaths.map((p) => idx.rowOf(p)).filter((r): r is number => r !== undefined);
      req = { rows, selected, thresholds: report.thresholds, model: report.query.model };
    }
    await this.refresh(false);
    const set = this.folder ? this.deps.labels.activeSet(this.folder) : undefined;
    const r = req;
    return runExport(
      this.panel,
      () => exportData(this.panel, r, this.marks, this.prefix, set),
      r,
      format,
      target,
      this.deps.log,
      { log: this.deps.log, moveLabels: (moves) => this.deps.labels.moveLabels(moves) },
    );
  }

  /** Threshold of a model column from the rows labelled normal (asks before applying unless `apply` is given). */
  async thresholdFromLabels(col: number, apply?: boolean): Promise<ThresholdOverride | undefined> {
    const model = this.models[col];
    if (!this.folder || !model) return undefined;
    await this.refresh(false);
    return recalibrate(
      this.panel,
      col,
      model,
      this.marks,
      {
        workspaceFolder: this.folder.uri.fsPath,
        rootInWorkspace: this.prefix,
        labelSet: this.deps.labels.activeSet(this.folder),
      },
      apply,
    );
  }

  private targets(rows: number[]): LabelTarget[] {
    const idx = this.panel.index;
    return rows
      .filter((r) => idx.paths[r] !== undefined)
      .map((r) => ({
        uri: vscode.Uri.file(join(this.panel.source.root, ...idx.paths[r].split('/'))),
        sha256: idx.hashes[r] || undefined,
      }));
  }

  private async refresh(reset: boolean): Promise<void> {
    if (!this.folder || !this.panel.isReady) return;
    const f = await this.deps.labels.ready(this.folder);
    const idx = this.panel.index;
    this.marks = marksFor(f.entries, this.prefix, idx.paths, idx.hashes);
    const next = new Map(this.marks.map((m) => [m[0], JSON.stringify(m)]));
    let items = this.marks;
    if (!reset) {
      items = this.marks.filter((m) => this.sent.get(m[0]) !== next.get(m[0]));
      // Rows that lost their mark are sent without one.
      for (const row of this.sent.keys()) if (!next.has(row)) items.push([row, null, null, 'ok']);
    }
    this.sent = next;
    this.panel.sendMarks({ set: this.deps.labels.info(this.folder), reset, items });
  }
}

/** Quick pick of the folder's label sets, or a new one. */
export async function chooseLabelSet(labels: LabelService, folder: vscode.WorkspaceFolder): Promise<void> {
  const active = labels.activeSet(folder);
  const sets = await labels.sets(folder);
  const NEW = vscode.l10n.t('New label set...');
  const pick = await vscode.window.showQuickPick(
    [...sets.map((s) => ({ label: s, description: s === active ? vscode.l10n.t('active') : '' })), { label: NEW }],
    {
      title: vscode.l10n.t('Label set for {0}', folder.name),
      placeHolder: vscode.l10n.t('One set per person or task'),
    },
  );
  if (!pick) return;
  let name = pick.label;
  if (pick.label === NEW) {
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('New label set'),
      prompt: vscode.l10n.t('Letters, digits, ".", "_" and "-"; saved as .xray-anomaly/labels/<name>.csv'),
      validateInput: (v) =>
        /^[\w.-]{1,64}$/.test(v) ? undefined : vscode.l10n.t('Use letters, digits, ".", "_", "-"'),
    });
    if (!typed) return;
    name = typed;
  }
  await labels.setActive(folder, name);
}
