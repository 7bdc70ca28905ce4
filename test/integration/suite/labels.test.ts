// Labelling from the keyboard in a real VS Code: real key presses (Playwright, into the results webview)
// label single images and a multi-selection, `u` undoes, the label file on disk is the documented CSV,
// labels come back from the disk when the window's label state is dropped and the panel reopened, a label
// file broken by hand is reported with its line and never overwritten, and an edit made on disk (another
// window, a script) shows up in the panel. Screenshots of the panel with labels, light and dark.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import type { ResultsAction, ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview, screenshot, typeText } from './harness';
import {
  answerNextConfirmation,
  clickInWorkbench,
  EXTENSION_ID,
  extensionLog,
  waitForView,
  waitForReport,
  waitInWorkbench,
} from './helpers';
import { MODELS } from '../workspace';

const FIXTURE = 'labels-fixture';
const IMAGES = 12;
const TABLE = '.tbody';

const wsRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const root = () => join(wsRoot(), FIXTURE);
const labelFile = () => join(wsRoot(), '.xray-anomaly', 'labels', 'labels.csv');

async function report(): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root())) as ResultsReport;
}

async function act(action: ResultsAction): Promise<ResultsReport> {
  return (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), action)) as ResultsReport;
}

const waitReport = (what: string, ok: (r: ResultsReport) => boolean, ms = 45_000) =>
  waitForReport(root(), what, ok, ms);

function fileLabels(): Map<string, string | undefined> {
  const p = parseLabelFile(readFileSync(labelFile(), 'utf8'));
  assert.ok(p.ok, `the label file parses: ${JSON.stringify(p)}`);
  return new Map([...p.entries.values()].map((e) => [e.path, e.label]));
}

const marks = (r: ResultsReport) => r.top.map((t) => t.mark ?? '-');

async function openPanel(): Promise<ResultsReport> {
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
  return waitReport('scored rows and the label set', (x) => x.rows === IMAGES && !x.progress?.running && !!x.labels);
}

describe('Labels from the keyboard', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    rmSync(labelFile(), { force: true });
    mkdirSync(root(), { recursive: true });
    for (let i = 0; i < IMAGES; i++)
      writeFileSync(
        join(root(), `img${String(i).padStart(2, '0')}.png`),
        await handPhantomPng({ width: 80, height: 96, seed: 200 + i, peak: 28000 + i * 2500 }),
      );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('labels one image per key (1 normal, 2 abnormal, 3 unsure; each moves on), j/k move, and writes the CSV', async () => {
    let r = await openPanel();
    assert.equal(r.labels?.name, 'labels');
    r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    await act({ action: 'select', rows: [r.top[0].row] });
    await pressInWebview(TABLE, ['1', '2', '3', 'j', '1', 'k', 'k', '2']);
    r = await waitReport('four labels', (x) => (x.labels?.counts.normal ?? 0) + (x.labels?.counts.abnormal ?? 0) >= 4);
    // img00 normal -> img01 abnormal -> img02 unsure -> j skips img03 -> img04 normal; k k back to img03 -> abnormal.
    assert.deepEqual(marks(r).slice(0, 6), ['normal', 'abnormal', 'unsure', 'abnormal', 'normal', '-']);
    const onDisk = fileLabels();
    assert.equal(onDisk.get(`${FIXTURE}/img00.png`), 'normal');
    assert.equal(onDisk.get(`${FIXTURE}/img03.png`), 'abnormal');
    assert.equal(onDisk.size, 5);
    const text = readFileSync(labelFile(), 'utf8');
    assert.match(text, /^path,label,note,sha256,updated\n/);
    assert.match(text, /labels-fixture\/img00\.png,normal,,[0-9a-f]{64},\d{4}-/, 'the content hash is recorded');
  });

  it('labels a multi-selection with one key, and u undoes the whole batch', async () => {
    let r = await report();
    const rows = r.top.slice(6, 10).map((t) => t.row);
    await act({ action: 'select', rows });
    await pressInWebview(TABLE, ['2']);
    await waitReport('bulk abnormal', (x) => x.top.slice(6, 10).every((t) => t.mark === 'abnormal'));
    assert.equal(fileLabels().size, 9);
    await pressInWebview(TABLE, ['u']);
    r = await waitReport('bulk undone', (x) => x.top.slice(6, 10).every((t) => !t.mark));
    assert.equal(fileLabels().size, 5);
    assert.deepEqual(marks(r).slice(0, 6), ['normal', 'abnormal', 'unsure', 'abnormal', 'normal', '-']);
  });

  it('labels persist: the panel reopened on a window that forgot them shows them from the file', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.debug.labelsForget');
    const r = await openPanel();
    const s = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    assert.deepEqual(marks(s).slice(0, 6), ['normal', 'abnormal', 'unsure', 'abnormal', 'normal', '-']);
    assert.equal(r.labels?.counts.normal, 2);
    for (const theme of ['Default Light Modern', 'Default Dark Modern']) {
      const kind = theme.includes('Light') ? 'light' : 'dark';
      await vscode.workspace
        .getConfiguration('workbench')
        .update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      // The panel's page has taken the theme (VS Code marks a webview's body with its kind).
      await waitInWorkbench({ selector: `body.vscode-${kind}`, inWebview: true });
      await screenshot(`labels-panel-${kind}`);
    }
  });

  it('an edit made on disk shows up; a file broken by hand is reported with its line and never overwritten', async () => {
    const text = readFileSync(labelFile(), 'utf8');
    writeFileSync(labelFile(), text.replace(`${FIXTURE}/img02.png,unsure`, `${FIXTURE}/img02.png,normal`));
    await waitReport('the external edit', (x) => x.top[2]?.mark === 'normal');
    const broken = readFileSync(labelFile(), 'utf8').replace(
      `${FIXTURE}/img03.png,abnormal`,
      `${FIXTURE}/img03.png,abnromal`,
    );
    writeFileSync(labelFile(), broken);
    const r = await waitReport('the problem shown', (x) => !!x.labels?.problem);
    assert.match(r.labels!.problem!, /labels\.csv line 5: unknown label "abnromal"/);
    await act({ action: 'select', rows: [r.top[5].row] });
    await pressInWebview(TABLE, ['1']);
    await extensionLog(/labels\.csv: an edit was refused, nothing written \(line 5: unknown label/, 30_000);
    assert.equal(readFileSync(labelFile(), 'utf8'), broken, 'the broken file is kept as it is');
    await vscode.commands.executeCommand('workbench.action.closeNotifications').then(
      () => undefined,
      () => undefined,
    );
    writeFileSync(labelFile(), broken.replace('abnromal', 'abnormal'));
    await waitReport('fixed', (x) => !x.labels?.problem && x.top[3]?.mark === 'abnormal');
    assert.ok(existsSync(labelFile()));
  });
});

