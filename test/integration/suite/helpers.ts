// Shared by the in-VS-Code suites: the test workspace, the webview's own view state (a message round
// trip, never host state) and the extension's log file.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ViewStateReport } from '../../../src/protocol/viewer';

export const EXTENSION_ID = 'xray-anomaly-review.xray-anomaly-review';

export function wsUri(rel: string): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0];
  assert.ok(root, 'the test workspace is not open');
  return vscode.Uri.joinPath(root.uri, ...rel.split('/'));
}

export async function viewState(uri: vscode.Uri): Promise<ViewStateReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.getViewState', uri)) as ViewStateReport;
}

/** Polls the webview (not host state) until `ready` holds. */
export async function waitForView(uri: vscode.Uri, ready: (s: ViewStateReport) => boolean, what: string, timeoutMs = 45_000): Promise<ViewStateReport> {
  const until = Date.now() + timeoutMs;
  let last: ViewStateReport | undefined;
  let lastErr: unknown;
  while (Date.now() < until) {
    try {
      last = await viewState(uri);
      if (ready(last)) return last;
    } catch (err) {
      lastErr = err; // the webview may not be up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; last view state: ${JSON.stringify(last)}; last error: ${String(lastErr)}`);
}

/** The text of the extension's log file once it contains `until` (VS Code writes it asynchronously). */
export async function extensionLog(until: RegExp, timeoutMs = 10_000): Promise<string> {
  const { logFolder } = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { logFolder: string };
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = existsSync(logFolder) ? readdirSync(logFolder).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(logFolder, f), 'utf8')).join('\n') : '';
    if (until.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the extension log in ${logFolder} never showed ${until}`);
}
