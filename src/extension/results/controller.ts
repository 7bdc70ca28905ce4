/**
 * The results feature's extension side: the "Score Folder..." command (folder and models chosen, a
 * cancellable progress notification with count, rate and ETA, rows streaming into the panel), one panel
 * per scored folder, the serializer that restores panels after a reload, and next/previous commands
 * that step the X-ray viewer through a panel's order.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ModelInfo } from '../../core/model/manifest';
import { parseManifest } from '../../core/model/validate';
import { Disposable, toDisposable } from '../../protocol/dispose';
import type { FrameProbeRequest, ResultsAction, ResultsModel, ResultsSource } from '../../protocol/results';
import type { Logger } from '../log';
import type { ModelService } from '../models';
import { RunStoppedError, type ResultsBackend, type RunProgressInfo } from './backend';
import { progressMessage } from './progressText';
import { stopCause, stoppedMessage } from './stopNotice';
import { ResultsPanel, RESULTS_VIEW_TYPE } from './panel';
import type { ColumnCalibration } from './rowIndex';
import { modelDescription } from '../modelOrigin';
import { PanelCuration, type CurationDeps } from './curation';
import type { ExportFormat } from './exportCommand';
import { showSimilar } from './similar';
import { answerNextConfirmation } from './transferCommand';
import { PanelMap } from '../embeddingMap/panelMap';
import type { FolderDriftService } from '../drift/folderDrift';

export const NAV_CONTEXT = 'xrayAnomaly.resultsNavigation';

export interface ResultsDeps {
  extensionUri: vscode.Uri;
  log: Logger;
  models: ModelService;
  backend: ResultsBackend;
  /** Opens a file in the X-ray viewer (the viewer picks the selected model). */
  openInViewer(uri: vscode.Uri): Thenable<unknown>;
  /** The engine process's pid, for tests that kill it mid-run (registered only with the engine test hooks). */
  enginePid?(): number | undefined;
  /** Labels, exports and the threshold from labels; the panel has none of them without it. */
  curation?: CurationDeps;
  /** The labelling keys are on in the viewer of an image opened from a panel. */
  allowLabelKeys?(uri: vscode.Uri): void;
  /** Score drift of a scored folder (the panel shows it under its header). */
  drift?: Pick<FolderDriftService, 'forFolder'>;
}

interface Run {
  abort: AbortController;
  done: Promise<void>;
}

