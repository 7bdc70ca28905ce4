// Curation state across a whole-window reload (workbench.action.reloadWindow), in two halves (see reload.ts):
// before it, labels given with the panel's keys (single and bulk), a note typed into VS Code's input box and a
// box drawn in the viewer, in a label set of their own, with the panel in its grid and the viewer beside it;
// after it, in a new extension host and a new page, the label file holds them and the panel (restored by its
// serializer from the page's saved state, in its grid) and the viewer (restored by VS Code) show them.
// Imported last by index.ts: everything else runs before the reload.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import type { LabelEntry } from '../../../src/core/labels/types';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import type { ViewerAction } from '../../../src/protocol/viewer';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot, typeText } from './harness';
import { EXTENSION_ID, waitForReport, waitForView, waitInWorkbench } from './helpers';
import { canReload, reloadAfterRun, resumed } from './reload';
import { MODELS } from '../workspace';

const FIXTURE = 'reload-fixture';
const SET = 'reload';
const IMAGES = 6;
const NOTE = 'check the left apex';
const BOX = { x: 10, y: 12, w: 40, h: 48 };
const AFTER = 'Curation state after the window reload';
const RASTER = 'xrayAnomaly.viewer.raster';

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = () => join(wsRoot(), FIXTURE);
const labelFile = () => join(wsRoot(), '.xray-anomaly', 'labels', `${SET}.csv`);
const imageUri = (name: string) => vscode.Uri.file(join(root(), name));

/** What the keys, the note and the box leave, by image (the order the panel shows them in, by path). */
const EXPECTED: Record<string, { label?: string; note?: string; boxes?: number }> = {
  'img00.png': { label: 'normal', note: NOTE },
  'img01.png': { label: 'abnormal' },
  'img02.png': { label: 'unsure' },
  'img03.png': { boxes: 1 },
  'img04.png': { label: 'abnormal' },
  'img05.png': { label: 'abnormal' },
};

function fileEntries(): Map<string, LabelEntry> {
  const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
  assert.ok(p.ok, `the label file parses: ${JSON.stringify(p)}`);
  return new Map([...p.entries.values()].map((e) => [e.path.slice(FIXTURE.length + 1), e]));
}

function assertFile(): void {
  const f = fileEntries();
  assert.deepEqual([...f.keys()].sort(), Object.keys(EXPECTED));
  for (const [name, want] of Object.entries(EXPECTED)) {
    const e = f.get(name)!;
    assert.equal(e.label ?? undefined, want.label, `${name}'s label`);
    assert.equal(e.note ?? undefined, want.note, `${name}'s note`);
    assert.deepEqual(e.boxes ?? [], want.boxes ? [BOX] : [], `${name}'s boxes`);
  }
}

/** The panel shows every label and the note, in path order. */
function shown(r: ResultsReport): boolean {
  return (
    r.rows === IMAGES &&
    r.labels?.name === SET &&
    Object.entries(EXPECTED).every(([name, want]) => {
      const t = r.top.find((x) => x.path === name);
      return t !== undefined && t.mark === want.label && t.note === want.note;
    })
  );
}

const act = (action: ResultsAction) =>
  vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), action) as Thenable<ResultsReport>;
const viewerAct = (uri: vscode.Uri, action: ViewerAction) =>
  vscode.commands.executeCommand('xrayAnomaly.debug.viewerAction', uri, action);

if (!resumed)
  describe('Curation state across a window reload', function () {
    this.timeout(180_000);

    before(async function () {
      // Without the runner a reload would start the whole suite again (see reload.ts).
      if (!canReload()) this.skip();
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(root(), { recursive: true, force: true });
      rmSync(labelFile(), { force: true });
      mkdirSync(root(), { recursive: true });
      for (let i = 0; i < IMAGES; i++)
        writeFileSync(
          join(root(), `img0${i}.png`),
          await handPhantomPng({ width: 80, height: 96, seed: 400 + i, peak: 28000 + i * 2500 }),
        );
      await vscode.commands.executeCommand('xrayAnomaly.debug.labelSet', vscode.Uri.file(wsRoot()), SET);
    });

    it('labels (keys, single and bulk), a note and a box are written; then the window reloads', async () => {
      await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [
        MODELS.recon,
      ]);
      await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
      await waitForReport(root(), 'the scored rows in the set', (x) => x.rows === IMAGES && x.labels?.name === SET);
      let r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
      const row = (name: string) => r.top.find((t) => t.path === name)!.row;
      // img00 normal, img01 abnormal, img02 unsure (each key moves on); then img04 and img05 together.
      await act({ action: 'select', rows: [row('img00.png')] });
      await pressInWebview('.tbody', ['1', '2', '3']);
      await act({ action: 'select', rows: [row('img04.png'), row('img05.png')] });
      await pressInWebview('.tbody', ['2']);
      // A note on img00: n opens VS Code's input box, typed into as a user would.
      await act({ action: 'select', rows: [row('img00.png')] });
      await pressInWebview('.tbody', ['n']);
      await waitInWorkbench({ selector: '.quick-input-title', hasText: 'Note for img00.png' });
      await typeText(NOTE);
      await waitForReport(root(), 'the labels and the note in the panel', shown);
      // The panel in its grid, where boxes show over the thumbnails; its page saves that for its serializer. Before
      // the viewer opens: VS Code for the web writes the workbench's state (a webview's saved state with it) when
      // editors change, and what it writes while the page unloads for the reload can be lost (first run: the grid
      // chosen last came back as the table, the query chosen before the viewer opened came back).
      r = await act({ action: 'layout', layout: 'grid' });
      await waitForReport(root(), 'the grid', (x) => x.layout === 'grid' && (x.grid?.tiles ?? 0) === IMAGES);
      // A box on img03, in the viewer beside the panel.
      const uri = imageUri('img03.png');
      await vscode.commands.executeCommand('vscode.openWith', uri, RASTER, vscode.ViewColumn.Beside);
      await waitForView(uri, (s) => !!s.image && s.mark?.set === SET && s.renders > 0, 'img03 in the viewer');
      await viewerAct(uri, { action: 'setTool', tool: 'box' });
      await viewerAct(uri, { action: 'drawBox', from: [BOX.x, BOX.y], to: [BOX.x + BOX.w, BOX.y + BOX.h] });
      await waitForView(uri, (s) => s.mark?.boxes?.length === 1, 'the box in the viewer');
      await waitForReport(root(), 'the box on its tile', (x) => x.grid?.withBoxes?.tiles === 1);
      assertFile();
      reloadAfterRun(AFTER);
    });
  });

if (resumed)
  describe(AFTER, function () {
    this.timeout(180_000);

    it('the label file, the restored panel (grid) and the restored viewer show the labels, the note and the box', async () => {
      assertFile();
      // No command opened it: VS Code revived the panel through the extension's serializer, from its saved state.
      const r = await waitForReport(root(), 'the restored panel with the labels and the note', shown, 90_000);
      assert.equal(r.query.sort?.key, 'path', 'its saved order');
      const g = await waitForReport(root(), 'the restored grid with the box', (x) => x.grid?.withBoxes?.tiles === 1);
      assert.equal(g.grid!.withBoxes!.boxes, 1);
      const s = await waitForView(
        imageUri('img03.png'),
        (x) => x.mark?.boxes?.length === 1 && !!x.image && x.renders > 0,
        'the restored viewer drawing img03 with its box',
      );
      assert.deepEqual(s.mark!.boxes, [BOX]);
      assert.equal(s.mark!.set, SET, 'the active label set is remembered');
      await screenshot('curation-after-reload');
    });
  });
