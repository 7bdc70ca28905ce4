// Box marks in a real VS Code: B and a real mouse drag (Playwright) draw a box on the X-ray viewer's image,
// saved in the label file's boxes column; a box drawn zoomed in and panned lands on the image pixels asked
// for; the viewer reopened on a window that forgot its labels shows the boxes from the file; a click picks a
// box and Delete removes it, u undoes. Screenshot on a real chest X-ray when ../shared/data is there.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import type { LabelBox } from '../../../src/core/labels/types';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import type { ViewerAction, ViewStateReport } from '../../../src/protocol/viewer';
import { handPhantomPng } from '../../fixtures/images';
import { dragInWebview, pressInWebview, screenshot } from './harness';
import { EXTENSION_ID, waitForView, waitForReport, waitInWorkbench } from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'boxes-fixture';
const RASTER = 'xrayAnomaly.viewer.raster';
const CANVAS = 'canvas.view';

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const labelFile = () => join(wsRoot(), '.xray-anomaly', 'labels', 'labels.csv');

function fileBoxes(rel: string): LabelBox[] | undefined {
  if (!existsSync(labelFile())) return undefined;
  const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
  assert.ok(p.ok, `the label file parses: ${JSON.stringify(p)}`);
  return p.entries.get(rel)?.boxes ?? [];
}

