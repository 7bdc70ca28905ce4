import * as vscode from 'vscode';

/** The extension's one log, a LogOutputChannel so users pick the level; no patient data ever goes here. */
export type Logger = Pick<vscode.LogOutputChannel, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'show'>;

export function createLogger(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('X-ray Anomaly Review', { log: true });
}
