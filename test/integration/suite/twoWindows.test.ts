// Two real windows on the same folder label the same label set (issue 10, must-have 8): the suite's window and
// a second one that run.mjs opens on the same workspace, each with its own extension host process. Real key
// presses into each window's results panel; the label file on disk must hold both windows' labels (merged),
// the same image labelled in both ends as the later edit in the file and in both panels, and an edit made
// while the other window holds the file's lock is refused with a clear message and nothing written.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import type { LabelEntry } from '../../../src/core/labels/types';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot } from './harness';
import { EXTENSION_ID, harnessSession, waitForReport, waitInWorkbench } from './helpers';
import { SecondWindow, uriArg } from './windows';
import { MODELS } from '../workspace';

const FIXTURE = 'two-windows';
const IMAGES = 6;
const TABLE = '.tbody';

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = () => join(wsRoot(), FIXTURE);
const labelFile = () => join(wsRoot(), '.xray-anomaly', 'labels', 'labels.csv');
const lockFile = () => join(wsRoot(), '.xray-anomaly', 'labels', '.labels.csv.lock');
const img = (i: number) => `img${String(i).padStart(2, '0')}.png`;

function onDisk(): Map<string, LabelEntry> {
  const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
  assert.ok(p.ok, `the label file parses: ${JSON.stringify(p)}`);
  // Other suites' labels share the file: only this fixture's count here.
  const own = [...p.entries.values()].filter((e) => e.path.startsWith(`${FIXTURE}/`));
  return new Map(own.map((e) => [e.path.slice(FIXTURE.length + 1), e]));
}

const labelOf = (r: ResultsReport, path: string) => r.top.find((t) => t.path === path)?.mark;

