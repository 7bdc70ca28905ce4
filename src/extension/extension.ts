import * as vscode from 'vscode';
import { EngineClient } from '../engine/client';
import { readSettings, SECTION, type Settings } from './config';
import { registerFitCommands } from './fitCommand';
import { createLogger } from './log';
import { ModelService } from './models';
import { ModelStatusBar, providerLabel } from './statusBar';
import type { ViewerAction } from '../protocol/viewer';
import { VIEW_TYPES, ViewerProvider } from './viewerProvider';

/**
 * Wiring only: the engine process, the model list, the viewer provider, commands and the status bar.
 * Activation does no I/O beyond listing model folders, so it stays fast; the engine process starts on
 * the first image.
 */
export function activate(context: vscode.ExtensionContext): { activationMs: number; logFolder: string } {
  const started = Date.now();
  const log = createLogger();
  context.subscriptions.push(log);

  let settings: Settings = readSettings((m) => log.warn(m));
  const engine = new EngineClient({
    enginePath: context.asAbsolutePath('dist/engine.js'),
    log: (level, message) => log[level](`[engine] ${message}`),
  });
  context.subscriptions.push({ dispose: () => engine.dispose() });

  const models = new ModelService(context, log, () => settings.defaultModel);
  const statusBar = new ModelStatusBar();
  context.subscriptions.push(models, statusBar);

  const provider: ViewerProvider = new ViewerProvider(context.extensionUri, {
    engine,
    models,
    log,
    settings: () => settings,
    onProvider: (p) => {
      statusBar.setProvider(p);
      refreshStatus();
      if (p.fallbacks.length)
        log.info(`${p.modelName} runs on ${providerLabel(p.provider)}; skipped: ${p.fallbacks.join('; ')}`);
    },
    pickModel: () => pickModel(),
    rememberViewerSettings: (s) => {
      const c = vscode.workspace.getConfiguration(SECTION);
      if (s.heatmapOpacity !== undefined)
        void c.update('viewer.heatmapOpacity', s.heatmapOpacity, vscode.ConfigurationTarget.Global);
      if (s.colormap !== undefined) void c.update('viewer.colormap', s.colormap, vscode.ConfigurationTarget.Global);
      if (s.threshold !== undefined) void c.update('viewer.threshold', s.threshold, vscode.ConfigurationTarget.Global);
      if (s.heatmapFloor !== undefined)
        void c.update('viewer.heatmapFloor', s.heatmapFloor, vscode.ConfigurationTarget.Global);
    },
  });
  context.subscriptions.push(provider);
  for (const viewType of VIEW_TYPES) {
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(viewType, provider, {
        // The decoded image is kept by the host and replayed on reload, so hidden tabs need not hold memory.
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  const refreshStatus = () => {
    const m = models.selected;
    statusBar.update({ visible: provider.activeSession !== undefined, modelName: m?.name, modelVersion: m?.version });
  };
  context.subscriptions.push(provider.onDidChangeActive(refreshStatus), models.onDidChange(refreshStatus));

  engine.onDidCrash((info) => {
    for (const s of provider.allSessions) s.engineRestarted();
    void vscode.window.showWarningMessage(`X-ray Anomaly Review: ${info.message}`, 'Show Log').then((a) => {
      if (a) log.show();
    });
  });

  async function pickModel(): Promise<void> {
    await models.ready();
    type Item = vscode.QuickPickItem & { id?: string; action?: 'settings' | 'refresh' | 'trust' };
    const current = models.selected?.id;
    const items: Item[] = models.models.map((m) => ({
      id: m.id,
      label: `${m.id === current ? '$(check) ' : ''}${m.name}`,
      description: `${m.version} · ${m.origin}`,
      detail: m.description,
    }));
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(folder-library) Configure model folders...', action: 'settings' },
      { label: '$(refresh) Refresh model list', action: 'refresh' },
    );
    // Where a user looks for a workspace model that Restricted Mode leaves out.
    if (!vscode.workspace.isTrusted)
      items.push({
        label: '$(shield) Manage Workspace Trust...',
        detail: "Restricted Mode: this workspace's own models load once you trust it",
        action: 'trust',
      });
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Anomaly model',
      placeHolder: models.models.length ? 'Choose the model that scores X-rays' : 'No models found',
    });
    if (!pick) return;
    if (pick.action === 'settings')
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.models.folders`);
    else if (pick.action === 'refresh') await models.refresh();
    else if (pick.action === 'trust') await vscode.commands.executeCommand('workbench.trust.manage');
    else if (pick.id) await models.select(pick.id);
  }

  context.subscriptions.push(
    ...registerFitCommands({
      engine,
      models,
      log,
      settings: () => settings,
      modelReplaced: (id) => {
        // Same id, new files: a selection change would not re-score, so re-score what shows this model.
        if (models.selected?.id === id) for (const s of provider.allSessions) void s.reanalyze();
      },
    }),
    vscode.commands.registerCommand('xrayAnomaly.selectModel', async (id?: string) => {
      if (typeof id === 'string') {
        if (!(await models.select(id))) throw new Error(`No model with id "${id}".`);
      } else await pickModel();
    }),
    vscode.commands.registerCommand('xrayAnomaly.reanalyze', (uri?: vscode.Uri) =>
      provider.sessionFor(uri)?.reanalyze(),
    ),
    vscode.commands.registerCommand('xrayAnomaly.openInViewer', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) return;
      const viewType = /\.(dcm|dicom)$/i.test(target.path) ? VIEW_TYPES[0] : VIEW_TYPES[1];
      return vscode.commands.executeCommand('vscode.openWith', target, viewType);
    }),
    vscode.commands.registerCommand('xrayAnomaly.refreshModels', () => models.refresh()),
    vscode.commands.registerCommand('xrayAnomaly.restartEngine', () => {
      engine.restart();
      for (const s of provider.allSessions) {
        s.engineRestarted();
        void s.reanalyze();
      }
    }),
    vscode.commands.registerCommand('xrayAnomaly.showLog', () => log.show()),
    vscode.commands.registerCommand('xrayAnomaly.debug.getViewState', (uri?: vscode.Uri) => {
      const s = provider.sessionFor(uri);
      if (!s) throw new Error('No X-ray viewer is open.');
      return s.getViewState();
    }),
    // Diagnostics and integration tests: a viewer action run by the webview itself, as its controls would.
    vscode.commands.registerCommand(
      'xrayAnomaly.debug.viewerAction',
      (uri: vscode.Uri | undefined, action: ViewerAction) => {
        const s = provider.sessionFor(uri);
        if (!s) throw new Error('No X-ray viewer is open.');
        return s.act(action);
      },
    ),
    ...(process.env.XRAY_ANOMALY_ENGINE_TEST_HOOKS === '1'
      ? // Lets integration tests crash the engine like a native fault in the middle of an analysis.
        [
          vscode.commands.registerCommand('xrayAnomaly.debug.armEngineCrash', () =>
            engine.debugRequest('__arm', { stage: 'analyze', action: 'segv' }),
          ),
        ]
      : []),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const before = settings;
      settings = readSettings((m) => log.warn(m));
      if (e.affectsConfiguration(`${SECTION}.models.folders`)) void models.refresh();
      if (e.affectsConfiguration(`${SECTION}.model.default`)) refreshStatus();
      if (before.provider !== settings.provider) {
        log.info(`Execution provider set to ${settings.provider}; re-running open analyses.`);
        for (const s of provider.allSessions) void s.reanalyze();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => models.refresh()),
  );

  void models.refresh();
  const activationMs = Date.now() - started;
  log.info(`Activated in ${activationMs} ms (VS Code ${vscode.version}, ${process.platform}-${process.arch})`);
  // logFolder: where VS Code writes this extension's log (diagnostics; tests check no patient data lands there).
  return { activationMs, logFolder: context.logUri.fsPath };
}

export function deactivate(): void {
  // Disposables registered on the context stop the engine.
}
