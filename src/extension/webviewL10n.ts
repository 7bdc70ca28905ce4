import * as vscode from 'vscode';
import type { WebviewPageOptions } from './webviewHtml';

/** What a webview needs to show VS Code's display language: the bundle (undefined for English) and the tag. */
export function webviewL10n(): NonNullable<WebviewPageOptions['l10n']> {
  return { bundle: vscode.l10n.bundle, language: vscode.env.language };
}
