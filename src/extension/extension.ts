import * as vscode from 'vscode';
import { EngineClient } from '../engine/client';
import { BACKBONE_ENV } from '../engine/fitJobs';
import { Disposable, toDisposable } from '../protocol/dispose';
import type { ViewerAction } from '../protocol/viewer';
import { readSettings, rememberViewerSettings, SECTION, type Settings } from './config';
import { FitCommands } from './fit/command';
import { useTranslator } from './l10n';
import { createLogger } from './log';
import { pickModel } from './modelPicker';
import { modelDescription } from './modelOrigin';
import { ModelService } from './models';
import { ModelStatusBar, providerLabel } from './statusBar';
import { LabelDecorations } from './labels/labelDecorations';
import { LabelService } from './labels/labelService';
import { ViewerLabels } from './labels/viewerLabels';
import { ResultsController } from './results/controller';
import { ServiceBackend } from './results/serviceBackend';
import { FolderDriftService } from './drift/folderDrift';
import { VIEW_TYPES, ViewerProvider } from './viewer/provider';

/**
 * Wiring only: the engine process, the model list, the viewer provider, commands and the status bar.
 * Activation does no I/O beyond listing model folders, so it stays fast; the engine process starts on
 * the first image. Everything created here is registered on one owner, which the context disposes.
 */
export function activate(context: vscode.ExtensionContext): { activationMs: number; logFolder: string } {
  const started = Date.now();
  useTranslator(vscode.l10n.t);
  const ext = new XrayExtension(context);
  context.subscriptions.push(ext);
  const activationMs = Date.now() - started;
  ext.log.info(`Activated in ${activationMs} ms (VS Code ${vscode.version}, ${process.platform}-${process.arch})`);
  // logFolder: where VS Code writes this extension's log (diagnostics; tests check no patient data lands there).
  return { activationMs, logFolder: context.logUri.fsPath };
}

export function deactivate(): void {
  // The context disposes XrayExtension, which stops the engine.
}

class XrayExtension extends Disposable {
  readonly log = this._register(createLogger());
  private settings: Settings;
  private readonly engine: EngineClient;
  private readonly models: ModelService;
  private readonly statusBar = this._register(new ModelStatusBar());
  private readonly provider: ViewerProvider;
  private readonly labels: LabelService;
  private readonly viewerLabels: ViewerLabels;

