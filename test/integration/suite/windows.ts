// A second window on the suite's folder, as a user with two windows open has: its own workbench page (opened by
// run.mjs) and so its own extension host process (code-server starts one per window). The suite drives it
// through two channels: Playwright in that page (keys, waits, screenshots: the harness requests with `window`),
// and commands run by that window's extension host (secondWindow.ts, through files in $XRAY_HARNESS_DIR/windows).
import * as vscode from 'vscode';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessDir, harnessRequest } from './harness';
import type { WorkbenchCondition } from './helpers';

export interface WindowCall {
  id: string;
  command: string;
  args: unknown[];
}

/** A vscode.Uri cannot cross as JSON: sent as `{ $uri: fsPath }`, revived on the other side. */
export function uriArg(uri: vscode.Uri): unknown {
  return { $uri: uri.fsPath };
}

export function reviveArgs(args: unknown[]): unknown[] {
  return args.map((a) =>
    a && typeof a === 'object' && '$uri' in a ? vscode.Uri.file((a as { $uri: string }).$uri) : (a ?? undefined),
  );
}

export function windowsDir(): string | undefined {
  const dir = harnessDir();
  return dir && join(dir, 'windows');
}

let seq = 0;

async function until<T>(what: string, get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`the second window: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class SecondWindow {
  private constructor(
    readonly name: string,
    /** The process id of this window's extension host. */
    readonly pid: number,
    private readonly dir: string,
  ) {}

  /** Opens the window (undefined without the runner) once its extension host has activated the extension. */
  static async open(name: string, timeoutMs = 180_000): Promise<SecondWindow | undefined> {
    const dir = windowsDir();
    if (!dir) return undefined;
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, name), { recursive: true, force: true });
    writeFileSync(join(dir, 'pending'), name);
    await harnessRequest('openWindow', { name }, timeoutMs);
    const ready = join(dir, name, 'ready.json');
    const { pid } = await until(
      'its extension host',
      () => (existsSync(ready) ? (JSON.parse(readFileSync(ready, 'utf8')) as { pid: number }) : undefined),
      timeoutMs,
    );
    return new SecondWindow(name, pid, join(dir, name));
  }

  /** Runs a command in this window's extension host; resolves to its result (as JSON). */
  async command<T>(command: string, ...args: unknown[]): Promise<T> {
    const id = `${Date.now()}-${++seq}`;
    const tmp = join(this.dir, 'calls', `.${id}.tmp`);
    writeFileSync(tmp, JSON.stringify({ id, command, args } satisfies WindowCall));
    renameSync(tmp, join(this.dir, 'calls', `${id}.json`));
    const file = join(this.dir, 'answers', `${id}.json`);
    const answer = await until(
      `the answer to ${command}`,
      () =>
        existsSync(file)
          ? (JSON.parse(readFileSync(file, 'utf8')) as { ok: boolean; result?: T; error?: string })
          : undefined,
      120_000,
    );
    if (!answer.ok) throw new Error(`${command} in the second window: ${answer.error}`);
    return answer.result as T;
  }

  /** Real key presses into this window's webview element matching `selector`. */
  async press(selector: string, keys: string[]): Promise<void> {
    await harnessRequest('webviewKeys', { window: this.name, selector, keys }, 60_000);
  }

  async waitFor(condition: WorkbenchCondition, timeoutMs = 30_000): Promise<void> {
    if ('inputValue' in condition) throw new Error('waitFor in a second window: not for inputs');
    await harnessRequest('waitFor', { window: this.name, ...condition, timeoutMs }, timeoutMs + 10_000);
  }

  async screenshot(name: string): Promise<string | undefined> {
    return (await harnessRequest<{ path: string }>('screenshot', { window: this.name, name }))?.path;
  }

  async close(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    await harnessRequest('closeWindow', { name: this.name }, 30_000);
  }
}
