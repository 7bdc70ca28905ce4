/**
 * The webview pages' scripts and stylesheets, read from the extension's folder once and then put into each
 * page's html (webviewHtml.ts says why they are inline, not fetched). A few hundred KB, kept for the session.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';

const cache = new Map<string, string>();

/** The text of a file of the extension, e.g. pageAsset(extensionUri, 'dist', 'webview', 'viewer.js'). */
export function pageAsset(extensionUri: vscode.Uri, ...path: string[]): string {
  const file = vscode.Uri.joinPath(extensionUri, ...path).fsPath;
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(file, 'utf8');
    cache.set(file, text);
  }
  return text;
}
