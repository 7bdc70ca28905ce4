// A full disk and a read-only store in a real VS Code: the folder's store directory is a small file system of its own
// (tmpfs, so root and mount are needed; skipped otherwise, saying why). A scored folder gets more files and a disk
// that fills up in the middle of the re-run; then the file system turns read-only before the next one. Each time
// the user is told clearly (the notification, whole on its one collapsed line: the cause and what the store holds;
// the panel's progress line: why, how many images were scored, how many of them reached the store, how many files
// it keeps from earlier runs), every row written before stays in the store, readable and as written, and the
// panel keeps showing them. With room again, a re-run completes: one row per file.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { storeLocation } from '../../../src/core/batch/location';
import { parseRows } from '../../../src/core/batch/jsonl';
import { handPhantomPng } from '../../fixtures/images';
import { screenshot } from './harness';
import { EXTENSION_ID, resultsReport, waitForReport, waitInWorkbench } from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'store-faults';
const FIRST = 24;
const MORE = 60;

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = () => join(wsRoot(), FIXTURE);
const store = () => storeLocation(wsRoot(), FIXTURE).store;
const storeDir = () => dirname(store());

function sh(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** Bytes in use on the store's file system. */
function usedBytes(): number {
  const r = spawnSync('df', ['-B1', '--output=used', storeDir()], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n').pop());
}

/** Until the store's file system has stopped growing: the same size over 6 looks 250 ms apart. */
async function quietDisk(): Promise<void> {
  for (let last = -1, same = 0; same < 6;) {
    await new Promise((r) => setTimeout(r, 250));
    const used = usedBytes();
    same = used === last ? same + 1 : 0;
    last = used;
  }
}

async function images(from: number, n: number): Promise<void> {
  mkdirSync(root(), { recursive: true });
  for (let i = from; i < from + n; i++)
    writeFileSync(
      join(root(), `f${String(i).padStart(3, '0')}.png`),
      await handPhantomPng({ width: 96, height: 120, seed: 900 + i, peak: 24000 + (i % 13) * 3000 }),
    );
}

async function score(): Promise<void> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
}

const storeText = () => (existsSync(store()) ? readFileSync(store(), 'utf8') : '');

describe('Score Folder... on a full disk and a read-only store', function () {
  this.timeout(240_000);
  let mounted = false;

  before(async function () {
    if (process.getuid?.() !== 0) {
      console.log('[store faults] skipped: mounting a small file system needs root');
      this.skip();
    }
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    mkdirSync(storeDir(), { recursive: true });
    const why = sh('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', storeDir()]);
    if (why) {
      console.log(`[store faults] skipped: ${why}`);
      this.skip();
    }
    mounted = true;
    await images(0, FIRST);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    if (mounted) sh('umount', ['-l', storeDir()]);
  });

  it('the disk fills up mid-run, then turns read-only: said clearly, nothing written lost; with room a re-run completes', async () => {
    await score();
    const first = await waitReport('the first run', (x) => x.progress?.running === false);
    assert.equal(first.progress?.ended, 'finished');
    assert.equal(first.rows, FIRST);

    // More files, and room for little more than their thumbnails: the disk fills up while they are scored.
    await images(FIRST, MORE);
    const before = storeText();
    // The panel's heatmaps of the rows it shows are made after the run (a 4 KB page each on tmpfs): the room
    // is measured once they have stopped landing, or they fill it before the next run takes its lock.
    await quietDisk();
    assert.equal(sh('mount', ['-o', `remount,size=${usedBytes() + 16 * 1024}`, storeDir()]), undefined);
    await score();
    const full = await waitReport('the run on a full disk', (x) => x.progress?.running === false);
    assert.equal(full.progress?.ended, 'failed', JSON.stringify(full.progress));
    assert.match(
      full.progress?.message ?? '',
      /^The disk is full \(ENOSPC\): cannot .*\. Rows written before are kept/,
    );
    assert.ok(await waitInWorkbench({ selector: '.notification-toast', hasText: 'Disk full, scoring stopped: ' }));
    // In-flight scoring that ends after the stop must not bring "Scoring..." back to the panel.
    assert.equal((await resultsReport(root())).progress?.running, false, 'the panel still says the run stopped');
    await screenshot('results-disk-full');
    const afterFull = storeText();
    assert.ok(afterFull.startsWith(before), 'the rows written before stay as written');
    const kept = parseRows(afterFull);
    assert.deepEqual(kept.badLines, []);
    assert.ok(kept.rows.length >= FIRST && kept.rows.length < FIRST + MORE, `${kept.rows.length} rows kept`);
    assert.equal(new Set(kept.rows.map((r) => r.path)).size, kept.rows.length, 'no file twice');
    assert.equal(
      (await waitReport('the panel with every row kept', (x) => x.rows === kept.rows.length)).rows,
      kept.rows.length,
    );
    // Scored and saved as the batch service counted them: saved = the new rows that reached the disk.
    const saved = kept.rows.length - FIRST;
    const p = full.progress!;
    assert.equal(p.saved, saved, JSON.stringify(p));
    assert.ok(p.done >= saved && p.done < MORE, JSON.stringify(p));
    // Full before the run could take its lock (something else filled the last pages): it planned nothing.
    const planned = p.total > 0;
    if (!planned) console.log('[store faults] the disk was full before the run took its lock');
    // Either way the store keeps the first run's files: counted from its index when the run could not plan.
    const counts = `${planned ? `${p.done} of ${MORE} images scored, ${saved} saved` : 'nothing scored or saved'} · ${FIRST} kept from earlier runs`;
    assert.equal(p.skipped, FIRST, JSON.stringify(p));
    assert.ok(full.progressText?.startsWith(`Stopped · ${counts} · The disk is full`), full.progressText);
    assert.ok(
      await waitInWorkbench({ selector: '.status', hasText: counts, inWebview: true }),
      'the header shows the counts',
    );
    // The collapsed notification: the cause and what the store holds, whole on its one line.
    assert.ok(
      await waitInWorkbench({
        selector: '.notification-toast .notification-list-item-message',
        hasText: planned
          ? `Disk full, scoring stopped: ${saved} of ${MORE} saved, ${FIRST} kept.`
          : `Disk full, scoring stopped: nothing saved, ${FIRST} kept.`,
        unclipped: true,
      }),
      'the notification says the cause and the counts in full',
    );
    await vscode.commands.executeCommand('notifications.clearAll');

    // Read-only before the next run: it stops at once, says so, and changes nothing.
    assert.equal(sh('mount', ['-o', 'remount,ro', storeDir()]), undefined);
    await score();
    const ro = await waitReport('the run on a read-only store', (x) => x.progress?.running === false);
    assert.equal(ro.progress?.ended, 'failed', JSON.stringify(ro.progress));
    assert.match(ro.progress?.message ?? '', /^The file system is read-only \(EROFS\): cannot /);
    // It could not plan, but the store is readable: the files it keeps, counted from its index.
    assert.deepEqual(
      [ro.progress?.done, ro.progress?.saved, ro.progress?.skipped],
      [0, 0, kept.rows.length],
      JSON.stringify(ro.progress),
    );
    assert.ok(
      ro.progressText?.startsWith(
        `Stopped · nothing scored or saved · ${kept.rows.length} kept from earlier runs · The file system`,
      ),
      ro.progressText,
    );
    assert.ok(
      await waitInWorkbench({
        selector: '.notification-toast .notification-list-item-message',
        hasText: `Read-only disk, scoring stopped: nothing saved, ${kept.rows.length} kept.`,
        unclipped: true,
      }),
      'the notification says the cause and the files kept in full',
    );
    await screenshot('results-store-read-only');
    assert.equal(storeText(), afterFull, 'a read-only store is left as it was');
    assert.equal(ro.rows, kept.rows.length, 'the panel still shows every row written');
    await vscode.commands.executeCommand('notifications.clearAll');

    // Room again: the re-run scores what is missing, and only that.
    assert.equal(sh('mount', ['-o', 'remount,rw,size=16m', storeDir()]), undefined);
    await score();
    const done = await waitReport('the run with room again', (x) => x.progress?.running === false);
    assert.equal(done.progress?.ended, 'finished', JSON.stringify(done.progress));
    assert.equal(done.progress?.skipped, kept.rows.length, JSON.stringify(done.progress));
    const rows = parseRows(storeText());
    assert.deepEqual(rows.badLines, []);
    assert.equal(rows.rows.length, FIRST + MORE);
    assert.equal(new Set(rows.rows.map((r) => r.path)).size, FIRST + MORE, 'one row per file');
    assert.ok(storeText().startsWith(afterFull), 'the rows kept stay first, as written');
    assert.equal(done.rows, FIRST + MORE);
  });
});

const waitReport = (what: string, ok: Parameters<typeof waitForReport>[2]) => waitForReport(root(), what, ok, 120_000);
