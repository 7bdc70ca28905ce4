import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type * as vscode from 'vscode';

/** SHA-256 of a file's bytes (the label's content key), or '' when it cannot be read. */
export async function sha256Of(uri: vscode.Uri): Promise<string> {
  try {
    return createHash('sha256')
      .update(await fsp.readFile(uri.fsPath))
      .digest('hex');
  } catch {
    return '';
  }
}