describe('Exports and the threshold from labels', function () {
  this.timeout(120_000);
  const out = () => join(wsRoot(), 'exports');

  before(async () => {
    rmSync(out(), { recursive: true, force: true });
    await openPanel();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('exports CSV, JSON, Label Studio tasks and an HTML report that parse back', async () => {
    const r = await report();
    const exp = (format: string, file: string) =>
      vscode.commands.executeCommand('xrayAnomaly.results.export', root(), format, join(out(), file));
    await exp('csv', 'r.csv');
    const lines = readFileSync(join(out(), 'r.csv'), 'utf8').trim().split('\n');
    assert.equal(
      lines[0],
      `path,label,note,truth,${MODELS.recon}.score,${MODELS.recon}.normalized,${MODELS.recon}.flagged,${MODELS.recon}.error`,
    );
    assert.equal(lines.length, IMAGES + 1);
    const img00 = lines.find((l) => l.startsWith('img00.png,'))!.split(',');
    assert.equal(img00[1], 'normal');
    assert.ok(
      Number.isFinite(Number(img00[4])) && img00[6] === String(r.top.find((t) => t.path === 'img00.png')!.flagged),
    );
    await exp('json', 'r.json');
    const json = JSON.parse(readFileSync(join(out(), 'r.json'), 'utf8'));
    assert.equal(json.root, FIXTURE);
    assert.equal(json.labelSet, 'labels');
    assert.equal(json.images.length, IMAGES);
    const j00 = json.images.find((i: { path: string }) => i.path === 'img00.png');
    assert.equal(j00.label, 'normal');
    assert.equal(typeof j00.scores[`${MODELS.recon}@${json.models[0].version}`].raw, 'number');
    // Label Studio's documented task format: data + predictions [{model_version, score, result: [...]}].
    await exp('labelStudio', 'ls.json');
    const tasks = JSON.parse(readFileSync(join(out(), 'ls.json'), 'utf8'));
    assert.ok(Array.isArray(tasks) && tasks.length === IMAGES);
    for (const t of tasks) {
      assert.match(t.data.image, /^\/data\/local-files\/\?d=labels-fixture\/img\d\d\.png$/);
      assert.equal(t.predictions.length, 1);
      const p = t.predictions[0];
      assert.equal(typeof p.model_version, 'string');
      assert.ok(p.score >= 0 && p.score <= 1);
      assert.deepEqual(Object.keys(p.result[0]).sort(), ['from_name', 'to_name', 'type', 'value']);
      assert.equal(p.result[0].type, 'choices');
      assert.ok(['normal', 'abnormal'].includes(p.result[0].value.choices[0]));
    }
    assert.match(readFileSync(join(out(), 'ls.config.xml'), 'utf8'), /<Choices name="label" toName="image"/);
    await exp('report', 'report.html');
    const html = readFileSync(join(out(), 'report.html'), 'utf8');
    assert.match(html, /<svg role="img" aria-label="Histogram/);
    assert.match(html, /<img alt="" src="data:image\//, 'flagged thumbnails are inline');
    assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained, no script');
  });

  it('copies the selection to a folder and never overwrites', async () => {
    const dest = join(out(), 'picked');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'img01.png'), 'already here');
    // The confirmation (a notification: VS Code refuses modal dialogs under tests) says what is skipped, up front.
    const asked = answerNextConfirmation(true);
    const copied = vscode.commands.executeCommand('xrayAnomaly.results.export', root(), 'copy', dest, [
      'img00.png',
      'img01.png',
    ]);
    assert.match(await asked, /^Copy 1 images to .*\? .*1 skipped: a file of that name is there \(img01\.png\)/);
    assert.equal(await copied, dest);
    assert.deepEqual(readFileSync(join(dest, 'img00.png')), readFileSync(join(root(), 'img00.png')));
    assert.equal(readFileSync(join(dest, 'img01.png'), 'utf8'), 'already here');
    assert.ok(existsSync(join(root(), 'img00.png')), 'a copy leaves the original');
  });

  it('copies the selection to a folder picked in VS Code’s own folder dialog, never overwriting', async () => {
    const dest = join(out(), 'dialog');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'img03.png'), 'already here');
    const asked = answerNextConfirmation(true);
    // No target: the folder comes from the dialog.
    const copied = vscode.commands.executeCommand('xrayAnomaly.results.export', root(), 'copy', undefined, [
      'img02.png',
      'img03.png',
    ]);
    // code-server's folder dialog is VS Code's simple file dialog: a quick input holding a folder path, its OK
    // button labelled with the command's openLabel. The path typed as a user would, then the button pressed.
    await waitInWorkbench({ inputValue: /\/$/ });
    await pressInWebview('.quick-input-box input', ['Control+a']);
    await typeText(`${dest}/`, false);
    const typed = dest.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
    await waitInWorkbench({ inputValue: new RegExp(`^${typed}/$`) });
    await screenshot('copy-folder-dialog');
    assert.ok(await clickInWorkbench('button', 'Copy Here'), 'the dialog’s Copy Here button');
    assert.match(await asked, /^Copy 1 images to .*dialog\? .*1 skipped: a file of that name is there \(img03\.png\)/);
    assert.equal(await copied, dest);
    assert.deepEqual(readFileSync(join(dest, 'img02.png')), readFileSync(join(root(), 'img02.png')));
    assert.equal(readFileSync(join(dest, 'img03.png'), 'utf8'), 'already here', 'never overwritten');
    assert.ok(existsSync(join(root(), 'img02.png')), 'a copy leaves the original');
  });

  it('recalibrates the threshold on images labelled normal, stored per folder', async () => {
    const r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    const few = await vscode.commands.executeCommand('xrayAnomaly.results.thresholdFromLabels', root(), 0, true);
    assert.equal(few, undefined, 'refused with fewer than 10 normals');
    await act({ action: 'select', rows: r.top.map((t) => t.row) });
    await pressInWebview(TABLE, ['1']);
    await waitReport('all normal', (x) => x.labels?.counts.normal === IMAGES);
    const o = (await vscode.commands.executeCommand('xrayAnomaly.results.thresholdFromLabels', root(), 0, true)) as {
      normals: number;
      threshold: number;
      low: number;
      high: number;
      normalized: number;
      warning?: string;
    };
    assert.equal(o.normals, IMAGES);
    assert.ok(o.low <= o.threshold && o.threshold <= o.high);
    assert.match(o.warning ?? '', /only 12 normals/);
    const stored = JSON.parse(readFileSync(join(wsRoot(), '.xray-anomaly', 'thresholds.json'), 'utf8'));
    const entry = Object.values(stored.folders[FIXTURE] as Record<string, { normalized: number }>)[0];
    assert.equal(entry.normalized, o.normalized);
    const after = await report();
    assert.ok(Math.abs(after.thresholds[0] - o.normalized) < 1e-9, `${after.thresholds[0]} vs ${o.normalized}`);
    // At the new threshold about the fit's false-alarm share of these normals is flagged, not all 12.
    assert.ok(after.flagged <= 2, `flagged ${after.flagged}`);
  });

  it('the palette’s Export and Threshold from Labels, without arguments, press the panel’s own buttons', async () => {
    // The panel's own order and filter: only img00..img09, by path, descending (the button exports what is shown).
    await act({ action: 'setQuery', query: { sort: { key: 'path', descending: true }, text: 'img0' } });
    await waitReport('img0*, descending', (x) => x.visible === 10 && x.top[0]?.path === 'img09.png');
    const target = join(wsRoot(), `${FIXTURE}-results.csv`);
    rmSync(target, { force: true });
    const exported = vscode.commands.executeCommand('xrayAnomaly.results.export');
    // The format's quick pick, clicked; then VS Code's own save dialog, prefilled beside the folder, accepted as
    // it is once it shows that name.
    assert.ok(await clickInWorkbench('option', 'CSV', { exact: false, timeoutMs: 30_000 }), 'the format picked');
    await waitInWorkbench({ inputValue: new RegExp(`${FIXTURE}-results\\.csv$`) });
    await typeText('');
    await extensionLog(new RegExp(`Exported 10 images of ${FIXTURE} as csv to .*${FIXTURE}-results\\.csv`), 30_000);
    await exported;
    const lines = readFileSync(target, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      Array.from({ length: 10 }, (_, i) => `img0${9 - i}.png`),
      'the rows the panel shows, in its order',
    );
    await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false }, text: '' } });

    // Threshold from labels: every image labelled normal, then the palette's command and the modal's button.
    const r = await waitReport('all rows again', (x) => x.visible === IMAGES);
    await act({ action: 'select', rows: r.top.map((t) => t.row) });
    await pressInWebview(TABLE, ['1']);
    await waitReport('all normal', (x) => x.labels?.counts.normal === IMAGES);
    const stored = join(wsRoot(), '.xray-anomaly', 'thresholds.json');
    rmSync(stored, { force: true });
    await act({ action: 'setThreshold', model: 0, threshold: 0.5 });
    await waitReport('the model’s own threshold', (x) => x.thresholds[0] === 0.5);
    const asked = vscode.commands.executeCommand('xrayAnomaly.results.thresholdFromLabels');
    assert.ok(await clickInWorkbench('button', 'Use for This Folder', { timeoutMs: 30_000 }), 'the modal’s button');
    // The override is stored before the panel is told, so the panel's new threshold means the file is written.
    const after = await waitReport('the new threshold', (x) => Math.abs(x.thresholds[0] - 0.5) > 1e-6);
    await asked;
    const entry = Object.values(
      JSON.parse(readFileSync(stored, 'utf8')).folders[FIXTURE] as Record<
        string,
        { normalized: number; normals: number }
      >,
    )[0];
    assert.equal(entry.normals, IMAGES);
    assert.ok(Math.abs(after.thresholds[0] - entry.normalized) < 1e-9, `${after.thresholds[0]} vs ${entry.normalized}`);
  });
});

