// Labels shown wherever the image is shown, and given wherever it is shown: a label pressed in the results panel
// appears on the file's name in the Explorer (the badge VS Code draws, read from the screen) and in what the
// extension's FileDecorationProvider gives VS Code; an image opened from the Explorer (not from a panel) takes
// 1/2/3/0, n and u in its viewer, written to the active label set, with its tab's badge following; another
// label set made active is what the names show. Screenshot of the Explorer and tab with badges.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot, typeText } from './harness';
import {
  answerNextConfirmation,
  EXTENSION_ID,
  extensionLog,
  viewState,
  waitForReport,
  waitForView,
  waitInWorkbench,
} from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'labels-shown';
const NAMES = ['shown-a.png', 'shown-b.png', 'shown-c.png'];

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = () => join(wsRoot(), FIXTURE);
const uri = (name: string) => vscode.Uri.file(join(root(), name));
const labelFile = () => join(wsRoot(), '.xray-anomaly', 'labels', 'labels.csv');

interface Decoration {
  badge?: string;
  tooltip?: string;
  color?: string;
}

const decoration = async (name: string) =>
  (await vscode.commands.executeCommand('xrayAnomaly.debug.fileDecoration', uri(name))) as Decoration | undefined;

/** Polls `get` until `ok` holds; rejects with the last value after 30 s. */
async function waitUntil<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await get();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** The extension's decoration of a file once `ok` holds (it follows the label set's change event). */
const waitForDecoration = (name: string, ok: (d: Decoration | undefined) => boolean, what: string) =>
  waitUntil(() => decoration(name), ok, `${what} (decoration of ${name})`);

/** The label file's entry of a file once it reads `want` (the decoration can show an edit before it is written). */
const waitForFileLabel = (name: string, want: string | undefined) =>
  waitUntil(
    () => fileLabel(name),
    (v) => v === want,
    `${name} ${want ?? 'unlabelled'} in the label file`,
  );

function fileLabel(name: string): string | undefined {
  const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
  assert.ok(p.ok, 'the label file parses');
  const e = p.entries.get(`${FIXTURE}/${name}`);
  return e ? `${e.label ?? '-'}${e.note ? `|${e.note}` : ''}` : undefined;
}

async function act(action: ResultsAction): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), action)) as ResultsReport;
}

/** The badge VS Code draws after a file's name, as on screen: `where` is the Explorer or the editor tabs. */
const badgeOnScreen = (where: 'explorer' | 'tab', name: string, badge: string) =>
  waitInWorkbench({
    selector:
      where === 'explorer' ? '.explorer-folders-view .monaco-icon-label' : '.tabs-container .tab .monaco-icon-label',
    hasText: name,
    afterContent: badge,
  });