  constructor(context: vscode.ExtensionContext) {
    super();
    const { log } = this;
    this.settings = readSettings((m) => log.warn(m));
    this.engine = new EngineClient({
      enginePath: context.asAbsolutePath('dist/engine.js'),
      log: (level, message) => log[level](`[engine] ${message}`),
    });
    this._register(toDisposable(() => this.engine.dispose()));
    this.models = this._register(new ModelService(context, log, () => this.settings.defaultModel));
    this.labels = this._register(new LabelService(context.workspaceState, log));
    this.viewerLabels = new ViewerLabels(this.labels);
    this._register(new LabelDecorations(this.labels));
    const backend = new ServiceBackend(this.engine, () => this.settings.provider);
    const drift = new FolderDriftService({
      storeOf: (root) => backend.location(root).store,
      load: (root, model) => backend.load(root, [model]),
      normals: (folder) => this.labels.pathsLabelled(folder, 'normal'),
    });

    this.provider = this._register(
      new ViewerProvider(context.extensionUri, {
        engine: this.engine,
        models: this.models,
        log,
        settings: () => this.settings,
        onProvider: (p) => {
          this.statusBar.setProvider(p);
          this.refreshStatus();
          if (p.fallbacks.length)
            log.info(`${p.modelName} runs on ${providerLabel(p.provider)}; skipped: ${p.fallbacks.join('; ')}`);
        },
        pickModel: () => pickModel(this.models),
        rememberViewerSettings,
        labels: this.viewerLabels,
        drift: (uri, model) => drift.forFile(uri, model),
      }),
    );
    for (const viewType of VIEW_TYPES) {
      this._register(
        vscode.window.registerCustomEditorProvider(viewType, this.provider, {
          // The decoded image is kept by the host and replayed on reload, so hidden tabs need not hold memory.
          webviewOptions: { retainContextWhenHidden: false },
          supportsMultipleEditorsPerDocument: true,
        }),
      );
    }
    this._register(this.provider.onDidChangeActive(() => this.refreshStatus()));
    this._register(this.models.onDidChange(() => this.refreshStatus()));
    this._register(this.engine.onDidCrash((info) => this.engineCrashed(info.message)));
    this._register(
      new FitCommands({
        engine: this.engine,
        extensionUri: context.extensionUri,
        backbonePath:
          process.env[BACKBONE_ENV] || context.asAbsolutePath('models/backbones/mobilenetv2-nsfwjs.backbone.json'),
        models: this.models,
        log,
        settings: () => this.settings,
        modelReplaced: (id) => {
          // Same id, new files: a selection change would not re-score, so re-score what shows this model.
          if (this.models.selected?.id === id) for (const s of this.provider.allSessions) void s.reanalyze();
        },
      }),
    );
    this._register(
      new ResultsController({
        extensionUri: context.extensionUri,
        log,
        models: this.models,
        backend,
        drift,
        openInViewer: (uri) => vscode.commands.executeCommand('xrayAnomaly.openInViewer', uri),
        enginePid: () => (this.engine.isRunning ? this.engine.startInfo?.pid : undefined),
        curation: { labels: this.labels, log: (m) => log.info(m) },
        allowLabelKeys: (uri) => this.viewerLabels.allowKeys(uri),
      }),
    );
    this.registerCommands();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => this.configurationChanged(e)));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.models.refresh()));
    void this.models.refresh();
  }

  private registerCommands(): void {
    const { engine, models, provider, log } = this;
    const command = (id: string, run: (...args: never[]) => unknown) =>
      this._register(vscode.commands.registerCommand(id, run));
    command('xrayAnomaly.selectModel', async (id?: string) => {
      if (typeof id === 'string') {
        if (!(await models.select(id))) throw new Error(vscode.l10n.t('No model with id "{0}".', id));
      } else await pickModel(models);
    });
    command('xrayAnomaly.reanalyze', (uri?: vscode.Uri) => provider.sessionFor(uri)?.reanalyze());
    command('xrayAnomaly.openInViewer', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) return;
      const viewType = /\.(dcm|dicom)$/i.test(target.path) ? VIEW_TYPES[0] : VIEW_TYPES[1];
      return vscode.commands.executeCommand('vscode.openWith', target, viewType);
    });
    command('xrayAnomaly.compareModelsSideBySide', async (uri?: vscode.Uri, modelId?: string) => {
      const s = provider.sessionFor(uri);
      if (!s) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open an X-ray in the viewer first.'));
        return false;
      }
      await models.ready();
      const others = models.models.filter((m) => m.id !== s.model?.id);
      if (!others.length) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Only one model is available. Add another (Select Anomaly Model... > More models) to compare.'),
        );
        return false;
      }
      const id =
        modelId ??
        (
          await vscode.window.showQuickPick(
            others.map((m) => ({ label: m.name, description: modelDescription(m), detail: m.description, id: m.id })),
            {
              title: vscode.l10n.t('Compare with which model?'),
              placeHolder: vscode.l10n.t('Opens this image beside, scored by that model; zoom and pan stay in step'),
            },
          )
        )?.id;
      if (!id) return false;
      const viewType = (VIEW_TYPES as readonly string[]).includes(s.panel.viewType)
        ? s.panel.viewType
        : /\.(dcm|dicom)$/i.test(s.uri.path)
          ? VIEW_TYPES[0]
          : VIEW_TYPES[1];
      return (await provider.openBeside(s.uri, viewType, id)) !== undefined;
    });
    command('xrayAnomaly.refreshModels', () => models.refresh());
    command('xrayAnomaly.restartEngine', () => {
      engine.restart();
      for (const s of provider.allSessions) {
        s.engineRestarted();
        void s.reanalyze();
      }
    });
    command('xrayAnomaly.showLog', () => log.show());
    // `index`: which viewer of the file (models side by side), oldest first.
    const viewer = (uri?: vscode.Uri, index?: number) =>
      uri && typeof index === 'number' ? provider.sessionsOf(uri)[index] : provider.sessionFor(uri);
    command('xrayAnomaly.debug.getViewState', (uri?: vscode.Uri, index?: number) => {
      const s = viewer(uri, index);
      if (!s) throw new Error(vscode.l10n.t('No X-ray viewer is open.'));
      return s.getViewState();
    });
    // Diagnostics and integration tests: a viewer action run by the webview itself, as its controls would.
    command('xrayAnomaly.debug.viewerAction', (uri: vscode.Uri | undefined, action: ViewerAction, index?: number) => {
      const s = viewer(uri, index);
      if (!s) throw new Error(vscode.l10n.t('No X-ray viewer is open.'));
      return s.act(action);
    });
    // Lets integration tests crash the engine like a native fault in the middle of an analysis.
    if (process.env.XRAY_ANOMALY_ENGINE_TEST_HOOKS === '1')
      command('xrayAnomaly.debug.armEngineCrash', () =>
        engine.debugRequest('__arm', { stage: 'analyze', action: 'segv' }),
      );
  }

  private refreshStatus(): void {
    const m = this.models.selected;
    this.statusBar.update({
      visible: this.provider.activeSession !== undefined,
      modelName: m?.name,
      modelVersion: m?.version,
    });
  }

  private engineCrashed(message: string): void {
    for (const s of this.provider.allSessions) s.engineRestarted();
    // The engine's message is English (see l10n.ts); the framing is localised.
    void vscode.window
      .showWarningMessage(vscode.l10n.t('X-ray Anomaly Review: {0}', message), vscode.l10n.t('Show Log'))
      .then((a) => {
        if (a) this.log.show();
      });
  }

  private configurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration(SECTION)) return;
    const before = this.settings;
    this.settings = readSettings((m) => this.log.warn(m));
    if (e.affectsConfiguration(`${SECTION}.models.folders`)) void this.models.refresh();
    if (e.affectsConfiguration(`${SECTION}.model.default`)) this.refreshStatus();
    if (before.provider !== this.settings.provider) {
      this.log.info(`Execution provider set to ${this.settings.provider}; re-running open analyses.`);
      for (const s of this.provider.allSessions) void s.reanalyze();
    }
  }
}
