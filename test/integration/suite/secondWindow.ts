// The extension host of a second window on the suite's folder (dist/test/secondWindow.js). run.mjs opens that
// window when a test asks (openSecondWindow in windows.ts); VS Code loads this bundle as the window's
// extensionTestsPath and calls run(). It activates the extension, says its process id, then runs the commands
// the suite drops into its folder, as that window's own extension host, until the window is closed.
import * as vscode from 'vscode';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID } from './helpers';
import { reviveArgs, windowsDir, type WindowCall } from './windows';

export async function run(): Promise<void> {
  const dir = windowsDir();
  if (!dir) throw new Error('a second window runs only under test/integration/run.mjs (no XRAY_HARNESS_DIR)');
  // The suite names the window it asked for in `pending`; the first host to take it is that window.
  const name = readFileSync(join(dir, 'pending'), 'utf8').trim();
  renameSync(join(dir, 'pending'), join(dir, `taken-${name}`));
  const own = join(dir, name);
  mkdirSync(join(own, 'calls'), { recursive: true });
  mkdirSync(join(own, 'answers'), { recursive: true });
  await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  writeFileSync(join(own, 'ready.json'), JSON.stringify({ pid: process.pid }));
  const done = new Set<string>();
  // Until the suite closes the window (its folder goes first).
  while (existsSync(own)) {
    const calls = existsSync(join(own, 'calls')) ? readdirSync(join(own, 'calls')) : [];
    for (const f of calls.filter((n) => n.endsWith('.json') && !done.has(n))) {
      done.add(f);
      const call = JSON.parse(readFileSync(join(own, 'calls', f), 'utf8')) as WindowCall;
      let answer: { ok: boolean; result?: unknown; error?: string };
      try {
        answer = { ok: true, result: await vscode.commands.executeCommand(call.command, ...reviveArgs(call.args)) };
      } catch (err) {
        answer = { ok: false, error: String(err) };
      }
      let text: string;
      try {
        text = JSON.stringify(answer);
      } catch {
        // A command may resolve to a live object (a panel): only that it succeeded crosses.
        text = JSON.stringify({ ok: answer.ok, error: answer.error });
      }
      const tmp = join(own, 'answers', `.${call.id}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(own, 'answers', `${call.id}.json`));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