describe('Labels from two windows on the same folder', function () {
  this.timeout(300_000);
  let w2: SecondWindow | undefined;

  // Window 1's panel: through its own extension host's commands.
  const act1 = (action: ResultsAction) =>
    vscode.commands.executeCommand<ResultsReport>('xrayAnomaly.debug.resultsAction', root(), action);
  const wait1 = (what: string, ok: (r: ResultsReport) => boolean) => waitForReport(root(), what, ok, 60_000);
  // Window 2's panel: through the second window's extension host.
  const act2 = (action: ResultsAction) => w2!.command<ResultsReport>('xrayAnomaly.debug.resultsAction', root(), action);
  async function wait2(what: string, ok: (r: ResultsReport) => boolean): Promise<ResultsReport> {
    const deadline = Date.now() + 60_000;
    let last: ResultsReport | undefined;
    while (Date.now() < deadline) {
      last = await w2!.command<ResultsReport>('xrayAnomaly.debug.resultsReport', root()).catch(() => undefined);
      if (last && ok(last)) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`the second window: timed out waiting for ${what}; last report: ${JSON.stringify(last)}`);
  }
  /** Selects `path` in both panels (sorted by path). */
  async function selectInBoth(path: string): Promise<void> {
    const r1 = await act1({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act1({ action: 'select', rows: [r1.top.find((t) => t.path === path)!.row] });
    const r2 = await act2({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act2({ action: 'select', rows: [r2.top.find((t) => t.path === path)!.row] });
  }

  before(async function () {
    if (harnessSession() === undefined) this.skip(); // a second window needs run.mjs
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    rmSync(lockFile(), { force: true });
    // Both windows on the default set (an earlier suite may have chosen another in this one).
    const folder = vscode.workspace.workspaceFolders![0].uri;
    await vscode.commands.executeCommand('xrayAnomaly.debug.labelSet', folder, 'labels');
    mkdirSync(root(), { recursive: true });
    for (let i = 0; i < IMAGES; i++)
      writeFileSync(
        join(root(), img(i)),
        await handPhantomPng({ width: 80, height: 96, seed: 900 + i, peak: 30000 + i * 2000 }),
      );
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
    await wait1('scored rows and the label set', (x) => x.rows === IMAGES && !x.progress?.running && !!x.labels);
    w2 = await SecondWindow.open('second');
    await w2!.command('xrayAnomaly.debug.labelSet', uriArg(folder), 'labels');
    // The second window shows the stored scores of the same folder (nothing scored again).
    await w2!.command('xrayAnomaly.showResults', uriArg(vscode.Uri.file(root())), null, [MODELS.recon]);
    await wait2('its panel with the stored rows and the label set', (x) => x.rows === IMAGES && !!x.labels);
    assert.equal((await wait1('the label set', (x) => !!x.labels)).labels?.name, 'labels');
  });

  after(async () => {
    await w2?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('each window has its own extension host process', () => {
    assert.ok(w2!.pid > 0 && w2!.pid !== process.pid, `window 2's host ${w2!.pid}, this one ${process.pid}`);
  });

  it('different images labelled in the two windows at once: the file holds both, both panels show both', async () => {
    const r1 = await act1({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act1({ action: 'select', rows: [r1.top.find((t) => t.path === img(0))!.row] });
    const r2 = await act2({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act2({ action: 'select', rows: [r2.top.find((t) => t.path === img(1))!.row] });
    // Both presses sent together: the two hosts read, merge and write the file at about the same moment.
    await Promise.all([pressInWebview(TABLE, ['1']), w2!.press(TABLE, ['2'])]);
    const both = (x: ResultsReport) => labelOf(x, img(0)) === 'normal' && labelOf(x, img(1)) === 'abnormal';
    await wait1('both labels in window 1', both);
    await wait2('both labels in window 2', both);
    const file = onDisk();
    assert.equal(file.get(img(0))?.label, 'normal');
    assert.equal(file.get(img(1))?.label, 'abnormal');
    assert.equal(file.size, 2);
    assert.ok(!existsSync(lockFile()), 'no lock left behind');
  });

  it('the same image labelled in both: the later edit is in the file and in both panels, no other label lost', async () => {
    await selectInBoth(img(2));
    await pressInWebview(TABLE, ['1']);
    await wait2('window 1’s label seen in window 2', (x) => labelOf(x, img(2)) === 'normal');
    await w2!.press(TABLE, ['3']);
    await wait1('window 2’s later label seen in window 1', (x) => labelOf(x, img(2)) === 'unsure');
    assert.equal(onDisk().get(img(2))?.label, 'unsure');

    // At the same moment, on one image: whichever wrote last is in the file, and both panels agree with it.
    await selectInBoth(img(3));
    await Promise.all([pressInWebview(TABLE, ['2']), w2!.press(TABLE, ['1'])]);
    const settled = (x: ResultsReport) => !!labelOf(x, img(3));
    await wait1('img03 labelled in window 1', settled);
    await wait2('img03 labelled in window 2', settled);
    const kept = onDisk().get(img(3))!.label;
    assert.ok(kept === 'abnormal' || kept === 'normal', `kept ${kept}`);
    await wait1('window 1 shows the kept label', (x) => labelOf(x, img(3)) === kept);
    await wait2('window 2 shows the kept label', (x) => labelOf(x, img(3)) === kept);
    const file = onDisk();
    assert.deepEqual(
      [img(0), img(1), img(2), img(3)].map((p) => file.get(p)?.label),
      ['normal', 'abnormal', 'unsure', kept],
      'the earlier labels of both windows are all still there',
    );
    assert.equal(file.size, 4);
    await screenshot('two-windows-first');
    await w2!.screenshot('two-windows-second');
  });

  it('an edit while the other window holds the file’s lock is refused clearly, nothing written; later it goes', async () => {
    await selectInBoth(img(4));
    const before = readFileSync(labelFile(), 'utf8');
    // The lock as the second window's host writes it while it writes the file: its live process on this host.
    writeFileSync(lockFile(), `${w2!.pid}@${hostname()}\n`);
    await pressInWebview(TABLE, ['2']);
    await waitInWorkbench(
      { selector: '.notification-toast', hasText: 'Another window is writing the label file labels.csv' },
      45_000,
    );
    await screenshot('two-windows-refused');
    assert.equal(readFileSync(labelFile(), 'utf8'), before, 'nothing written while the lock was held');
    assert.equal((await wait1('no label on img04', () => true)).top.find((t) => t.path === img(4))?.mark, undefined);
    rmSync(lockFile());
    await vscode.commands.executeCommand('notifications.clearAll');
    await selectInBoth(img(4));
    await pressInWebview(TABLE, ['2']);
    await wait1('img04 labelled once the lock is gone', (x) => labelOf(x, img(4)) === 'abnormal');
    await wait2('window 2 sees it', (x) => labelOf(x, img(4)) === 'abnormal');
    assert.equal(onDisk().get(img(4))?.label, 'abnormal');
    assert.equal(onDisk().size, 5);
  });
});