async function waitFile(what: string, rel: string, ok: (b: LabelBox[]) => boolean, ms = 30_000): Promise<LabelBox[]> {
  const until = Date.now() + ms;
  let last: LabelBox[] | undefined;
  while (Date.now() < until) {
    last = fileBoxes(rel);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; boxes in the file: ${JSON.stringify(last)}`);
}

async function act(uri: vscode.Uri, action: ViewerAction): Promise<ViewStateReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.viewerAction', uri, action)) as ViewStateReport;
}

async function open(uri: vscode.Uri): Promise<ViewStateReport> {
  await vscode.commands.executeCommand('vscode.openWith', uri, RASTER);
  return waitForView(uri, (s) => !!s.image && !!s.mark && s.renders > 0, 'the image and its label set');
}

const waitReport = (root: string, what: string, ok: (r: ResultsReport) => boolean, ms = 90_000) =>
  waitForReport(root, what, ok, ms);

describe('Box marks in the viewer', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(join(wsRoot(), FIXTURE), { recursive: true, force: true });
    rmSync(labelFile(), { force: true });
    mkdirSync(join(wsRoot(), FIXTURE), { recursive: true });
    writeFileSync(
      join(wsRoot(), FIXTURE, 'hand.png'),
      await handPhantomPng({ width: 320, height: 256, seed: 91, peak: 30000 }),
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('B and a mouse drag draw a box saved in the label file; zoomed and panned a box lands on the pixels asked for', async () => {
    const uri = vscode.Uri.file(join(wsRoot(), FIXTURE, 'hand.png'));
    const rel = `${FIXTURE}/hand.png`;
    const s0 = await open(uri);
    assert.deepEqual(s0.mark?.boxes, []);
    await pressInWebview(CANVAS, ['b']);
    await waitForView(uri, (s) => s.view.tool === 'box', 'the box tool on');
    const drag = await dragInWebview(CANVAS, [0.3, 0.3], [0.6, 0.7]);
    const [first] = await waitFile('the dragged box in the file', rel, (b) => b.length === 1);
    // Where the drag went in image pixels: the view's centre and zoom (device pixels per image pixel).
    const s1 = await waitForView(uri, (s) => s.mark?.boxes?.length === 1, 'the box in the viewer');
    assert.deepEqual(s1.mark?.boxes, [first], 'the viewer shows what the file holds');
    if (drag) {
      // The box has the drag's shape (the view maps both axes alike), inside the image.
      assert.ok(first.w > 4 && first.h > 4, JSON.stringify(first));
      assert.ok(first.x >= 0 && first.y >= 0 && first.x + first.w <= 320 && first.y + first.h <= 256);
      const ratio = first.w / first.h;
      const expected = (drag.to[0] - drag.from[0]) / (drag.to[1] - drag.from[1]);
      assert.ok(
        Math.abs(ratio - expected) < 0.15 * expected,
        `box ${JSON.stringify(first)} for a drag ${JSON.stringify(drag)}`,
      );
    }
    const text = readFileSync(labelFile(), 'utf8');
    assert.match(text, /^path,label,note,sha256,updated,boxes\n/);
    assert.match(
      text,
      new RegExp(`${FIXTURE}/hand\\.png,,,[0-9a-f]{64},[^,]+,${first.x} ${first.y} ${first.w} ${first.h}\\n`),
    );

    await act(uri, { action: 'zoomPan', factor: 3, dx: -150, dy: 90 });
    const zoomed = await act(uri, { action: 'drawBox', from: [40, 30], to: [100, 80] });
    assert.ok(zoomed.view.zoom > s1.view.zoom * 2, 'drawn zoomed in');
    const two = await waitFile('the second box', rel, (b) => b.length === 2);
    assert.deepEqual(two[1], { x: 40, y: 30, w: 60, h: 50 });
  });

  it('the viewer reopened on a window that forgot its labels shows the boxes from the file; Delete and u', async () => {
    const uri = vscode.Uri.file(join(wsRoot(), FIXTURE, 'hand.png'));
    const rel = `${FIXTURE}/hand.png`;
    const onDisk = fileBoxes(rel)!;
    assert.equal(onDisk.length, 2);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.debug.labelsForget');
    const s = await open(uri);
    assert.deepEqual(s.mark?.boxes, onDisk);
    await pressInWebview(CANVAS, ['b']);
    await waitForView(uri, (x) => x.view.tool === 'box', 'the box tool on again');
    // A click inside the second box picks it; Delete removes that one (a real key press).
    await act(uri, { action: 'deleteBox', at: [70, 55] });
    await waitFile('the picked box removed', rel, (b) => b.length === 1);
    assert.deepEqual(fileBoxes(rel), [onDisk[0]]);
    await pressInWebview(CANVAS, ['Delete']);
    await waitFile('the last box removed', rel, (b) => b.length === 0);
    assert.doesNotMatch(readFileSync(labelFile(), 'utf8'), new RegExp(rel), 'an image without marks leaves the file');
    await pressInWebview(CANVAS, ['u']);
    await waitFile('the delete undone', rel, (b) => b.length === 1);
    await waitForView(uri, (x) => x.mark?.boxes?.length === 1, 'the undone box shown');
  });

  it('screenshot: a box on a real chest X-ray', async function () {
    const data = ['/work/shared/data', join(wsRoot(), '..', '..', 'shared', 'data'), process.env.XRAY_DATA_DIR ?? '']
      .map((d) => join(d, 'chest-xray-pneumonia', 'test-dev', 'PNEUMONIA'))
      .find((d) => d && existsSync(d));
    if (!data) this.skip();
    const names = readdirSync(data!).sort().slice(0, 6);
    const name = names[0];
    const dest = join(wsRoot(), FIXTURE, 'real');
    mkdirSync(dest, { recursive: true });
    // Copied at test time, never committed (the others are for the grid's screenshot below).
    for (const n of names) copyFileSync(join(data!, n), join(dest, n));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const uri = vscode.Uri.file(join(dest, name));
    const s = await open(uri);
    const { width, height } = s.image!;
    // The lower right lung field (the image's left half: a PA film is seen as if facing the patient).
    await act(uri, { action: 'setTool', tool: 'box' });
    await act(uri, {
      action: 'drawBox',
      from: [width * 0.2, height * 0.45],
      to: [width * 0.45, height * 0.75],
    });
    await waitFile('the box on the chest X-ray', `${FIXTURE}/real/${name}`, (b) => b.length === 1);
    await waitForView(uri, (x) => x.mark?.boxes?.length === 1, 'the box shown');
    // Unpicked (a click beside it) and without the test model's heatmap, so the box shows as users see it.
    await act(uri, { action: 'drawBox', from: [2, 2], to: [2, 2] });
    await pressInWebview(CANVAS, ['h']);
    await waitForView(uri, (x) => !x.view.overlayVisible, 'the heatmap hidden');
    await vscode.commands.executeCommand('notifications.clearAll');
    await waitInWorkbench({ selector: '.notification-toast', hidden: true });
    await screenshot('boxes-viewer-chest');
  });

  it('the results panel draws the boxes over the table’s thumbnails, the preview and the grid’s tiles', async () => {
    const root = join(wsRoot(), FIXTURE);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root), undefined, [MODELS.recon]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root);
    const r = await waitReport(root, 'the scored rows', (x) => x.rows >= 1 && !x.progress?.running);
    // hand.png keeps one box (the undo above), the first real chest X-ray has one when the data is there.
    const withBoxes = r.top.some((t) => t.path.startsWith('real/')) ? 2 : 1;
    // The table: one box over each thumbnail of an image that has one (all rows fit on screen).
    await waitReport(root, 'the boxes on the table’s thumbnails', (x) => x.thumbnailBoxes === withBoxes);
    // The preview of the selected image: its label line and its box.
    const hand = r.top.find((t) => t.path === 'hand.png')!;
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, {
      action: 'select',
      rows: [hand.row],
    } satisfies ResultsAction);
    const p = await waitReport(
      root,
      'the box on the preview',
      (x) => x.preview?.row === hand.row && x.preview.boxes === 1,
    );
    assert.equal(p.preview?.mark, 'no label', 'a box alone: the preview says there is no label');
    await screenshot('boxes-table-preview');
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, {
      action: 'layout',
      layout: 'grid',
    } satisfies ResultsAction);
    const g = await waitReport(
      root,
      'the boxes drawn on the tiles',
      (x) => (x.grid?.withBoxes?.tiles ?? 0) === withBoxes,
    );
    assert.equal(g.grid!.withBoxes!.boxes, withBoxes, 'one box on each image that has one');
    await vscode.commands.executeCommand('notifications.clearAll');
    await waitInWorkbench({ selector: '.notification-toast', hidden: true });
    await screenshot('boxes-grid');
  });
});
