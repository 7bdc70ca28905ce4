// Model comparison in the results panel, in a real VS Code: a fixture folder scored with two models, the
// "Compare Models" view's rank correlation equals Spearman's rho computed from the rows the panel reports
// per model, the disagreement list is the rows ranked furthest apart, and a click on a scatter point (a real
// pointer event on the canvas) opens that image in the viewer. Screenshots on real chest X-rays, light and dark.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { spearman } from '../../../src/webview/results/compare';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot } from './harness';
import { EXTENSION_ID, waitForReport, waitInWorkbench } from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'compare-fixture';
const IMAGES = 10;

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const fixtureRoot = () => join(wsRoot(), FIXTURE);

async function report(root = fixtureRoot()): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root)) as ResultsReport;
}

async function act(action: ResultsAction, root = fixtureRoot()): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, action)) as ResultsReport;
}

const waitReport = (what: string, ok: (r: ResultsReport) => boolean, root = fixtureRoot(), ms = 60_000) =>
  waitForReport(root, what, ok, ms);

async function score(root: string, models: string[]): Promise<void> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root), undefined, models);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root);
}

function activeViewerPath(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.uri.fsPath : undefined;
}

/** Each row's raw score for one model column, as the panel's own rows give them (path -> score). */
async function scoresOf(model: number): Promise<Map<string, number>> {
  const r = await act({ action: 'setQuery', query: { model, sort: { key: 'path', descending: false } } });
  return new Map(r.top.filter((t) => t.raw !== null).map((t) => [t.path, t.raw!]));
}

