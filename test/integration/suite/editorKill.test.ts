// kill -9 of the whole editor mid-run, then a re-run, in two halves (see reload.ts). Before it: a fixture folder and
// a copy of it scored without interruption (the reference); then, once mocha has run everything else, "Score
// Folder..." starts on the fixture and the runner SIGKILLs code-server's whole process group (server, extension host,
// engine) as soon as the store holds a number of rows drawn from the run's seed, and starts the editor again. After
// it, in the new extension host: the rows written before the kill are intact, a re-run skips exactly those and
// scores the rest, and the store holds one row per file with the reference's scores. Imported next to last.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { storeLocation } from '../../../src/core/batch/location';
import { parseRows, tailRepair } from '../../../src/core/batch/jsonl';
import type { BatchRow } from '../../../src/core/batch/types';
import { mulberry32 } from '../../../src/core/fit/random';
import { handPhantomPng } from '../../fixtures/images';
import { harnessDir } from './harness';
import { EXTENSION_ID, waitForReport } from './helpers';
import { canReload, killEditorAfterRun, resumed } from './reload';
import { MODELS } from '../workspace';

const FIXTURE = 'editor-kill';
const REFERENCE = 'editor-kill-ref';
const FILES = 100;
const AFTER = 'After the editor was killed mid-run';

/**
 * The kill point, from a seed printed in the first half's title and replayed with `run.mjs --seed=<seed>`: the runner
 * kills once the store holds this many rows, at least one write (the service writes every 200 ms) and at most
 * half the files, so the kill falls mid-run. The second half reads both from the file the first half left.
 */
function killPoint(): { seed: number; atLeast: number } {
  const file = harnessDir() && join(harnessDir()!, 'editor-kill.json');
  if (resumed && file && existsSync(file))
    return JSON.parse(readFileSync(file, 'utf8')) as { seed: number; atLeast: number };
  // The runner draws the run's seed and prints it (test/integration/run.mjs --seed replays it).
  const seed = Number(process.env.XRAY_IT_SEED);
  if (!Number.isInteger(seed)) throw new Error(`XRAY_IT_SEED is not an integer: ${process.env.XRAY_IT_SEED}`);
  return { seed, atLeast: 1 + Math.floor(mulberry32(seed)() * (FILES / 2)) };
}
const { seed: SEED, atLeast: AT_LEAST } = killPoint();

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = (name = FIXTURE) => join(wsRoot(), name);
const store = (name = FIXTURE) => storeLocation(wsRoot(), name).store;

async function scoreAndWait(dir: string): Promise<void> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(dir), undefined, [MODELS.recon]);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', dir);
}

function rowsOf(file: string) {
  return parseRows(existsSync(file) ? readFileSync(file, 'utf8') : '');
}

/** What an uninterrupted run must agree on, by path: content, model and score (not timing, mtime or media). */
function essence(rows: readonly BatchRow[]): Record<string, string> {
  return Object.fromEntries(
    rows.map((r) => [
      r.path,
      JSON.stringify([r.hash, r.size, r.modelId, r.modelVersion, r.prep, r.score ?? null, r.error ?? null]),
    ]),
  );
}

if (!resumed)
  describe('Score Folder... when the whole editor is killed mid-run', function () {
    this.timeout(180_000);

    before(async function () {
      // Without the runner nobody can kill and restart the editor (see reload.ts).
      if (!canReload()) this.skip();
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      for (const name of [FIXTURE, REFERENCE]) {
        rmSync(root(name), { recursive: true, force: true });
        rmSync(join(store(name), '..'), { recursive: true, force: true });
      }
      mkdirSync(join(root(), 'a'), { recursive: true });
      mkdirSync(join(root(), 'b'), { recursive: true });
      for (let i = 0; i < FILES; i++)
        writeFileSync(
          join(root(), i % 2 ? 'b' : 'a', `k${String(i).padStart(3, '0')}.png`),
          await handPhantomPng({ width: 96, height: 120, seed: 700 + i, peak: 26000 + (i % 17) * 2000 }),
        );
      for (const sub of ['a', 'b']) {
        mkdirSync(join(root(REFERENCE), sub), { recursive: true });
        for (const f of readdirSync(join(root(), sub)))
          copyFileSync(join(root(), sub, f), join(root(REFERENCE), sub, f));
      }
    });

    it(`scores a copy without interruption; the editor is then killed after ${AT_LEAST} rows (seed ${SEED}; replay: run.mjs --seed=${SEED})`, async () => {
      await scoreAndWait(root(REFERENCE));
      const ref = await waitForReport(root(REFERENCE), 'the reference run', (x) => x.progress?.running === false);
      assert.equal(ref.progress?.ended, 'finished');
      assert.equal(rowsOf(store(REFERENCE)).rows.length, FILES);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      writeFileSync(join(harnessDir()!, 'editor-kill.json'), JSON.stringify({ seed: SEED, atLeast: AT_LEAST }));
      killEditorAfterRun({
        grep: AFTER,
        root: root(),
        models: [MODELS.recon],
        store: store(),
        atLeast: AT_LEAST,
      });
    });
  });

if (resumed?.after === 'kill')
  describe(AFTER, function () {
    this.timeout(180_000);

    it('the rows written before the kill are intact; a re-run scores only the rest: one row per file, as uninterrupted', async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      const killed = JSON.parse(readFileSync(join(harnessDir()!, 'killed.json'), 'utf8')) as {
        atLeast: number;
        seen: number;
        after: number;
        timedOut: boolean;
      };
      const at = `killed with ${killed.after} rows stored (asked: >= ${killed.atLeast}; seed ${SEED})`;
      assert.equal(killed.timedOut, false, `the run reached ${killed.atLeast} rows: ${at}`);
      assert.ok(killed.after >= killed.atLeast && killed.after < FILES, `really mid-run: ${at}`);

      // What the kill left: whole rows (a torn last line is cut by the next run's writer, a whole one closed).
      const text = readFileSync(store(), 'utf8');
      const cut = text.lastIndexOf('\n') + 1;
      const whole = tailRepair(text.slice(cut)) === 'close' ? text : text.slice(0, cut);
      const kept = parseRows(whole);
      assert.deepEqual(kept.badLines, [], at);
      assert.ok(kept.rows.length >= killed.after, `${kept.rows.length} rows kept; ${at}`);
      assert.equal(new Set(kept.rows.map((r) => r.path)).size, kept.rows.length, `no file twice: ${at}`);

      await scoreAndWait(root());
      const r = await waitForReport(root(), 'the re-run', (x) => x.progress?.running === false, 120_000);
      assert.equal(r.progress?.ended, 'finished', JSON.stringify(r.progress));
      assert.equal(r.progress?.skipped, kept.rows.length, `the rows kept are not scored again: ${at}`);
      assert.equal(r.progress?.done, FILES - kept.rows.length, `${JSON.stringify(r.progress)}; ${at}`);
      assert.equal(r.rows, FILES, `the panel: one row per file; ${at}`);

      const after = rowsOf(store());
      assert.deepEqual(after.badLines, [], at);
      assert.equal(after.rows.length, FILES, `store rows: ${at}`);
      assert.equal(new Set(after.rows.map((x) => x.path)).size, FILES, `no row duplicated: ${at}`);
      assert.ok(readFileSync(store(), 'utf8').startsWith(whole), 'the rows kept stay as written');
      assert.deepEqual(essence(after.rows), essence(rowsOf(store(REFERENCE)).rows), `scores as uninterrupted: ${at}`);
      await vscode.commands.executeCommand('notifications.clearAll');
    });
  });