describe('Labels in the viewer', function () {
  this.timeout(120_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('an image opened from the panel shows its label; 2 labels it and moves to the next image of the panel', async () => {
    await openPanel();
    const r = await act({ action: 'setQuery', query: { sort: { key: 'path', descending: false } } });
    const five = r.top.find((t) => t.path === 'img05.png')!;
    await act({ action: 'openRow', row: five.row });
    const uri5 = vscode.Uri.file(join(root(), 'img05.png'));
    const s5 = await waitForView(uri5, (s) => s.mark?.keys === true && !!s.image, 'the viewer with its label badge');
    assert.equal(s5.mark?.set, 'labels');
    await pressInWebview('canvas.view', ['2']);
    const uri6 = vscode.Uri.file(join(root(), 'img06.png'));
    await waitForView(uri6, (s) => s.mark?.keys === true, 'the next image of the panel in the viewer');
    assert.equal(fileLabels().get(`${FIXTURE}/img05.png`), 'abnormal');
    await waitReport(
      'the panel shows the viewer’s label',
      (x) => x.top.find((t) => t.path === 'img05.png')?.mark === 'abnormal',
    );
    await screenshot('labels-viewer-badge');
    await pressInWebview('canvas.view', ['k']);
    const back = await waitForView(uri5, (s) => s.mark?.label === 'abnormal', 'back to img05 with its badge');
    assert.equal(back.mark?.label, 'abnormal');
    await pressInWebview('canvas.view', ['u']);
    await waitForView(uri5, (s) => s.mark?.label !== 'abnormal', 'the label undone in the viewer');
  });
});
