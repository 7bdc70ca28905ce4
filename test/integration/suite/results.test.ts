// "Score Folder..." and the results panel in a real VS Code: a fixture folder is scored with two models
// through the real engine, rows reach the webview (asked through its own message channel, never host state),
// sorting, filtering and the histogram's threshold drag work in the webview, a row opens in the viewer and
// next/previous follow the panel's order, a killed engine does not stop the batch, and a re-run skips
// unchanged files and re-scores a changed one. Screenshots of real radiographs in light and dark themes.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot } from './harness';
import { EXTENSION_ID, extensionLog, waitForReport, waitInWorkbench } from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'results-fixture';
const NORMALS = 5;
const ANOMALOUS = 5;
const BROKEN = 'NORMAL/zz-broken.png';
const TOTAL = NORMALS + ANOMALOUS + 1;

function wsRoot(): string {
  const root = vscode.workspace.workspaceFolders?.[0];
  assert.ok(root, 'the test workspace is not open');
  return root.uri.fsPath;
}

const fixtureRoot = () => join(wsRoot(), FIXTURE);

async function report(root = fixtureRoot()): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root)) as ResultsReport;
}

async function act(action: ResultsAction, root = fixtureRoot()): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, action)) as ResultsReport;
}

const waitReport = (what: string, ok: (r: ResultsReport) => boolean, root = fixtureRoot(), ms = 45_000) =>
  waitForReport(root, what, ok, ms);

/** The last lines of the fixture's store (diagnostics for a failed assertion). */
function storeTail(): string {
  const dir = join(wsRoot(), '.xray-anomaly', 'batch');
  const sub = existsSync(dir) ? readdirSync(dir).find((d) => d.startsWith(FIXTURE)) : undefined;
  const f = join(dir, sub ?? '-', 'results.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(-6).join('\n') : '(no store)';
}

async function score(root: string, models: string[]): Promise<void> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root), undefined, models);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root);
}

