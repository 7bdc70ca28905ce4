// Shared by the in-VS-Code suites: the test workspace, the webview's own view state (a message round
// trip, never host state) and the extension's log file.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ResultsReport } from '../../../src/protocol/results';
import type { ViewStateReport } from '../../../src/protocol/viewer';
import { harnessConfig, harnessRequest } from './harness';

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
export async function waitForView(
  uri: vscode.Uri,
  ready: (s: ViewStateReport) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<ViewStateReport> {
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
  throw new Error(
    `timed out waiting for ${what}; last view state: ${JSON.stringify(last)}; last error: ${String(lastErr)}` +
      (await webviewFrames(what)),
  );
}

/**
 * The runner's account of every webview frame (see describeWebviewFrames in run.mjs), for the message of a test
 * that timed out waiting for a page; '' without the runner or when it cannot answer.
 */
export async function webviewFrames(why: string): Promise<string> {
  try {
    const r = await harnessRequest<{ dump: string }>('webviewFrames', { why }, 15_000);
    return r ? `\nwebview frames:\n${r.dump}` : '';
  } catch (e) {
    return `\n(no webview frame dump: ${String(e)})`;
  }
}

/** The text of the extension's log file once it contains `until` (VS Code writes it asynchronously). */
export async function extensionLog(until: RegExp, timeoutMs = 10_000): Promise<string> {
  const { logFolder } = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { logFolder: string };
  const deadline = Date.now() + timeoutMs;
  let text: string;
  while (Date.now() < deadline) {
    text = existsSync(logFolder)
      ? readdirSync(logFolder)
          .filter((f) => f.endsWith('.log'))
          .map((f) => readFileSync(join(logFolder, f), 'utf8'))
          .join('\n')
      : '';
    if (until.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the extension log in ${logFolder} never showed ${until}`);
}

/**
 * Which of run.mjs's sessions runs the suite: 'trusted' (workspace trust off) or 'restricted' (the workspace
 * opened untrusted); undefined without the runner.
 */
export function harnessSession(): 'trusted' | 'restricted' | undefined {
  return (harnessConfig() as { session?: 'trusted' | 'restricted' }).session;
}

/**
 * Clicks, as a user would, the one workbench element with this ARIA role and accessible name (Playwright, in the
 * runner; webview contents are out of reach). `exact: false` matches a case-insensitive substring of the name.
 * Rejects when none or several match; false without the runner.
 */
export async function clickInWorkbench(
  role: string,
  name: string,
  { exact = true, timeoutMs = 10_000 } = {},
): Promise<boolean> {
  return (
    (await harnessRequest<{ clicked: boolean }>('click', { role, name, exact, timeoutMs }, timeoutMs + 10_000))
      ?.clicked ?? false
  );
}

/** What `waitInWorkbench` waits for: one of these (with `hidden`, until none is visible). */
export type WorkbenchCondition =
  /** the workbench element with this ARIA role and accessible name is visible */
  | { role: string; name: string; exact?: boolean; hidden?: boolean }
  /**
   * an element matching this CSS selector (holding hasText) is visible; with inWebview, a webview's too; with
   * afterContent, its ::after shows that text (a file decoration's badge in the Explorer or a tab); with unclipped,
   * its text fits its box (not cut off with an ellipsis)
   */
  | {
      selector: string;
      hasText?: string;
      inWebview?: boolean;
      hidden?: boolean;
      afterContent?: string;
      unclipped?: boolean;
    }
  /** the focused input's value matches (e.g. VS Code's save dialog once it has filled in its path) */
  | { inputValue: RegExp }
  /** no webview service worker is installing or waiting (a new webview page's start waits on them) */
  | { webviewWorkersSettled: true };

/**
 * Waits (in the runner, with Playwright) until the workbench shows something the extension host cannot see,
 * such as a quick input or a dialog; rejects after `timeoutMs`. False without the runner.
 */
export async function waitInWorkbench(condition: WorkbenchCondition, timeoutMs = 30_000): Promise<boolean> {
  const args = 'inputValue' in condition ? { inputValue: condition.inputValue.source } : condition;
  return (await harnessRequest('waitFor', { ...args, timeoutMs }, timeoutMs + 10_000)) !== undefined;
}

/** The results panel of `root` as its page reports it (a round trip to the webview). */
export async function resultsReport(root: string): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root)) as ResultsReport;
}

/** Polls the results panel of `root` (its page, not host state) until `ok` holds. */
export async function waitForReport(
  root: string,
  what: string,
  ok: (r: ResultsReport) => boolean,
  ms = 60_000,
): Promise<ResultsReport> {
  const until = Date.now() + ms;
  let last: ResultsReport | undefined;
  let failure = '';
  while (Date.now() < until) {
    last = await resultsReport(root).catch((err: unknown) => {
      failure = String(err);
      return undefined;
    });
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  const why = last ? JSON.stringify(last).slice(0, 2000) : `none (${failure || 'no results panel for this folder'})`;
  throw new Error(`timed out waiting for ${what}; last report: ${why}` + (await webviewFrames(what)));
}

/**
 * Answers the next copy / move confirmation (the extension's test hook: a toast can be pushed out of view by
 * others in a run, so clicking it is not reliable); resolves to the question asked once it is asked.
 */
export function answerNextConfirmation(answer: boolean): Thenable<string> {
  return vscode.commands.executeCommand<string>('xrayAnomaly.debug.answerNextConfirmation', answer);
}