describe('Model comparison', function () {
  this.timeout(180_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(fixtureRoot(), { recursive: true, force: true });
    mkdirSync(fixtureRoot(), { recursive: true });
    for (let i = 0; i < IMAGES; i++)
      writeFileSync(
        join(fixtureRoot(), `img${i}.png`),
        await handPhantomPng({ width: 96, height: 120, seed: 700 + i, peak: 26000 + ((i * 7) % 10) * 3500 }),
      );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the rank correlation of the rows, the disagreements, and a scatter point opens its image', async () => {
    await score(fixtureRoot(), [MODELS.recon, MODELS.map]);
    await waitReport('both columns scored', (x) => x.rows === IMAGES && x.progress?.running === false);
    // Every image is in the folder itself: the folder filter still offers "All folders" (it was once empty).
    assert.ok(
      await waitInWorkbench({
        selector: 'vscode-single-select[aria-label="Folder"]',
        hasText: 'All folders',
        inWebview: true,
      }),
    );
    const a = await scoresOf(0);
    const b = await scoresOf(1);
    const paths = [...a.keys()].filter((p) => b.has(p));
    assert.equal(paths.length, IMAGES, 'both models scored every image');
    const expected = spearman(
      paths.map((p) => a.get(p)!),
      paths.map((p) => b.get(p)!),
    );
    assert.ok(expected !== undefined);

    await act({ action: 'layout', layout: 'compare' });
    const r = await waitReport('the comparison drawn', (x) => (x.compare?.points ?? 0) > 0);
    const c = r.compare!;
    assert.equal(r.layout, 'compare');
    assert.deepEqual(c.models, [0, 1]);
    assert.equal(c.n, IMAGES);
    assert.ok(Math.abs(c.spearman! - expected) < 1e-12, `panel ${c.spearman}, rows ${expected}`);
    assert.ok(c.text.includes(`Spearman ρ ${expected.toFixed(3)}`), c.text);
    assert.equal(c.points, IMAGES);
    const q = c.quadrants;
    assert.equal(q.both + q.onlyX + q.onlyY + q.neither, IMAGES);
    // The list's first image is the one whose ranks differ most, from the same per-model scores.
    const rank = (m: Map<string, number>, p: string) => [...m.values()].filter((v) => v < m.get(p)!).length;
    const gaps = paths.map((p) => Math.abs(rank(a, p) - rank(b, p)));
    assert.equal(
      gaps[paths.indexOf(c.disagreements[0].path)],
      Math.max(...gaps),
      JSON.stringify(c.disagreements.slice(0, 3)),
    );

    // Swapping the axes keeps rho and swaps the quadrant counts.
    const swapped = (await act({ action: 'compareModels', a: 1, b: 0 })).compare!;
    assert.ok(Math.abs(swapped.spearman! - c.spearman!) < 1e-12);
    assert.deepEqual([swapped.quadrants.onlyX, swapped.quadrants.onlyY], [q.onlyY, q.onlyX]);
    await act({ action: 'compareModels', a: 0, b: 1 });

    // A click on a point opens its image in the viewer and selects its row: the point furthest from any
    // other (points that overlap on screen are one click target).
    const gap = (d: (typeof c.disagreements)[0]) =>
      Math.min(...c.disagreements.filter((e) => e !== d).map((e) => Math.hypot(e.x - d.x, e.y - d.y)));
    const target = [...c.disagreements].sort((u, v) => gap(v) - gap(u))[0];
    await act({ action: 'clickPoint', row: target.row });
    const until = Date.now() + 20_000;
    while (activeViewerPath() !== join(fixtureRoot(), target.path) && Date.now() < until)
      await new Promise((res) => setTimeout(res, 100));
    assert.equal(activeViewerPath(), join(fixtureRoot(), target.path));
    assert.deepEqual((await report()).selected, [target.path]);
  });

  it('the grid shows the table order as tiles with thumbnails and heatmaps, and labels from the keyboard', async () => {
    let r = await act({ action: 'setQuery', query: { model: 0, sort: { key: 'raw', descending: true } } });
    const order = r.top.map((t) => t.path);
    await act({ action: 'layout', layout: 'grid' });
    // Heatmaps are made when rows show (PanelHeatmaps): they may come after the thumbnails.
    r = await waitReport(
      'tiles with thumbnails, heatmaps and the label set',
      (x) =>
        (x.grid?.tiles ?? 0) === IMAGES &&
        x.grid!.withThumbnail === IMAGES &&
        x.grid!.withHeatmap === IMAGES &&
        !!x.labels,
    );
    const g = r.grid!;
    assert.equal(r.layout, 'grid');
    assert.deepEqual(g.first, order.slice(0, 12), 'same order as the table');
    assert.ok(g.columns >= 2, `columns: ${g.columns}`);
    assert.equal(g.withHeatmap, IMAGES, 'each tile holds its heatmap for the hover');
    // Real key presses into the grid: 1 and 2 label and move on, ArrowRight skips one, 3 then u undoes it,
    // 3 again labels the image after; ArrowDown then goes one grid row down.
    await act({ action: 'select', rows: [r.top[0].row] });
    await pressInWebview('.grid-scroll', ['1', '2', 'ArrowRight', '3', 'u']);
    await waitReport('undone', (x) => x.top[3] !== undefined && !x.top[3].mark && x.top[1].mark === 'abnormal');
    await pressInWebview('.grid-scroll', ['3', 'ArrowDown']);
    r = await waitReport('three labels', (x) => x.top[4]?.mark === 'unsure');
    assert.deepEqual(
      r.top.slice(0, 6).map((t) => t.mark ?? '-'),
      ['normal', 'abnormal', '-', '-', 'unsure', '-'],
    );
    assert.deepEqual(r.selected, [order[Math.min(IMAGES - 1, 5 + g.columns)]]);
    // Bulk: a selection of three takes one key.
    await act({ action: 'select', rows: r.top.slice(6, 9).map((t) => t.row) });
    await pressInWebview('.grid-scroll', ['2']);
    await waitReport('bulk abnormal', (x) => x.top.slice(6, 9).every((t) => t.mark === 'abnormal'));
    r = await act({ action: 'keys', keys: ['h'] });
    assert.equal(r.grid?.heatmapsAlways, true);
    await act({ action: 'keys', keys: ['h'] });
    await act({ action: 'layout', layout: 'table' });
  });

  it('the grid is virtualised: of 150 images only the tiles on screen exist, End reaches the last', async () => {
    const root = join(wsRoot(), 'grid-many');
    const n = 150;
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < n; i++)
      writeFileSync(
        join(root, `g${String(i).padStart(3, '0')}.png`),
        await handPhantomPng({ width: 48, height: 60, seed: 900 + i }),
      );
    // Keys go to the first webview that has a grid: this panel's alone.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await score(root, [MODELS.recon]);
    await waitReport('150 rows', (x) => x.rows === n && x.progress?.running === false, root);
    await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } }, root);
    await act({ action: 'layout', layout: 'grid' }, root);
    let r = await waitReport('tiles', (x) => (x.grid?.tiles ?? 0) > 0, root);
    const first = r.top[0];
    assert.ok(r.grid!.tiles < n / 2, `${r.grid!.tiles} tiles in the DOM for ${n} images`);
    assert.equal(r.grid!.first[0], first.path);
    await act({ action: 'select', rows: [first.row] }, root);
    await pressInWebview('.grid-scroll', ['End']);
    r = await waitReport(
      'the last image',
      (x) => x.selected[0] === 'g149.png' && !x.grid!.first.includes(first.path),
      root,
    );
    assert.ok(r.grid!.tiles < n / 2);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('screenshots of the comparison and the grid on real chest X-rays, light and dark', async function () {
    const data = ['/work/shared/data', join(wsRoot(), '..', '..', 'shared', 'data'), process.env.XRAY_DATA_DIR ?? '']
      .map((d) => join(d, 'chest-xray-pneumonia', 'test-dev'))
      .find((d) => d && existsSync(d));
    if (!data) this.skip();
    const root = join(wsRoot(), 'compare-real');
    rmSync(root, { recursive: true, force: true });
    // Real chest X-rays, copied at test time (never committed), scored by the two bundled chest models.
    for (const cls of ['NORMAL', 'PNEUMONIA']) {
      mkdirSync(join(root, cls), { recursive: true });
      for (const f of readdirSync(join(data!, cls)).sort().slice(0, 20))
        copyFileSync(join(data!, cls, f), join(root, cls, f));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await score(root, ['chest-patchcore', 'pca-ae-chest']);
    await waitReport('real rows', (x) => x.progress?.running === false && x.rows > 0, root, 150_000);
    await act({ action: 'layout', layout: 'compare' }, root);
    const r = await waitReport('the comparison drawn', (x) => (x.compare?.points ?? 0) > 0, root);
    await act({ action: 'select', rows: [r.compare!.disagreements[0].row] }, root);
    const config = vscode.workspace.getConfiguration('workbench');
    const shoot = async (prefix: string) => {
      for (const [theme, name] of [
        ['Default Dark Modern', `${prefix}-dark`],
        ['Default Light Modern', `${prefix}-light`],
      ]) {
        await config.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('notifications.clearAll');
        await new Promise((res) => setTimeout(res, 1200));
        await screenshot(name);
      }
    };
    await shoot('compare');
    // The grid with every heatmap shown (h) and a few labels.
    await act({ action: 'layout', layout: 'grid' }, root);
    const g = await waitReport('the grid drawn', (x) => (x.grid?.withThumbnail ?? 0) > 0, root);
    await act({ action: 'select', rows: [g.top[0].row] }, root);
    await act({ action: 'keys', keys: ['2', '2', '1', '3', 'h'] }, root);
    await waitReport('grid labels', (x) => x.top[3]?.mark === 'unsure', root);
    await shoot('grid');
    await config.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });
});