function activeViewerPath(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.uri.fsPath : undefined;
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Results panel', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(fixtureRoot(), { recursive: true, force: true });
    for (let i = 0; i < NORMALS; i++) {
      mkdirSync(join(fixtureRoot(), 'NORMAL'), { recursive: true });
      writeFileSync(
        join(fixtureRoot(), 'NORMAL', `n${i}.png`),
        await handPhantomPng({ width: 96, height: 120, seed: 10 + i, peak: 30000 + i * 3000 }),
      );
    }
    for (let i = 0; i < ANOMALOUS; i++) {
      mkdirSync(join(fixtureRoot(), 'PNEUMONIA'), { recursive: true });
      writeFileSync(
        join(fixtureRoot(), 'PNEUMONIA', `p${i}.png`),
        await handPhantomPng({ width: 96, height: 120, seed: 50 + i, peak: 52000 + i * 2000 }),
      );
    }
    writeFileSync(join(fixtureRoot(), BROKEN), new TextEncoder().encode('this is not a PNG'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('scores a folder with two models: every file is a row, the broken one with its error, labels from the folders', async () => {
    await score(fixtureRoot(), [MODELS.recon, MODELS.map]);
    const r = await waitReport('all rows scored', (x) => x.rows === TOTAL && x.progress?.running === false);
    assert.equal(r.progress?.ended, 'finished');
    assert.equal(r.errors, 1, 'the broken file is a row with its error');
    const broken = r.top.find((t) => t.path === BROKEN);
    assert.ok(broken?.error, `the broken file's row: ${JSON.stringify(broken)}`);
    assert.equal(r.top.filter((t) => t.raw !== null).length, TOTAL - 1);
    // The default order: highest score first, the row without a score last.
    const raws = r.top.filter((t) => t.raw !== null).map((t) => t.raw!);
    assert.deepEqual(
      raws,
      [...raws].sort((a, b) => b - a),
    );
    assert.equal(r.top.at(-1)!.path, BROKEN);
    // NORMAL/ and PNEUMONIA/ are ground truth: ROC-AUC and AP for both models.
    const m = await waitReport('metrics', (x) => (x.metrics?.length ?? 0) === 2);
    for (const x of m.metrics!)
      assert.ok(x.rocAuc! >= 0 && x.rocAuc! <= 1 && x.averagePrecision! > 0, JSON.stringify(x));
    // The table draws on the next animation frame after the rows arrive: wait for it rather than read the
    // report taken when the last row came (under load that report could precede the first draw).
    const drawn = await waitReport('rows drawn', (x) => x.rendered > 0);
    assert.ok(drawn.rendered > 0 && drawn.rendered <= TOTAL);
    // What is drawn: the top row's cells show its file name and its scores.
    const cells = drawn.firstRowText ?? [];
    const top = drawn.top[0];
    assert.ok(cells.join(' ').includes(top.path.split('/').pop()!), JSON.stringify(cells));
    assert.ok(cells.includes(top.normalized!.toFixed(3)), `${JSON.stringify(cells)} shows ${top.normalized}`);
  });

  it('the preview shows the selected row with the heatmap of the model column', async () => {
    const top = (await report()).top.find((t) => t.raw !== null)!;
    await act({ action: 'setQuery', query: { model: 1 } });
    await act({ action: 'select', rows: [top.row] });
    const r = await waitReport('the preview with its heatmap', (x) => !!x.preview?.thumbnail && !!x.preview.heatmap);
    assert.equal(r.preview?.row, top.row);
    assert.equal(r.preview?.model, 1);
    assert.equal(r.preview?.message, undefined);
    await act({ action: 'setQuery', query: { model: 0 } });
  });

  it('sorts and filters in the webview', async () => {
    let r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    const paths = r.top.map((t) => t.path);
    assert.deepEqual(paths, [...paths].sort());
    r = await act({ action: 'setQuery', query: { text: 'pneu' } });
    assert.equal(r.visible, ANOMALOUS);
    assert.ok(r.top.every((t) => t.path.startsWith('PNEUMONIA/')));
    r = await act({ action: 'setQuery', query: { text: '', folder: 'NORMAL' } });
    assert.equal(r.visible, NORMALS + 1);
    r = await act({ action: 'setQuery', query: { folder: '', flag: 'errors' } });
    assert.deepEqual(
      r.top.map((t) => t.path),
      [BROKEN],
    );
    r = await act({ action: 'setQuery', query: { flag: 'all', min: 0.5 } });
    assert.ok(r.top.every((t) => t.normalized! >= 0.5));
    r = await act({ action: 'setQuery', query: { min: null, sort: { key: 'raw', descending: true } } });
    assert.equal(r.visible, TOTAL);
  });

  it('dragging the threshold line changes the flagged count', async () => {
    const before = await act({ action: 'setThreshold', model: 0, threshold: 0.5 });
    const scores = before.top
      .filter((t) => t.normalized !== null)
      .map((t) => t.normalized!)
      .sort((a, b) => a - b);
    // Drag to just below the middle score: half the images (or so) flagged, a count the scores predict.
    const to = Math.round((scores[Math.floor(scores.length / 2)] - 0.0005) * 1000) / 1000;
    const after = await act({ action: 'dragThreshold', from: 0.5, to });
    assert.ok(Math.abs(after.thresholds[0] - to) <= 0.011, `threshold ${after.thresholds[0]} after a drag to ${to}`);
    const expected = scores.filter((s) => s >= after.thresholds[0]).length;
    assert.equal(after.flagged, expected);
    assert.notEqual(after.flagged, before.flagged);
    const flaggedRows = (await act({ action: 'setQuery', query: { flag: 'flagged' } })).visible;
    assert.equal(flaggedRows, expected);
    await act({ action: 'setQuery', query: { flag: 'all' } });
    await act({ action: 'setThreshold', model: 0, threshold: 0.5 });
  });

  it('a row opens in the viewer; next and previous follow the panel order', async () => {
    const r = await act({ action: 'setQuery', query: { sort: { key: 'raw', descending: true }, folder: 'PNEUMONIA' } });
    const [first, second] = r.top.map((t) => t.path);
    // Open the first row through the webview's own open path.
    await act({ action: 'openRow', row: r.top[0].row });
    await waitFor('the first row in the viewer', () =>
      activeViewerPath() === join(fixtureRoot(), first) ? true : undefined,
    );
    assert.equal(await vscode.commands.executeCommand('xrayAnomaly.results.next'), true);
    await waitFor('the second row in the viewer', () =>
      activeViewerPath() === join(fixtureRoot(), second) ? true : undefined,
    );
    const sel = await report();
    assert.deepEqual(sel.selected, [second], 'the panel selects the image the viewer shows');
    assert.equal(await vscode.commands.executeCommand('xrayAnomaly.results.previous'), true);
    await waitFor('the first row again', () => (activeViewerPath() === join(fixtureRoot(), first) ? true : undefined));
    assert.equal(
      await vscode.commands.executeCommand('xrayAnomaly.results.previous'),
      false,
      'nothing before the first row',
    );
    await act({ action: 'setQuery', query: { folder: '' } });
  });

  it('a re-run skips unchanged files and re-scores a changed one', async () => {
    const changed = 'NORMAL/n0.png';
    const before = (await report()).top.find((t) => t.path === changed)!;
    writeFileSync(
      join(fixtureRoot(), changed),
      await handPhantomPng({ width: 96, height: 120, seed: 999, peak: 61000 }),
    );
    await score(fixtureRoot(), [MODELS.recon, MODELS.map]);
    const r = await waitReport('the re-run', (x) => x.progress?.running === false);
    assert.equal(r.progress?.ended, 'finished');
    assert.equal(r.progress?.skipped, TOTAL - 1, JSON.stringify(r.progress));
    assert.equal(r.progress?.done, 1, `re-scored: ${JSON.stringify(r.progress)}; store: ${storeTail()}`);
    assert.equal(r.rows, TOTAL, 'no row duplicated');
    const after = r.top.find((t) => t.path === changed)!;
    assert.notEqual(after.raw, before.raw, 'the changed file was scored again');
  });

  it('"Show Scored Results" opens the stored rows without scoring; a folder never scored opens nothing', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.showResults', vscode.Uri.file(fixtureRoot()));
    const r = await waitReport('the stored rows', (x) => x.rows === TOTAL && x.rendered > 0);
    assert.equal(r.progress, undefined, 'nothing was scored');
    assert.equal(r.thresholds.length, 2, 'a column per stored model');
    assert.equal(r.errors, 1);
    const never = join(wsRoot(), 'results-never-scored');
    mkdirSync(never, { recursive: true });
    // Not awaited: the command waits on its "Score it now?" message, shown once it has found no results.
    void vscode.commands.executeCommand('xrayAnomaly.showResults', vscode.Uri.file(never));
    assert.ok(
      await waitInWorkbench({ selector: '.notification-toast', hasText: 'has no scored results yet' }),
      'the offer to score the folder',
    );
    assert.equal(await report(never), undefined, 'no panel for a folder without results');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('keys keep the selected row on screen', async () => {
    const r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act({ action: 'select', rows: [r.top[0].row] });
    // Real key presses into the table: to the last row and back to the first, one row at a time part of the way.
    for (const keys of [['End'], ['Home'], Array<string>(TOTAL - 1).fill('ArrowDown'), ['PageUp']]) {
      await pressInWebview('.tbody', keys);
      const after = await waitReport('the key presses', (x) => x.anchorInView !== undefined);
      assert.equal(after.anchorInView, true, `after ${keys[0]} x${keys.length}: ${JSON.stringify(after.selected)}`);
    }
    assert.deepEqual((await report()).selected, [r.top[0].path], 'PageUp from the last row: the first');
  });

  it('a column resizes by keys on its header separator, is announced, and is kept over a reload', async () => {
    const pathWidth = (x: ResultsReport) => x.columns?.find((c) => c.id === 'path')?.width;
    const before = await report();
    const w0 = pathWidth(before);
    assert.ok(w0, JSON.stringify(before.columns));
    // Real keys on the Path column's separator (a Tab stop of its own): two steps wider, then a Shift step.
    const grip = '.th .grip[data-column="path"]';
    await pressInWebview(grip, ['ArrowRight', 'ArrowRight', 'Shift+ArrowRight']);
    const wide = await waitReport(
      'the wider column, saved',
      (x) => pathWidth(x) === w0 + 70 && x.savedColumnWidths?.path === w0 + 70,
    );
    assert.equal(wide.tableSaid, `Path column: ${w0 + 70} pixels`);
    const started = wide.timeline.started!;
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await waitReport(
      'the reloaded page with the wider column',
      (x) => (x.timeline.started ?? 0) > started && x.rendered > 0 && pathWidth(x) === w0 + 70,
    );
    // Enter gives the column its own width back, as a double click on its edge does.
    await pressInWebview(grip, ['Enter']);
    const back = await waitReport(
      'the column at its own width, saved',
      (x) => pathWidth(x) === w0 && x.savedColumnWidths !== undefined && !('path' in x.savedColumnWidths),
    );
    assert.equal(back.tableSaid, `Path column: its own width, ${w0} pixels`);
  });

  it('the panel comes back with its rows, order and filters when its page reloads', async () => {
    await act({ action: 'setQuery', query: { sort: { key: 'path', descending: true }, folder: 'NORMAL' } });
    // The page saves its state a moment after the last change.
    const saved = await waitReport(
      'the query saved',
      (x) => x.savedQuery?.folder === 'NORMAL' && x.savedQuery.sort.key === 'path' && x.savedQuery.sort.descending,
    );
    const before = saved.timeline.started!;
    // Every webview page restarts from its saved state, as after a window reload; the host replays the rows.
    // (A whole window reload, through the panel serializer, would also restart the extension host running
    // this suite.)
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    const r = await waitReport(
      'the reloaded page',
      (x) => (x.timeline.started ?? 0) > before && x.rows === TOTAL && x.rendered > 0,
    );
    assert.equal(r.query.sort.key, 'path');
    assert.equal(r.query.sort.descending, true);
    assert.equal(r.query.folder, 'NORMAL');
    assert.equal(r.visible, NORMALS + 1);
    const paths = r.top.map((t) => t.path);
    assert.deepEqual(paths, [...paths].sort().reverse());
    assert.ok(r.firstRowText?.join(' ').includes(paths[0].split('/').pop()!), JSON.stringify(r.firstRowText));
    await act({ action: 'setQuery', query: { folder: '', sort: { key: 'raw', descending: true } } });
  });

  it('the batch finishes when the engine is killed in the middle', async () => {
    const root = join(wsRoot(), 'results-crash');
    const n = 120;
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < n; i++)
      writeFileSync(
        join(root, `c${String(i).padStart(2, '0')}.png`),
        await handPhantomPng({ width: 96, height: 120, seed: 200 + i }),
      );
    // SIGKILL the engine once the first rows are written (the service writes them in groups, mid-run).
    await vscode.commands.executeCommand('xrayAnomaly.debug.killEngineAfterRows', root, 1);
    await score(root, [MODELS.recon]);
    const log = await extensionLog(/Test hook: killing the engine/);
    assert.match(log, /after \d+ rows/);
    const r = await waitReport('the batch after the kill', (x) => x.progress?.running === false, root);
    assert.equal(r.progress?.ended, 'finished');
    const dir = join(wsRoot(), '.xray-anomaly', 'batch');
    const sub = readdirSync(dir).find((d) => d.startsWith('results-crash'));
    const lines = readFileSync(join(dir, sub!, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n').length;
    assert.equal(r.rows, n, `progress ${JSON.stringify(r.progress)}; ${lines} lines in the store`);
    assert.equal(r.errors, 0, `no row failed for the kill: ${JSON.stringify(r.top.filter((t) => t.error))}`);
    assert.ok(
      r.top.every((t) => t.raw !== null),
      'every row shown first has its score',
    );
    assert.match(r.progress?.message ?? '', /restarted/);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('screenshots of real radiographs in light and dark themes', async function () {
    // Scoring 37 real X-rays takes a while on 2 shared cores.
    this.timeout(300_000);
    const data = ['/work/shared/data', join(wsRoot(), '..', '..', 'shared', 'data'), process.env.XRAY_DATA_DIR ?? '']
      .map((d) => join(d, 'chest-xray-pneumonia', 'test-dev'))
      .find((d) => d && existsSync(d));
    const root = join(wsRoot(), 'results-real');
    rmSync(root, { recursive: true, force: true });
    let model: string;
    if (data) {
      // Real chest X-rays, copied at test time (never committed), scored by the bundled chest model.
      for (const cls of ['NORMAL', 'PNEUMONIA']) {
        mkdirSync(join(root, cls), { recursive: true });
        for (const f of readdirSync(join(data, cls)).sort().slice(0, 18))
          copyFileSync(join(data, cls, f), join(root, cls, f));
      }
      model = 'chest-patchcore';
    } else {
      for (const [cls, seed] of [
        ['NORMAL', 300],
        ['PNEUMONIA', 400],
      ] as const) {
        mkdirSync(join(root, cls), { recursive: true });
        for (let i = 0; i < 12; i++)
          writeFileSync(
            join(root, cls, `${cls.toLowerCase()}-${i}.png`),
            await handPhantomPng({ width: 160, height: 200, seed: seed + i }),
          );
      }
      model = MODELS.recon;
    }
    writeFileSync(join(root, 'NORMAL', 'unreadable.jpeg'), new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await score(root, [model]);
    await waitReport('real rows', (x) => x.progress?.running === false && (x.metrics?.length ?? 0) > 0, root, 90_000);
    const sel = await act({ action: 'select', rows: [0] }, root);
    // Nine columns beside the charts: the file name shows whole; columns past the edge scroll sideways.
    const path = sel.columns?.find((c) => c.id === 'path');
    assert.ok(path && !path.cut, `the path's file name is cut: ${JSON.stringify(sel.columns)}`);
    const wide = await act({ action: 'resizeColumn', column: 'path', px: 420 }, root);
    assert.equal(wide.columns?.find((c) => c.id === 'path')?.width, 420, 'a resized column takes its width');
    const back = await act({ action: 'resizeColumn', column: 'path', px: null }, root);
    assert.equal(back.columns?.find((c) => c.id === 'path')?.width, path.width, 'and gives it back');
    const config = vscode.workspace.getConfiguration('workbench');
    for (const [theme, name] of [
      ['Default Dark Modern', 'results-dark'],
      ['Default Light Modern', 'results-light'],
    ]) {
      await config.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('notifications.clearAll');
      // The page has the theme (its charts redraw on the change) and no toast covers it.
      const kind = name.endsWith('dark') ? 'dark' : 'light';
      await waitReport('the page in the new theme', (x) => x.page?.theme === kind, root);
      await waitInWorkbench({ selector: '.notification-toast', hidden: true });
      await screenshot(name);
    }
    await config.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a narrow panel: the preview and charts below the table, the key columns in view, the path kept sideways', async function () {
    this.timeout(180_000);
    const root = join(wsRoot(), 'results-real');
    const config = vscode.workspace.getConfiguration('workbench');
    const cut = (x: ResultsReport) => Object.fromEntries((x.columns ?? []).map((c) => [c.id, c.cut]));
    await waitReport('the real rows drawn', (x) => x.rows > 0 && x.rendered > 0, root);
    try {
      // A file beside the panel, the two editor groups sized so that the panel is about 640 px wide.
      const beside = join(wsRoot(), 'results-narrow.txt');
      writeFileSync(beside, 'An editor beside the results panel.\n');
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.window.showTextDocument(vscode.Uri.file(beside), {
        viewColumn: vscode.ViewColumn.Beside,
        preserveFocus: true,
      });
      const layout = (share: number) =>
        vscode.commands.executeCommand('vscode.setEditorLayout', {
          orientation: 0,
          groups: [{ size: share }, { size: 1 - share }],
        });
      await layout(0.5);
      const half = await waitReport('the panel in half the editor', (x) => (x.page?.width ?? 900) < 900, root);
      const target = 640;
      await layout((0.5 * target) / half.page!.width);
      const r = await waitReport(
        `the panel at about ${target} px`,
        (x) => Math.abs((x.page?.width ?? 0) - target) <= 24 && x.page?.side === 'below' && x.rendered > 0,
        root,
      );
      assert.ok((r.table?.rowsInView ?? 0) >= 8, `rows in view: ${JSON.stringify(r.table)}`);
      for (const id of ['path', 'raw0', 'norm0', 'flag'])
        assert.equal(cut(r)[id], false, `${id} in view at ${r.page!.width} px: ${JSON.stringify(r.columns)}`);
      for (const [theme, kind, name] of [
        ['Default Dark Modern', 'dark', 'results-narrow-dark'],
        ['Default Light Modern', 'light', 'results-narrow-light'],
      ] as const) {
        await config.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('notifications.clearAll');
        await waitReport(`the ${kind} theme`, (x) => x.page?.theme === kind, root);
        await screenshot(name);
      }
      // Below the table, side by side: the preview (focusing its Heatmap box scrolls the page to it) and charts.
      await pressInWebview('.p-toggle', []);
      await waitReport('the page scrolled to the charts', (x) => (x.page?.scrollY ?? 0) > 0, root);
      await screenshot('results-narrow-charts-light');
      // Tab to the Error column's separator: the rows scroll sideways to it, the path stays at the left edge.
      await pressInWebview('.th .grip[data-column="error"]', []);
      const sideways = await waitReport(
        'the rows scrolled to the Error column',
        (x) => cut(x).error === false,
        root,
      ).catch(async (e: Error) => {
        const now = await report(root);
        throw new Error(
          `${e.message.slice(0, 300)}; columns ${JSON.stringify(now.columns)}; table ${JSON.stringify(now.table)}`,
        );
      });
      assert.equal(cut(sideways).path, false, `the path stays in view: ${JSON.stringify(sideways.columns)}`);
      assert.equal(cut(sideways).thumb, true, 'the columns left of the path scrolled away');
      await screenshot('results-narrow-sideways-light');
    } finally {
      await config.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllGroups');
      await vscode.commands.executeCommand('workbench.view.explorer');
    }
  });
});
