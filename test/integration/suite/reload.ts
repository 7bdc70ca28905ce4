// A whole-window reload inside the suite. `workbench.action.reloadWindow` ends the extension host that runs
// mocha, and the reloaded window starts the suite again from the top (the runner's workbench URL names the
// tests). So a test that needs a reload asks for one (reloadAfterRun) and ends; when mocha has run everything
// else, the reporter writes the counts so far and what to run next into $XRAY_HARNESS_DIR/reload.json instead of
// result.json, and run() (index.ts) reloads the window. The new host takes the file when the bundle loads
// (renamed away, so a third start cannot loop), runs only the suites it names and adds their counts. The runner
// sees one run: it waits for codeAutomationExit, which only the second host calls. Only under the runner: without
// its folder a reload would start the whole suite again, endlessly.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessDir } from './harness';

export interface ReloadResume {
  /** mocha grep for the suites that check the reloaded window */
  grep: string;
  passed: number;
  failed: number;
  pending: number;
}

function take(): ReloadResume | undefined {
  const dir = harnessDir();
  const file = dir && join(dir, 'reload.json');
  if (!file || !existsSync(file)) return undefined;
  renameSync(file, join(dir, 'reload.taken.json'));
  return JSON.parse(readFileSync(join(dir, 'reload.taken.json'), 'utf8')) as ReloadResume;
}

/** Set in the host that started after the suite's reload: what it carries on with. */
export const resumed: ReloadResume | undefined = take();

let requested: string | undefined;

/** Whether a reload can be asked for: under the runner, and not already after one. */
export function canReload(): boolean {
  return harnessDir() !== undefined && resumed === undefined;
}

/** Asks for a window reload once mocha has run everything, then for the suites whose full titles match `grep`. */
export function reloadAfterRun(grep: string): void {
  if (!canReload()) throw new Error('a window reload needs the runner (test/integration/run.mjs), once per run');
  requested = grep;
}

export function reloadRequested(): string | undefined {
  return requested;
}

/** The reporter's end of the first half: the counts so far and the suites to run after the reload. */
export function writeReload(counts: { passed: number; failed: number; pending: number }): void {
  const dir = harnessDir();
  if (!dir || requested === undefined) return;
  const resume: ReloadResume = { grep: requested, ...counts };
  writeFileSync(join(dir, 'reload.json'), JSON.stringify(resume));
}