describe('Labels shown where the image is shown', function () {
  this.timeout(150_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    mkdirSync(root(), { recursive: true });
    for (let i = 0; i < NAMES.length; i++)
      writeFileSync(join(root(), NAMES[i]), await handPhantomPng({ width: 80, height: 96, seed: 700 + i }));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a label pressed in the panel shows on the file name in the Explorer, with the set in its tooltip', async () => {
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
    await waitForReport(root(), 'scored rows', (x) => x.rows === NAMES.length && !x.progress?.running && !!x.labels);
    const r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    assert.equal(await decoration('shown-a.png'), undefined, 'no label, no decoration');
    await act({ action: 'select', rows: [r.top[0].row] });
    await pressInWebview('.tbody', ['1']);
    const d = await waitForDecoration('shown-a.png', (x) => x?.badge === 'N', 'the N badge');
    assert.equal(d?.color, 'xrayAnomaly.label.normal');
    assert.equal(d?.tooltip, 'Label set "labels": normal');
    await waitForFileLabel('shown-a.png', 'normal');
    // What the user sees: the Explorer's row of the file, its badge drawn after the name.
    await vscode.commands.executeCommand('revealInExplorer', uri('shown-a.png'));
    assert.ok(await badgeOnScreen('explorer', 'shown-a.png', 'N'), 'the N badge in the Explorer');
  });

  it('an image opened from the Explorer takes 1/2/3/0, n and u in its viewer; its tab and the Explorer follow', async () => {
    const b = uri('shown-b.png');
    // What the Explorer does on a double-click of an image (the viewer is its default editor).
    await vscode.commands.executeCommand('xrayAnomaly.openInViewer', b);
    const s = await waitForView(b, (x) => !!x.image && x.mark?.keys === true, 'the viewer of an Explorer image');
    assert.equal(s.mark?.panel, false, 'not opened from a panel');
    assert.equal(s.mark?.set, 'labels');
    await pressInWebview('canvas.view', ['2']);
    await waitForView(b, (x) => x.mark?.label === 'abnormal', 'the badge in the viewer');
    await waitForFileLabel('shown-b.png', 'abnormal');
    await waitForDecoration('shown-b.png', (x) => x?.badge === 'A', 'the A decoration');
    assert.ok(await badgeOnScreen('tab', 'shown-b.png', 'A'), 'the A badge on the tab');
    // The image stays (no panel order to move along): its viewer is still the active editor.
    assert.equal((await viewState(b)).mark?.label, 'abnormal');
    await pressInWebview('canvas.view', ['3']);
    await waitForDecoration('shown-b.png', (x) => x?.badge === '?', 'unsure');
    await pressInWebview('canvas.view', ['u']);
    await waitForDecoration('shown-b.png', (x) => x?.badge === 'A', 'undone back to abnormal');
    await pressInWebview('canvas.view', ['0']);
    await waitForDecoration('shown-b.png', (x) => x === undefined, 'cleared');
    await waitForFileLabel('shown-b.png', undefined);
    await pressInWebview('canvas.view', ['u']);
    await waitForDecoration('shown-b.png', (x) => x?.badge === 'A', 'the clear undone');
    await pressInWebview('canvas.view', ['n']);
    await waitInWorkbench({ selector: '.quick-input-title', hasText: 'Note for shown-b.png' });
    await typeText('left rib edge');
    const noted = await waitForDecoration('shown-b.png', (x) => !!x?.tooltip?.includes('Note:'), 'the note');
    assert.equal(noted?.tooltip, 'Label set "labels": abnormal · Note: left rib edge');
    await waitForFileLabel('shown-b.png', 'abnormal|left rib edge');
    await waitForReport(root(), 'the panel shows the viewer’s label', (x) =>
      x.top.some((t) => t.path === 'shown-b.png' && t.mark === 'abnormal'),
    );
    await vscode.commands.executeCommand('revealInExplorer', b);
    assert.ok(await badgeOnScreen('explorer', 'shown-b.png', 'A'), 'the A badge in the Explorer');
    assert.ok(await badgeOnScreen('explorer', 'shown-a.png', 'N'), 'and the N badge beside it');
    await screenshot('labels-explorer-badges');
  });

  it('the names show the active label set: another set made active shows its own labels', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    await vscode.commands.executeCommand('xrayAnomaly.debug.labelSet', folder, 'second-reader');
    try {
      await waitForDecoration('shown-a.png', (x) => x === undefined, 'no label in the other set');
      await pressInWebview('canvas.view', ['3']);
      const d = await waitForDecoration('shown-b.png', (x) => x?.badge === '?', 'unsure in the other set');
      assert.equal(d?.tooltip, 'Label set "second-reader": unsure');
      assert.ok(await badgeOnScreen('tab', 'shown-b.png', '?'), 'the tab shows the active set');
    } finally {
      await vscode.commands.executeCommand('xrayAnomaly.debug.labelSet', folder, 'labels');
    }
    await waitForDecoration('shown-a.png', (x) => x?.badge === 'N', 'back to the first set');
    await waitForDecoration('shown-b.png', (x) => x?.badge === 'A', 'back to the first set');
  });

  it('copy and move of the selection through the real command: confirmed once, never overwriting; labels follow', async () => {
    const picked = join(wsRoot(), `${FIXTURE}-picked`);
    rmSync(picked, { recursive: true, force: true });
    mkdirSync(picked);
    writeFileSync(join(picked, 'shown-a.png'), 'already here');
    // A no first: nothing is touched.
    const no = answerNextConfirmation(false);
    const declined = vscode.commands.executeCommand('xrayAnomaly.results.export', root(), 'copy', picked, [
      'shown-c.png',
    ]);
    assert.match(await no, /^Copy 1 images to /);
    assert.equal(await declined, undefined);
    assert.ok(!existsSync(join(picked, 'shown-c.png')), 'declined: nothing copied');
    const asked = answerNextConfirmation(true);
    const copied = vscode.commands.executeCommand('xrayAnomaly.results.export', root(), 'copy', picked, [
      'shown-a.png',
      'shown-c.png',
    ]);
    assert.match(await asked, /^Copy 1 images to .*1 skipped: a file of that name is there \(shown-a\.png\)/);
    assert.equal(await copied, picked);
    assert.equal(readFileSync(join(picked, 'shown-a.png'), 'utf8'), 'already here', 'never overwritten');
    assert.deepEqual(readFileSync(join(picked, 'shown-c.png')), readFileSync(join(root(), 'shown-c.png')));
    await extensionLog(/Copied 1 of 2 images of labels-shown to .*\(skipped: 1 already there, 0 same name; failed 0/);

    // Move two labelled images to another folder of the workspace: the files and their labels go there.
    const r = await waitForReport(root(), 'all rows', (x) => x.rows === NAMES.length);
    await act({ action: 'select', rows: [r.top.find((t) => t.path === 'shown-c.png')!.row] });
    await pressInWebview('.tbody', ['2']);
    await waitForFileLabel('shown-c.png', 'abnormal');
    const dest = join(wsRoot(), `${FIXTURE}-moved`);
    rmSync(dest, { recursive: true, force: true });
    const askedMove = answerNextConfirmation(true);
    const moved = vscode.commands.executeCommand('xrayAnomaly.results.export', root(), 'move', dest, [
      'shown-b.png',
      'shown-c.png',
    ]);
    assert.match(await askedMove, /^Move 2 images to .*\? They leave labels-shown;/);
    assert.equal(await moved, dest);
    for (const n of ['shown-b.png', 'shown-c.png']) {
      assert.ok(existsSync(join(dest, n)) && !existsSync(join(root(), n)), `${n} moved`);
      assert.equal(fileLabel(n), undefined, `no label left under the old path of ${n}`);
    }
    const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
    assert.ok(p.ok);
    assert.equal(p.entries.get(`${FIXTURE}-moved/shown-b.png`)?.note, 'left rib edge');
    assert.equal(p.entries.get(`${FIXTURE}-moved/shown-c.png`)?.label, 'abnormal');
    const d = (await vscode.commands.executeCommand(
      'xrayAnomaly.debug.fileDecoration',
      vscode.Uri.file(join(dest, 'shown-c.png')),
    )) as Decoration | undefined;
    assert.equal(d?.badge, 'A', 'the moved file’s name shows its label');
    await extensionLog(/Moved 2 of 2 images of labels-shown to .*labels moved 2, left behind 0\)/);
  });
});
