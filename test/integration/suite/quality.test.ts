// Dataset-quality flags in the results panel, in a real VS Code: a fixture folder with a byte-identical
// copy, a brighter copy (near duplicate), a dark image, a blurred one and a broken file is scored through
// the real engine; the webview (asked through its own message channel) shows each flag on its rows, the
// quality filter and sort keep duplicate groups together, and a threshold setting changes the verdicts.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import sharp from 'sharp';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng, type HandPhantomOptions } from '../../fixtures/images';
import { screenshot } from './harness';
import { EXTENSION_ID, waitForReport } from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'quality-fixture';
/** Distinct images: different layouts (one or two hands, turned, framed, padded, inverted). */
const PLAIN: HandPhantomOptions[] = [
  {},
  { hands: 2 },
  { rotate: 180 },
  { border: 12, marker: true },
  { pad: 20, text: 'AP' },
  { invert: true },
];
const TOTAL = PLAIN.length + 5;

function root(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  assert.ok(ws, 'the test workspace is not open');
  return join(ws.uri.fsPath, FIXTURE);
}

async function act(action: ResultsAction): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), action)) as ResultsReport;
}

const waitReport = (what: string, ok: (r: ResultsReport) => boolean, ms = 60_000) =>
  waitForReport(root(), what, ok, ms);

const flagsOf = (r: ResultsReport, path: string) => r.top.find((t) => t.path === path)?.quality ?? [];

describe('Dataset quality in the results panel', function () {
  this.timeout(180_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    mkdirSync(join(root(), 'plain'), { recursive: true });
    mkdirSync(join(root(), 'copies'), { recursive: true });
    const size = { width: 160, height: 200, peak: 40000 };
    for (const [i, v] of PLAIN.entries())
      writeFileSync(join(root(), 'plain', `h${i}.png`), await handPhantomPng({ ...size, seed: 100 + i * 7, ...v }));
    copyFileSync(join(root(), 'plain', 'h0.png'), join(root(), 'copies', 'h0-copy.png'));
    // The same image exposed 15% brighter: other bytes, same picture.
    writeFileSync(
      join(root(), 'copies', 'h1-brighter.png'),
      await handPhantomPng({ ...size, seed: 107, hands: 2, peak: 46000 }),
    );
    writeFileSync(join(root(), 'dark.png'), await handPhantomPng({ ...size, seed: 300, peak: 9000, border: 30 }));
    const sharpOne = await handPhantomPng({ ...size, seed: 400, rotate: 90, hands: 2 });
    writeFileSync(join(root(), 'blurry.png'), await sharp(sharpOne).blur(4).png().toBuffer());
    writeFileSync(join(root(), 'broken.png'), new TextEncoder().encode('this is not a PNG'));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('xrayAnomaly').update('quality.darkLevel', undefined, true);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('flags exact and near duplicates, a dark, a blurry and an unreadable image, each on its own rows', async () => {
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
    const r = await waitReport(
      'every row with its quality verdict',
      (x) =>
        x.rows === TOTAL && x.progress?.running === false && x.top.length === TOTAL && x.top.every((t) => t.quality),
    );
    const exact = ['copies/h0-copy.png', 'plain/h0.png'];
    const near = ['copies/h1-brighter.png', 'plain/h1.png'];
    for (const p of exact) assert.ok(flagsOf(r, p).includes('exactDuplicate'), `${p}: ${flagsOf(r, p)}`);
    for (const p of near) assert.ok(flagsOf(r, p).includes('nearDuplicate'), `${p}: ${flagsOf(r, p)}`);
    assert.ok(flagsOf(r, 'dark.png').includes('dark'), `dark.png: ${flagsOf(r, 'dark.png')}`);
    assert.ok(flagsOf(r, 'blurry.png').includes('blurry'), `blurry.png: ${flagsOf(r, 'blurry.png')}`);
    assert.deepEqual(flagsOf(r, 'broken.png'), ['unreadable']);
    // Nothing else is a duplicate, dark or blurry.
    for (const t of r.top.filter((x) => ![...exact, ...near, 'dark.png', 'blurry.png'].includes(x.path)))
      assert.ok(
        !t.quality!.some((f) => ['exactDuplicate', 'nearDuplicate', 'dark', 'blurry'].includes(f)),
        `${t.path}: ${t.quality}`,
      );
    assert.equal(r.quality?.exactDuplicate, 2);
    assert.equal(r.quality?.nearDuplicate, 2);
  });

  it('the quality filter and sort show each duplicate group together', async () => {
    let r = await act({
      action: 'setQuery',
      query: { quality: 'duplicates', sort: { key: 'quality', descending: false } },
    });
    assert.equal(r.visible, 4);
    const groups = r.top.map((t) => t.group);
    // Two groups of two, each pair adjacent.
    assert.equal(groups[0], groups[1]);
    assert.equal(groups[2], groups[3]);
    assert.notEqual(groups[1], groups[2]);
    r = await act({ action: 'setQuery', query: { quality: 'dark' } });
    assert.deepEqual(
      r.top.map((t) => t.path),
      ['dark.png'],
    );
    await act({ action: 'setQuery', query: { quality: 'any' } });
    await screenshot('quality-panel');
    r = await act({ action: 'setQuery', query: { quality: 'all', sort: { key: 'raw', descending: true } } });
    assert.equal(r.visible, TOTAL);
  });

  it("more like this: the rows nearest by the model's backbone features, copies first", async () => {
    // chest-patchcore names its backbone layer, so its scoring run keeps each image's features.
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [
      MODELS.recon,
      'chest-patchcore',
    ]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
    let r = await waitReport('both models scored', (x) => x.rows === TOTAL && x.progress?.running === false);
    r = await act({ action: 'setQuery', query: { model: 1 } });
    const rowOf = (path: string) => r.top.find((t) => t.path === path)!.row;
    const h0 = rowOf('plain/h0.png');
    const h1 = rowOf('plain/h1.png');
    await act({ action: 'moreLikeThis', row: h0 });
    r = await waitReport('the neighbours of plain/h0.png', (x) => x.similar?.anchor === h0 && x.similar.rows > 0);
    assert.equal(r.similar?.message, undefined);
    // The image, its byte-identical copy, then every other readable image (fewer than 50), nearest first.
    assert.deepEqual(
      r.top.slice(0, 2).map((t) => t.path),
      ['plain/h0.png', 'copies/h0-copy.png'],
    );
    assert.equal(r.visible, TOTAL - 1);
    assert.ok(!r.top.some((t) => t.path === 'broken.png'));
    await act({ action: 'moreLikeThis', row: h1 });
    r = await waitReport('the neighbours of plain/h1.png', (x) => x.similar?.anchor === h1);
    assert.equal(r.top[1].path, 'copies/h1-brighter.png', JSON.stringify(r.top.map((t) => t.path)));
    await screenshot('quality-more-like-this');
    r = await act({ action: 'clearSimilar' });
    assert.equal(r.similar, undefined);
    assert.equal(r.visible, TOTAL);
  });

  it('a threshold setting changes the verdicts without scoring again', async () => {
    await vscode.workspace.getConfiguration('xrayAnomaly').update('quality.darkLevel', 0, true);
    const r = await waitReport('dark.png no longer dark', (x) => !flagsOf(x, 'dark.png').includes('dark'));
    assert.equal(r.quality?.dark, 0);
    await vscode.workspace.getConfiguration('xrayAnomaly').update('quality.darkLevel', undefined, true);
    await waitReport('dark.png dark again', (x) => flagsOf(x, 'dark.png').includes('dark'));
  });
});
