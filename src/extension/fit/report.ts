import * as vscode from 'vscode';
import { Disposable } from '../../protocol/dispose';

export const REPORT_SCHEME = 'xray-anomaly-report';

/**
 * Fit reports as read-only documents of this session: nothing more is written next to the model, and
 * closing a report never asks to save it (an untitled document would).
 */
export class ReportDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private seq = 0;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this));
  }

  add(modelId: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: REPORT_SCHEME,
      path: `/${vscode.l10n.t('{0} fit report', modelId)}.md`,
      query: String(++this.seq),
    });
    this.texts.set(uri.toString(), markdown);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      `# ${vscode.l10n.t('Fit report')}\n\n${vscode.l10n.t('This report is from an earlier session and is no longer available; the log has its summary.')}\n`
    );
  }

  /** Rendered when the built-in Markdown extension is there, else as text. */
  async show(uri: vscode.Uri): Promise<void> {
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
  }
}
