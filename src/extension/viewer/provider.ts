import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { Disposable, toDisposable } from '../../protocol/dispose';
import { pageAsset } from '../pageAssets';
import { viewerHtml } from './html';
import type { SyncedView } from '../../protocol/viewer';
import { ViewerSession, type ViewerDeps } from './session';
import { webviewL10n } from '../webviewL10n';
import { PageStartWatch } from '../pageStart';
import { basename } from 'node:path';

export const VIEW_TYPES = ['xrayAnomaly.viewer', 'xrayAnomaly.viewer.raster'] as const;

/**
 * Read-only custom editor for X-ray files. Documents hold only their URI; the session behind each
 * panel does the work, so the same file open in two editor groups is decoded per panel, each may score
 * with its own model (openBeside: models side by side), and zoom and pan are shared between them.
 */
export class ViewerProvider extends Disposable implements vscode.CustomReadonlyEditorProvider {
  private readonly sessions = new Set<ViewerSession>();
  private active?: ViewerSession;
  /** The model the next editor of this file scores with (openBeside), taken when its editor is resolved. */
  private nextModel?: { uri: string; modelId: string };
  private readonly activeChanged = this._register(new vscode.EventEmitter<ViewerSession | undefined>());
  readonly onDidChangeActive = this.activeChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: ViewerDeps,
  ) {
    super();
    // Sessions still open when the extension stops (window closing) release their engine images too.
    this._register(toDisposable(() => [...this.sessions].forEach((s) => s.dispose())));
  }

  get activeSession(): ViewerSession | undefined {
    return this.active;
  }

  get allSessions(): readonly ViewerSession[] {
    return [...this.sessions];
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    // Nothing is fetched: the script and stylesheet are inline, images arrive as messages.
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    const load = () => {
      panel.webview.html = viewerHtml({
        cspSource: panel.webview.cspSource,
        nonce: randomBytes(16).toString('base64'),
        script: pageAsset(this.extensionUri, 'dist', 'webview', 'viewer.js'),
        style: pageAsset(this.extensionUri, 'media', 'viewer.css'),
        settingsJson: JSON.stringify(this.deps.settings().viewer),
        l10n: webviewL10n(),
      });
    };
    load();
    const pin = this.nextModel?.uri === document.uri.toString() ? this.nextModel.modelId : undefined;
    if (pin) this.nextModel = undefined;
    const session = new ViewerSession(
      document.uri,
      panel,
      { ...this.deps, viewChanged: (from, view) => this.shareView(from, view) },
      { modelId: pin },
    );
    this.sessions.add(session);
    // A page that never starts is loaded again; the session replays everything on its `ready`.
    session.own(
      new PageStartWatch(panel, { reload: load, log: this.deps.log, name: `Viewer ${basename(document.uri.fsPath)}` }),
    );
    const setActive = () => {
      if (panel.active) this.setActive(session);
      else if (this.active === session) this.setActive(undefined);
    };
    setActive();
    // The panel's listeners live as long as its session.
    session.own(panel.onDidChangeViewState(setActive));
    session.own(
      panel.onDidDispose(() => {
        this.sessions.delete(session);
        if (this.active === session) this.setActive(undefined);
        session.dispose();
      }),
    );
  }

  /**
   * Opens the file once more in the editor group beside the active one, scoring with `modelId` there
   * (the window's model stays in the first): two models' heatmaps side by side, zoom and pan shared.
   */
  async openBeside(uri: vscode.Uri, viewType: string, modelId: string): Promise<ViewerSession | undefined> {
    this.nextModel = { uri: uri.toString(), modelId };
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, viewType, vscode.ViewColumn.Beside);
    } finally {
      this.nextModel = undefined;
    }
    return [...this.sessions].reverse().find((s) => s.uri.toString() === uri.toString() && s.model?.id === modelId);
  }

  /** Every viewer of a file, oldest first. */
  sessionsOf(uri: vscode.Uri): ViewerSession[] {
    return [...this.sessions].filter((s) => s.uri.toString() === uri.toString());
  }

  private shareView(from: ViewerSession, view: SyncedView | null): void {
    for (const s of this.sessionsOf(from.uri)) if (s !== from) s.followView(view);
  }

  sessionFor(uri?: vscode.Uri): ViewerSession | undefined {
    if (!uri) return this.active ?? (this.sessions.size === 1 ? [...this.sessions][0] : undefined);
    return [...this.sessions].find((s) => s.uri.toString() === uri.toString());
  }

  private setActive(s: ViewerSession | undefined): void {
    this.active = s;
    if (!this.isDisposed) this.activeChanged.fire(s);
  }
}
