import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { Disposable, toDisposable } from '../../protocol/dispose';
import { viewerHtml } from './html';
import { ViewerSession, type ViewerDeps } from './session';
import { webviewL10n } from '../webviewL10n';

export const VIEW_TYPES = ['xrayAnomaly.viewer', 'xrayAnomaly.viewer.raster'] as const;

/**
 * Read-only custom editor for X-ray files. Documents hold only their URI; the session behind each
 * panel does the work, so the same file open in two editor groups is decoded per panel (each panel
 * may show a different model later).
 */
export class ViewerProvider extends Disposable implements vscode.CustomReadonlyEditorProvider {
  private readonly sessions = new Set<ViewerSession>();
  private active?: ViewerSession;
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
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.webview.html = viewerHtml({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'viewer.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'viewer.css')).toString(),
      settingsJson: JSON.stringify(this.deps.settings().viewer),
      l10n: webviewL10n(),
    });
    const session = new ViewerSession(document.uri, panel, this.deps);
    this.sessions.add(session);
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

  sessionFor(uri?: vscode.Uri): ViewerSession | undefined {
    if (!uri) return this.active ?? (this.sessions.size === 1 ? [...this.sessions][0] : undefined);
    return [...this.sessions].find((s) => s.uri.toString() === uri.toString());
  }

  private setActive(s: ViewerSession | undefined): void {
    this.active = s;
    if (!this.isDisposed) this.activeChanged.fire(s);
  }
}
