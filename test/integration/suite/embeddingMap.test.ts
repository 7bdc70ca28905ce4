// The embedding map in the results panel, in a real VS Code: a fixture folder of generated hand phantoms
// (two looks, plus a byte-identical copy and a broken file) scored with chest-patchcore (which keeps each
// image's backbone features), the Map view computed by the worker, a lasso drawn with pointer events on its
// canvas selecting exactly the points inside, the label keys labelling that selection, "Show in Table"
// showing it alone, colouring by label, and the map read back from its cache when the panel reopens.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { screenshot } from './harness';
import { EXTENSION_ID, waitForReport } from './helpers';

const FIXTURE = 'map-fixture';

function wsRoot(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  assert.ok(ws, 'the test workspace is not open');
  return ws.uri.fsPath;
}

async function report(root: string): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root)) as ResultsReport;
}

async function act(action: ResultsAction, root: string): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, action)) as ResultsReport;
}

const waitReport = (what: string, ok: (r: ResultsReport) => boolean, root: string, ms = 90_000) =>
  waitForReport(root, what, ok, ms);

async function score(root: string): Promise<void> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root), undefined, [
    'chest-patchcore',
  ]);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root);
}

describe('Embedding map in the results panel', function () {
  this.timeout(240_000);
  const root = () => join(wsRoot(), FIXTURE);
  const N = 16;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    mkdirSync(root(), { recursive: true });
    const size = { width: 160, height: 200, peak: 40000 };
    // Two looks: one hand upright, two hands turned; each image its own noise.
    for (let i = 0; i < N / 2; i++) {
      writeFileSync(join(root(), `one${i}.png`), await handPhantomPng({ ...size, seed: 10 + i }));
      writeFileSync(join(root(), `two${i}.png`), await handPhantomPng({ ...size, seed: 50 + i, hands: 2, rotate: 90 }));
    }
    copyFileSync(join(root(), 'one0.png'), join(root(), 'one0-copy.png'));
    writeFileSync(join(root(), 'broken.png'), new TextEncoder().encode('not a PNG'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens, a lasso selects the points inside, the keys label them, Show in Table shows them', async () => {
    await score(root());
    await waitReport('scored', (x) => x.rows === N + 2 && x.progress?.running === false, root());
    let r = await act({ action: 'layout', layout: 'map' }, root());
    assert.equal(r.layout, 'map');
    r = await waitReport('the map drawn', (x) => x.map?.status === 'ready' && x.map.points > 0, root());
    const map = r.map!;
    // Every readable image has a point (the copy shares its original's place); the broken one has none.
    assert.equal(map.points, N + 1, JSON.stringify(map));
    assert.equal(map.cached, false);
    const pos = map.positions!;
    const pathOf = new Map(r.top.map((t) => [t.row, t.path]));
    const copy = pos.find((p) => pathOf.get(p.row) === 'one0-copy.png')!;
    const orig = pos.find((p) => pathOf.get(p.row) === 'one0.png')!;
    assert.deepEqual([copy.x, copy.y], [orig.x, orig.y]);
    // The two looks are apart on the map: each image's nearest other image has its look.
    const look = (row: number) => (pathOf.get(row) ?? '').slice(0, 3);
    for (const p of pos) {
      const others = pos.filter((q) => q.row !== p.row && !(q.x === p.x && q.y === p.y));
      const near = others.reduce((a, b) =>
        Math.hypot(a.x - p.x, a.y - p.y) <= Math.hypot(b.x - p.x, b.y - p.y) ? a : b,
      );
      assert.equal(look(near.row), look(p.row), `${pathOf.get(p.row)} is nearest to ${pathOf.get(near.row)}`);
    }
    // A lasso around the left part of the map (cut between two points' x), drawn as pointer events.
    const xs = [...new Set(pos.map((p) => p.x))].sort((a, b) => a - b);
    const cut = (xs[Math.floor(xs.length / 2) - 1] + xs[Math.floor(xs.length / 2)]) / 2;
    const lasso: [number, number][] = [
      [-0.02, -0.02],
      [cut / 2, -0.02],
      [cut, -0.02],
      [cut, 0.5],
      [cut, 1.02],
      [-0.02, 1.02],
      [-0.02, 0.5],
    ];
    const inside = pos.filter((p) => p.x < cut).map((p) => pathOf.get(p.row)!);
    r = await act({ action: 'lasso', points: lasso }, root());
    assert.deepEqual([...r.selected].sort(), [...inside].sort());
    r = await waitReport('the selection counted', (x) => x.map!.text.includes(`${inside.length} selected`), root());
    assert.match(r.map!.text, new RegExp(`^${N + 1} images on the map`));
    // The label keys on the map label the lasso's images (one undo step), as in the table.
    await act({ action: 'keys', keys: ['2'] }, root());
    await waitReport('the selection labelled abnormal', (x) => x.labels?.counts.abnormal === inside.length, root());
    await act({ action: 'mapColour', by: 'label' }, root());
    r = await waitReport(
      'coloured by label',
      (x) => x.map?.colourBy === 'label' && x.map.legend.includes('abnormal'),
      root(),
    );
    assert.ok(r.map!.legend.includes('abnormal'), JSON.stringify(r.map!.legend));
    await screenshot('embedding-map-fixture');
    // Show in Table: the table shows the selection alone.
    r = await act({ action: 'showSelection' }, root());
    assert.equal(r.layout, 'table');
    assert.equal(r.visible, inside.length);
    assert.deepEqual(r.top.map((t) => t.path).sort(), [...inside].sort());
    assert.ok(r.top.every((t) => t.mark === 'abnormal'));
    r = await act({ action: 'clearSimilar' }, root());
    assert.equal(r.visible, N + 2);
    // Undo takes the labels off again.
    await act({ action: 'layout', layout: 'map' }, root());
    await act({ action: 'keys', keys: ['u'] }, root());
    await waitReport('labels undone', (x) => (x.labels?.counts.abnormal ?? 0) === 0, root());
  });

  it('reopened, the map comes from its cache, point for point', async () => {
    const before = (await report(root())).map!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.showResults', vscode.Uri.file(root()), undefined, [
      'chest-patchcore',
    ]);
    await waitReport('rows back', (x) => x.rows === N + 2, root());
    await act({ action: 'layout', layout: 'map' }, root());
    const r = await waitReport('the map drawn', (x) => x.map?.status === 'ready' && x.map.points > 0, root());
    assert.equal(r.map!.cached, true);
    const key = (p: { row: number; x: number; y: number }) => `${p.row}:${p.x}:${p.y}`;
    assert.deepEqual(r.map!.positions!.map(key).sort(), before.positions!.map(key).sort());
  });

  it('screenshots on real chest X-rays, light and dark', async function () {
    const data = ['/work/shared/data', join(wsRoot(), '..', '..', 'shared', 'data'), process.env.XRAY_DATA_DIR ?? '']
      .map((d) => join(d, 'chest-xray-pneumonia', 'test-dev'))
      .find((d) => d && existsSync(d));
    if (!data) this.skip();
    const real = join(wsRoot(), 'map-real');
    rmSync(real, { recursive: true, force: true });
    // Real chest X-rays, copied at test time (never committed).
    for (const cls of ['NORMAL', 'PNEUMONIA']) {
      mkdirSync(join(real, cls), { recursive: true });
      for (const f of readdirSync(join(data!, cls)).sort().slice(0, 24))
        copyFileSync(join(data!, cls, f), join(real, cls, f));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await score(real);
    await waitReport('real rows', (x) => x.progress?.running === false && x.rows > 0, real, 180_000);
    await act({ action: 'layout', layout: 'map' }, real);
    const r = await waitReport('the map drawn', (x) => x.map?.status === 'ready' && x.map.points > 0, real);
    // Lasso the top-right quarter.
    const lassoed = await act(
      {
        action: 'lasso',
        points: [
          [0.5, 0.5],
          [1.02, 0.5],
          [1.02, 1.02],
          [0.5, 1.02],
        ],
      },
      real,
    );
    assert.equal(lassoed.selected.length, r.map!.positions!.filter((p) => p.x > 0.5 && p.y > 0.5).length);
    // Hover a point: the tip shows its thumbnail and path.
    const hovered = r.map!.positions![0].row;
    await act({ action: 'hoverPoint', row: hovered }, real);
    const h = await waitReport('the hover tip with its thumbnail', (x) => !!x.map?.hover?.thumbnail, real, 30_000);
    assert.equal(h.map!.hover!.row, hovered);
    const config = vscode.workspace.getConfiguration('workbench');
    for (const [theme, name, by] of [
      ['Default Dark Modern', 'embedding-map-dark', 'score'],
      ['Default Light Modern', 'embedding-map-light', 'truth'],
    ] as const) {
      await config.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await act({ action: 'mapColour', by }, real);
      await vscode.commands.executeCommand('notifications.clearAll');
      await new Promise((res) => setTimeout(res, 1200));
      await screenshot(name);
    }
    await config.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });
});
