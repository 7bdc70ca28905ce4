// A whole-window reload, or a kill -9 of the whole editor, inside the suite. Either ends the extension host that
// runs mocha, and the new window starts the suite again from the top (the runner's workbench URL names the tests).
// So a test that needs one asks for it (reloadAfterRun, killEditorAfterRun) and ends; when mocha has run everything
// else, the reporter writes the counts so far and what to run next into $XRAY_HARNESS_DIR/reload.json instead of
// result.json, and run() (index.ts) reloads the window, or starts the run to be killed and has the runner kill
// code-server's whole process group (extension host, engine) once that run has stored enough rows, then start it
// again. The new host takes the file when the bundle loads (renamed away, so a further start cannot loop), runs
// only the suites it names and adds their counts. Both in one run: the reload first, then the kill, which the
// reloaded host carries out after its own suites. The runner sees one run: it waits for codeAutomationExit, which
// only the last host calls. Only under the runner: without its folder a restart would start the whole suite
// again, endlessly.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessDir } from './harness';

/** A kill -9 of the whole editor while Score Folder... runs on `root`, once its store holds `atLeast` rows. */
export interface EditorKill {
  /** mocha grep for the suites that check the restarted editor */
  grep: string;
  root: string;
  models: string[];
  /** The folder's store (results.jsonl): the runner counts its lines. */
  store: string;
  atLeast: number;
}

export interface ReloadResume {
  /** mocha grep for the suites that check the reloaded (or restarted) window */
  grep: string;
  passed: number;
  failed: number;
  pending: number;
  /** How this host began: after the suite's window reload (the default) or after the editor was killed. */
  after?: 'reload' | 'kill';
  /** A kill still to do, once this host's suites have run. */
  kill?: EditorKill;
}

function take(): ReloadResume | undefined {
  const dir = harnessDir();
  const file = dir && join(dir, 'reload.json');
  if (!file || !existsSync(file)) return undefined;
  renameSync(file, join(dir, 'reload.taken.json'));
  return JSON.parse(readFileSync(join(dir, 'reload.taken.json'), 'utf8')) as ReloadResume;
}

/** Set in a host that started after the suite's reload or kill: what it carries on with. */
export const resumed: ReloadResume | undefined = take();

let requested: string | undefined;
let kill: EditorKill | undefined = resumed?.kill;

/** Whether a reload (or a kill) can be asked for: under the runner, and not already after one. */
export function canReload(): boolean {
  return harnessDir() !== undefined && resumed === undefined;
}

/** Asks for a window reload once mocha has run everything, then for the suites whose full titles match `grep`. */
export function reloadAfterRun(grep: string): void {
  if (!canReload()) throw new Error('a window reload needs the runner (test/integration/run.mjs), once per run');
  requested = grep;
}

/** Asks for a kill -9 of the whole editor mid-run once mocha has run everything (after a reload, if any). */
export function killEditorAfterRun(k: EditorKill): void {
  if (!canReload()) throw new Error('killing the editor needs the runner (test/integration/run.mjs), once per run');
  kill = k;
}

export function reloadRequested(): string | undefined {
  return requested;
}

/** The kill this host does at its end (asked for here, or carried over a reload). */
export function killPending(): EditorKill | undefined {
  return kill;
}

/** The reporter's end of a first half: the counts so far and the suites to run after the reload or the kill. */
export function writeReload(counts: { passed: number; failed: number; pending: number }): void {
  const dir = harnessDir();
  if (!dir) return;
  let resume: ReloadResume;
  if (requested !== undefined) resume = { grep: requested, ...counts, after: 'reload', kill };
  else if (kill) resume = { grep: kill.grep, ...counts, after: 'kill' };
  else return;
  writeFileSync(join(dir, 'reload.json'), JSON.stringify(resume));
}
