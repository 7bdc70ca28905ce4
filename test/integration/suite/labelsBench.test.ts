// @bench: labelling 100 images from the keyboard in the real VS Code, run by `npm run bench:labels`
// (XRAY_BENCH=1), never by `npm test`. Real key presses (Playwright) into the results panel: one key per
// image (1 or 2; each label moves on to the next row), as fast as the keyboard sends them. Measured: the
// time from the first key to the 100th label in the file on disk and in the panel, and side by side the
// same 100 single-image edits written straight through the label file (no webview, no keys): the cost
// of the keyboard path is their ratio.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseLabelFile } from '../../../src/core/labels/csv';
import { LabelFile } from '../../../src/extension/labels/labelFile';
import type { ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { pressInWebview } from './harness';
import { EXTENSION_ID } from './helpers';
import { MODELS } from '../workspace';

const N = 100;
const FIXTURE = 'labels-bench';

describe('@bench labelling', function () {
  this.timeout(600_000);
  const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const root = () => join(ws(), FIXTURE);
  const file = () => join(ws(), '.xray-anomaly', 'labels', 'bench.csv');

  before(async function () {
    if (process.env.XRAY_BENCH !== '1') this.skip();
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    rmSync(root(), { recursive: true, force: true });
    mkdirSync(root(), { recursive: true });
    for (let i = 0; i < N; i++)
      writeFileSync(
        join(root(), `b${String(i).padStart(3, '0')}.png`),
        await handPhantomPng({ width: 64, height: 64, seed: 1000 + i }),
      );
  });

  it('labels 100 images with one key each', async () => {
    const report = () =>
      vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root()) as Thenable<ResultsReport>;
    await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(root()), undefined, [MODELS.recon]);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', root());
    // A set of its own, so the other suites' labels do not count.
    const folder = vscode.workspace.workspaceFolders![0];
    rmSync(file(), { force: true });
    await vscode.commands.executeCommand('xrayAnomaly.debug.labelSet', folder.uri, 'bench');
    const r = (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), {
      action: 'setQuery',
      query: { sort: { key: 'path', descending: false } },
    })) as ResultsReport;
    assert.equal(r.rows, N);
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root(), {
      action: 'select',
      rows: [r.top[0].row],
    });
    const keys = Array.from({ length: N }, (_, i) => (i % 7 === 3 ? '2' : '1'));
    const t0 = Date.now();
    const pressed = await pressInWebview('.tbody', keys, { timeoutMs: 300_000 });
    const pressedAt = Date.now();
    let onDisk = 0;
    let diskAt = 0;
    while (Date.now() - t0 < 300_000) {
      const p = parseLabelFile(readFileSync(file(), 'utf8'));
      onDisk = p.ok ? p.entries.size : -1;
      if (onDisk === N && !diskAt) diskAt = Date.now();
      const rep = await report();
      const c = rep.labels?.counts;
      const inPanel = c ? c.normal + c.abnormal + c.unsure : 0;
      if (diskAt && inPanel === N) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const panelAt = Date.now();
    assert.equal(onDisk, N, 'every image labelled on disk');
    // The reference, side by side: the same 100 one-image edits straight through the label file.
    const dir = mkdtempSync(join(tmpdir(), 'labels-ref-'));
    const lf = new LabelFile(join(dir, 'ref.csv'));
    const r0 = Date.now();
    for (let i = 0; i < N; i++)
      await lf.edit([{ path: `${FIXTURE}/b${i}.png`, label: keys[i] === '2' ? 'abnormal' : 'normal' }]);
    const refMs = Date.now() - r0;
    const result = {
      images: N,
      keysPressedMs: pressedAt - t0,
      playwrightPressMs: pressed?.ms,
      firstKeyToAllOnDiskMs: diskAt - t0,
      firstKeyToAllInPanelMs: panelAt - t0,
      perImageMs: (diskAt - t0) / N,
      referenceDirectWritesMs: refMs,
      ratioToDirectWrites: (diskAt - t0) / Math.max(1, refMs),
      loadAverage: (await import('node:os')).loadavg()[0],
    };
    const outDir = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri.fsPath, 'test-output', 'bench');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'labels.json'), JSON.stringify(result, null, 1));
    console.log(`[bench] labelling: ${JSON.stringify(result)}`);
  });
});