export class ResultsController extends Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly runs = new Map<ResultsPanel, Run>();
  private readonly curations = new Map<ResultsPanel, PanelCuration | undefined>();
  private readonly maps = new Map<ResultsPanel, PanelMap>();
  /** The models of each panel's columns (the drift is recomputed per model when labels change). */
  private readonly columns = new Map<ResultsPanel, ModelInfo[]>();
  private driftTimer?: ReturnType<typeof setTimeout>;
  /** The panel the viewer was last opened from: next/previous follow its order. */
  private navigating?: ResultsPanel;
  private killAfter?: { root: string; rows: number; seen: number; killed?: number };

  constructor(private readonly deps: ResultsDeps) {
    super();
    this._register(
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
        deserializeWebviewPanel: (panel, state) => this.restore(panel, state),
      }),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.scoreFolder',
        (uri?: vscode.Uri, _all?: vscode.Uri[], models?: string[]) => this.scoreFolder(uri, models),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.results.export',
        (root?: string, format?: ExportFormat, target?: string, selectedPaths?: string[]) =>
          typeof root === 'string'
            ? this.curationFor(root)?.exportRows(undefined, format, target, selectedPaths)
            : this.pressButton('export'),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.results.thresholdFromLabels',
        (root?: string, model = 0, apply?: boolean) =>
          typeof root === 'string'
            ? this.curationFor(root)?.thresholdFromLabels(model, apply)
            : this.pressButton('recalibrate'),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.showResults',
        (uri?: vscode.Uri, _all?: vscode.Uri[], models?: string[]) => this.showResults(uri, models),
      ),
    );
    // Labelled normals measure the false-alarm rate on the folder: a burst of keys updates it once.
    if (deps.curation && deps.drift)
      this._register(
        deps.curation.labels.onDidChange(() => {
          clearTimeout(this.driftTimer);
          this.driftTimer = setTimeout(() => {
            for (const [p, models] of this.columns) void this.updateDrift(p, models);
          }, 300);
        }),
      );
    this._register(toDisposable(() => clearTimeout(this.driftTimer)));
    this._register(vscode.commands.registerCommand('xrayAnomaly.results.next', () => this.step(1)));
    this._register(
      vscode.commands.registerCommand('xrayAnomaly.results.moreLikeThis', () => this.moreLikeThisFromViewer()),
    );
    this._register(vscode.commands.registerCommand('xrayAnomaly.results.previous', () => this.step(-1)));
    // Diagnostics and integration tests: ask the webview itself, or act through its own controls.
    this._register(
      vscode.commands.registerCommand('xrayAnomaly.debug.resultsReport', (root?: string) =>
        this.panelFor(root)?.request('getReport', {}),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.debug.resultsAction',
        (root: string | undefined, action: ResultsAction) => this.panelFor(root)?.request('act', action),
      ),
    );
    // Tests: SIGKILL the engine (as a native crash or the OOM killer would) once a run has written N rows.
    if (process.env.XRAY_ANOMALY_ENGINE_TEST_HOOKS === '1')
      this._register(
        vscode.commands.registerCommand('xrayAnomaly.debug.answerNextConfirmation', (answer: boolean) =>
          answerNextConfirmation(answer),
        ),
      );
    if (deps.enginePid && process.env.XRAY_ANOMALY_ENGINE_TEST_HOOKS === '1')
      this._register(
        vscode.commands.registerCommand('xrayAnomaly.debug.killEngineAfterRows', (root: string, rows: number) => {
          this.killAfter = { root, rows, seen: 0 };
        }),
      );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.debug.resultsProbe',
        (root: string | undefined, req: FrameProbeRequest) =>
          this.panelFor(root)?.request('probeFrames', req, 30_000 + (req.ms ?? 0) + (req.sweepFrames ?? 0) * 100),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        'xrayAnomaly.debug.resultsRun',
        async (root?: string) => this.runs.get(this.panelFor(root)!)?.done,
      ),
    );
  }

  /** From the palette: the panel's own button, so the export takes its order and selection, the threshold its model. */
  private async pressButton(action: 'export' | 'recalibrate'): Promise<void> {
    const p = this.panelFor();
    if (!p) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open the scored results of a folder first.'));
      return;
    }
    p.panel.reveal();
    await p.request('act', { action });
  }

  private curationFor(root?: string): PanelCuration | undefined {
    const p = this.panelFor(typeof root === 'string' ? root : undefined);
    return p && this.curations.get(p);
  }

  panelFor(root?: string): ResultsPanel | undefined {
    if (root) return this.panels.get(root);
    return [...this.panels.values()].find((p) => p.panel.active) ?? [...this.panels.values()].at(-1);
  }

  async scoreFolder(uri: vscode.Uri | undefined, modelIds?: string[]): Promise<void> {
    const folder = uri ?? (await this.pickFolder());
    if (!folder) return;
    if (folder.scheme !== 'file') {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Only folders on this machine can be scored (not {0}).', folder.scheme),
      );
      return;
    }
    const models = modelIds ? await this.modelsById(modelIds) : await this.pickModels();
    if (!models?.length) return;
    const panel = await this.open(folder.fsPath, models);
    if (panel) this.start(panel, models);
  }

  /** "Show Scored Results of Folder...": the panel on the folder's store, nothing scored. */
  async showResults(uri: vscode.Uri | undefined, modelIds?: string[]): Promise<ResultsPanel | undefined> {
    const folder = uri ?? (await this.pickFolder(vscode.l10n.t('Show Results')));
    if (!folder) return undefined;
    if (folder.scheme !== 'file') {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Only folders on this machine have results (not {0}).', folder.scheme),
      );
      return undefined;
    }
    const root = folder.fsPath;
    let models: ModelInfo[];
    if (modelIds) models = await this.modelsById(modelIds);
    else {
      const stored = await this.deps.backend.storedModels(root).catch((err: unknown) => {
        void vscode.window.showErrorMessage(vscode.l10n.t('Could not read the stored results: {0}', String(err)));
        return undefined;
      });
      if (!stored) return undefined;
      await this.deps.models.ready();
      const available = this.deps.models.models;
      // The store's order (the model scored first is the first column), each model once.
      models = [...new Set(stored.map((s) => available.find((m) => m.id === s.id && m.version === s.version)))].filter(
        (m): m is ModelInfo => m !== undefined,
      );
      if (!models.length) {
        const score = vscode.l10n.t('Score Folder...');
        const message = stored.length
          ? vscode.l10n.t(
              'The results of {0} were scored with models that are not available now ({1}). Score it again?',
              basename(root),
              stored.map((s) => `${s.id} ${s.version}`).join(', '),
            )
          : vscode.l10n.t('{0} has no scored results yet. Score it now?', basename(root));
        if ((await vscode.window.showInformationMessage(message, score)) === score) await this.scoreFolder(folder);
        return undefined;
      }
    }
    return this.open(root, models);
  }

  private async pickFolder(openLabel = vscode.l10n.t('Score Folder')): Promise<vscode.Uri | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      openLabel,
    });
    return picked?.[0];
  }

  private async modelsById(ids: string[]): Promise<ModelInfo[]> {
    await this.deps.models.ready();
    const out = ids.map((id) => this.deps.models.models.find((m) => m.id === id));
    const missing = ids.filter((_, i) => !out[i]);
    if (missing.length) throw new Error(`No model with id ${missing.map((m) => `"${m}"`).join(', ')}.`);
    return out as ModelInfo[];
  }

  private async pickModels(): Promise<ModelInfo[] | undefined> {
    await this.deps.models.ready();
    const all = this.deps.models.models;
    if (!all.length) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('No anomaly model is available. Add a model folder in the setting xrayAnomaly.models.folders.'),
      );
      return undefined;
    }
    if (all.length === 1) return [...all];
    const selected = this.deps.models.selected?.id;
    const items = all.map((m) => ({
      label: m.name,
      description: modelDescription(m),
      detail: m.description,
      picked: m.id === selected,
      model: m,
    }));
    const picks = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: vscode.l10n.t('Score with which models?'),
      placeHolder: vscode.l10n.t('Each model becomes a score column; unchanged files already scored are skipped'),
    });
    return picks?.map((p) => p.model);
  }

  /** The panel of this folder and models, created or revealed, its stored rows loaded. */
  private async open(
    root: string,
    models: ModelInfo[],
    existing?: vscode.WebviewPanel,
    labelsCsv?: string,
  ): Promise<ResultsPanel | undefined> {
    const keys = models.map((m) => `${m.id}@${m.version}`);
    const old = this.panels.get(root);
    if (old && old.source.models.join('\n') === keys.join('\n') && !existing) {
      old.panel.reveal();
      return old;
    }
    if (old && !existing) {
      this.cancelRun(old);
      old.panel.dispose();
    }
    const columns: ResultsModel[] = models.map((m) => ({
      key: `${m.id}@${m.version}`,
      id: m.id,
      name: m.name,
      version: m.version,
      hasMap: this.hasMap(m),
    }));
    const calibration = models.map((m) => this.calibrationOf(m));
    const source: ResultsSource = { root, models: keys, labelsCsv };
    const webviewPanel =
      existing ??
      vscode.window.createWebviewPanel(
        RESULTS_VIEW_TYPE,
        vscode.l10n.t('Results: {0}', basename(root)),
        vscode.ViewColumn.Active,
        {
          enableScripts: true,
          // 100,000 rows are cheap to keep; rebuilding them on every tab switch is not.
          retainContextWhenHidden: true,
        },
      );
    const panel: ResultsPanel = new ResultsPanel(
      webviewPanel,
      source,
      columns,
      calibration,
      {
        extensionUri: this.deps.extensionUri,
        log: this.deps.log,
        open: (uri, modelId) => this.openInViewer(panel, uri, modelId),
        rescore: (p) => this.start(p, models),
        cancel: (p) => this.cancelRun(p),
        curate: (_p, msg) => curation?.handle(msg),
        similar: (p, row, col) =>
          void showSimilar(p, this.deps.backend, models, row, col).catch((err) =>
            this.deps.log.error(`More like this failed: ${String(err)}`),
          ),
        map: (p, col) => (col === 'cancel' ? this.maps.get(p)?.cancel() : void this.maps.get(p)?.want(col)),
        thumbnails: this.deps.backend.thumbnails && ((p, paths) => this.deps.backend.thumbnails!(p.source.root, paths)),
        heatmaps:
          this.deps.backend.heatmaps &&
          ((p, col, items) => this.deps.backend.heatmaps!(p.source.root, models[col], items)),
      },
      this.deps.backend.mediaDir(root),
    );
    const curation = this.deps.curation ? new PanelCuration(panel, models, this.deps.curation) : undefined;
    this.curations.set(panel, curation);
    const backend = this.deps.backend;
    if (backend.embeddings)
      this.maps.set(
        panel,
        new PanelMap(panel, models, {
          embeddings: (r, m) => backend.embeddings!(r, m),
          workerPath: vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'mapWorker.js').fsPath,
          log: this.deps.log,
        }),
      );
    this.panels.set(root, panel);
    this.columns.set(panel, models);
    panel.onDidDispose(() => {
      curation?.dispose();
      this.curations.delete(panel);
      this.maps.get(panel)?.dispose();
      this.maps.delete(panel);
      this.columns.delete(panel);
      this.cancelRun(panel);
      if (this.panels.get(root) === panel) this.panels.delete(root);
      if (this.navigating === panel) this.setNavigating(undefined);
    });
    try {
      // The panel and its page (~330 KB of html) reach the workbench through a socket that this thread writes
      // only between its tasks; the store's read below holds it for 0.25-0.35 s at 100,000 rows, and the page's
      // document started only after that (bench:panel, session 12). A round trip to the workbench returns once it
      // has taken in everything sent before; VS Code's start of the page (~1 s) then runs beside the read.
      await vscode.commands.executeCommand('setContext', 'xrayAnomaly.resultsPanelOpened', true);
      const t0 = Date.now();
      panel.times.readStart = t0;
      const rows = await this.deps.backend.load(root, models);
      panel.times.readEnd = Date.now();
      panel.addRows(rows);
      this.deps.log.info(`Results of ${basename(root)}: ${rows.size} stored rows loaded in ${Date.now() - t0} ms`);
      // The drift reads every score again: not while the page is still taking the rows.
      const once = panel.onDidBecomeReady(() => {
        once.dispose();
        void this.updateDrift(panel, models);
      });
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not read the stored results: {0}', String(err)));
    }
    return panel;
  }

  /** The model gives an anomaly map (the preview says so when not); undefined when its manifest is unreadable. */
  private hasMap(m: ModelInfo): boolean | undefined {
    try {
      const o = parseManifest(readFileSync(m.manifestPath, 'utf8'), m.manifestPath).outputs;
      return !!(o.anomalyMap || o.reconstruction);
    } catch {
      return undefined;
    }
  }

  private calibrationOf(m: ModelInfo): ColumnCalibration {
    try {
      const c = parseManifest(readFileSync(m.manifestPath, 'utf8'), m.manifestPath).calibration;
      return { threshold: c.threshold, span: c.max - c.min };
    } catch (err) {
      this.deps.log.warn(
        `Model ${m.id}: calibration unreadable (${String(err)}); scores are shown unnormalised around 0.`,
      );
      return { threshold: 0, span: 1 };
    }
  }

  private start(panel: ResultsPanel, models: ModelInfo[]): void {
    if (this.runs.has(panel)) {
      panel.panel.reveal();
      return;
    }
    const abort = new AbortController();
    const root = panel.source.root;
    const done = vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Scoring {0}', basename(root)),
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        panel.setProgress({ running: true, done: 0, saved: 0, total: 0, skipped: 0, failed: 0 });
        let reported = 0;
        let last: RunProgressInfo | undefined;
        try {
          const summary = await this.deps.backend.run({
            root,
            models,
            signal: abort.signal,
            onPlanned: (paths) => panel.plan(paths),
            onRows: (rows) => {
              panel.addRows(rows);
              this.curations.get(panel)?.rowsChanged();
              this.maybeKillEngine(root, rows.length);
            },
            onProgress: (p) => {
              last = p;
              panel.setProgress({ running: true, ...p });
              const fraction = p.total ? p.done / p.total : 0;
              progress.report({ message: progressMessage(p), increment: (fraction - reported) * 100 });
              reported = fraction;
            },
          });
          const ended = summary.ended;
          panel.setProgress({
            running: false,
            ended,
            // Files, as the run counted them (a file scored by two models is one).
            done: summary.done,
            saved: summary.saved,
            total: last?.total ?? 0,
            skipped: last?.skipped ?? summary.skipped,
            failed: summary.failed,
            message: summary.restarts ? vscode.l10n.t('the engine restarted {0} times', summary.restarts) : undefined,
          });
          void this.updateDrift(panel, models);
          this.deps.log.info(
            `Scored ${basename(root)}: ${summary.scored} scored, ${summary.failed} failed, ${summary.skipped} unchanged (${ended}${summary.restarts ? `, ${summary.restarts} engine restarts` : ''})`,
          );
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          // The service's counts when it said them (what reached the store); else the last progress seen.
          const counts =
            err instanceof RunStoppedError
              ? err.counts
              : {
                  done: last?.done ?? 0,
                  saved: last?.saved ?? 0,
                  total: last?.total ?? 0,
                  skipped: last?.skipped ?? 0,
                  failed: last?.failed ?? 0,
                };
          panel.setProgress({ running: false, ended: 'failed', ...counts, message });
          this.deps.log.error(
            `Scoring ${basename(root)} stopped: ${message} (${counts.done} of ${counts.total} scored, ${counts.saved} saved, ${counts.skipped} unchanged)`,
          );
          const code = err instanceof RunStoppedError ? err.code : undefined;
          // No button: a notification with one is always shown expanded, three rows high; this one fits one line.
          void vscode.window.showErrorMessage(stoppedMessage(stopCause(code, message), counts));
        }
      },
    );
    const run: Run = { abort, done: Promise.resolve(done).finally(() => this.runs.delete(panel)) };
    this.runs.set(panel, run);
  }

  /** The folder's drift per model, from its store (after a load, a run, and a change of labels). */
  private async updateDrift(panel: ResultsPanel, models: ModelInfo[]): Promise<void> {
    const drift = this.deps.drift;
    if (!drift) return;
    const notes = await Promise.all(
      models.map((m) =>
        drift.forFolder(panel.source.root, m).catch((err: unknown) => {
          this.deps.log.warn(`Score drift of ${basename(panel.source.root)} for ${m.id}: ${String(err)}`);
          return undefined;
        }),
      ),
    );
    if (this.panels.get(panel.source.root) === panel) panel.setDrift(notes.map((n) => n ?? null));
  }

  private maybeKillEngine(root: string, rows: number): void {
    const k = this.killAfter;
    if (!k || k.root !== root || k.killed) return;
    k.seen += rows;
    const pid = k.seen >= k.rows ? this.deps.enginePid?.() : undefined;
    if (!pid) return;
    k.killed = pid;
    this.deps.log.warn(`Test hook: killing the engine (pid ${pid}) after ${k.seen} rows.`);
    process.kill(pid, 'SIGKILL');
  }

  private cancelRun(panel: ResultsPanel): void {
    this.runs.get(panel)?.abort.abort();
  }

  private async restore(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = (state as { source?: ResultsSource } | undefined)?.source;
    await this.deps.models.ready();
    const models = s?.models.map((k) => this.deps.models.models.find((m) => `${m.id}@${m.version}` === k));
    if (!s || !models?.length || models.some((m) => !m)) {
      webviewPanel.webview.html = `<!DOCTYPE html><html><body><p>${escapeHtml(
        vscode.l10n.t(
          'These results cannot be shown again: a model they were scored with is no longer available. Score the folder again.',
        ),
      )}</p></body></html>`;
      return;
    }
    await this.open(s.root, models as ModelInfo[], webviewPanel, s.labelsCsv);
  }

  private async openInViewer(panel: ResultsPanel, uri: vscode.Uri, modelId: string): Promise<void> {
    if (this.deps.models.selected?.id !== modelId) await this.deps.models.select(modelId);
    this.setNavigating(panel);
    this.deps.allowLabelKeys?.(uri);
    await this.deps.openInViewer(uri);
  }

  private setNavigating(panel: ResultsPanel | undefined): void {
    this.navigating = panel;
    void vscode.commands.executeCommand('setContext', NAV_CONTEXT, panel !== undefined);
  }

  /** "More like this" for the image the viewer shows, in the panel it was opened from. */
  private async moreLikeThisFromViewer(): Promise<boolean> {
    const p = this.navigating;
    if (!p || p.current === undefined) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Open an image from a results panel first: "more like this" searches that panel\'s folder.'),
      );
      return false;
    }
    p.panel.reveal();
    await p.request('act', { action: 'moreLikeThis', row: p.current });
    return true;
  }

  private async step(delta: 1 | -1): Promise<boolean> {
    const p = this.navigating;
    if (!p) return false;
    const moved = await p.step(delta);
    if (!moved)
      void vscode.window.setStatusBarMessage(
        delta > 0 ? vscode.l10n.t('Last image of the results') : vscode.l10n.t('First image of the results'),
        2500,
      );
    return moved;
  }

  override dispose(): void {
    for (const p of this.panels.values()) this.cancelRun(p);
    super.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
