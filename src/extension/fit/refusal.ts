import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Logger } from '../log';

/** Bad input caught before the fit starts (empty folder, bad id, clash): a 'refused' outcome and an error message. */
export class Refusal extends Error {}

/** The engine reads files by path, so only the local file system will do. */
export function toPath(u: vscode.Uri | string, what: string): string {
  if (typeof u === 'string') return path.resolve(u);
  if (u.scheme !== 'file')
    throw new Refusal(
      vscode.l10n.t(
        "Only files on this machine's disk can be used for fitting ({0} is a {1}: resource).",
        what,
        u.scheme,
      ),
    );
  return u.fsPath;
}

/** Workspace-relative when inside the workspace: toasts are narrow. */
export function shortPath(p: string): string {
  return vscode.workspace.asRelativePath(p, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

export async function listNames(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}

export function showError(log: Logger, message: string): Thenable<void> {
  return vscode.window.showErrorMessage(message, vscode.l10n.t('Show Log')).then((a) => {
    if (a) log.show();
  });
}
