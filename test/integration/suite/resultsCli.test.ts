// A folder scored by the CLI (no --media: its rows name no thumbnail), then opened with "Show Scored Results":
// the panel's thumbnails and heatmaps are made on demand by the engine and show in the table and the preview
// (counted in the webview: images that loaded, not URIs held).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseRows } from '../../../src/core/batch/jsonl';
import { storeLocation } from '../../../src/core/batch/location';
import type { ResultsReport } from '../../../src/protocol/results';
import { handPhantomPng } from '../../fixtures/images';
import { EXTENSION_ID } from './helpers';
import { MODELS } from '../workspace';

const FOLDER = 'results-cli';
const N = 6;

function wsRoot(): string {
  const root = vscode.workspace.workspaceFolders?.[0];
  assert.ok(root, 'the test workspace is not open');
  return root.uri.fsPath;
}

async function waitReport(what: string, root: string, ok: (r: ResultsReport) => boolean, ms = 60_000) {
  const until = Date.now() + ms;
  let last: ResultsReport | undefined;
  while (Date.now() < until) {
    last = (await vscode.commands.executeCommand('xrayAnomaly.debug.resultsReport', root).then(
      (r) => r,
      () => undefined,
    )) as ResultsReport | undefined;
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last report: ${JSON.stringify(last)?.slice(0, 1500)}`);
}

/** Runs the bundled CLI (dist/cli.js) with the extension host's own Node. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ext.extensionPath, 'dist', 'cli.js'), ...args], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('Results of a folder scored by the CLI', function () {
  this.timeout(180_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows thumbnails and heatmaps made on demand for rows the CLI wrote without any', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const root = join(wsRoot(), FOLDER);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < N; i++)
      writeFileSync(
        join(root, `cli${i}.png`),
        await handPhantomPng({ width: 96, height: 120, seed: 700 + i, peak: 30000 + i * 4000 }),
      );
    // Where the extension looks for this folder's results; the CLI writes them there, without media.
    const loc = storeLocation(wsRoot(), FOLDER);
    rmSync(join(loc.store, '..'), { recursive: true, force: true });
    const run = await cli([
      'score',
      root,
      '--model',
      join(wsRoot(), 'models', `${MODELS.recon}.model.json`),
      '--out',
      loc.store,
    ]);
    assert.equal(run.code, 0, run.out);
    const rows = parseRows(readFileSync(loc.store, 'utf8')).rows;
    assert.equal(rows.length, N);
    assert.ok(
      rows.every((r) => r.thumb === undefined),
      'the CLI wrote no thumbnail',
    );
    assert.ok(!existsSync(join(loc.media, 'thumbs')));

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.showResults', vscode.Uri.file(root));
    const r = await waitReport(
      'every row with its thumbnail shown',
      root,
      (x) => x.rows === N && x.thumbnailsShown === N,
    );
    assert.equal(r.progress, undefined, 'nothing was scored');
    assert.ok(existsSync(join(loc.media, 'thumbs')), 'made in the folder media cache');
    // The preview of a selected row: its thumbnail and its heatmap, which the CLI stored none of: made on
    // demand for the rows shown (PanelHeatmaps), by the model's whole graph.
    await vscode.commands.executeCommand('xrayAnomaly.debug.resultsAction', root, { action: 'select', rows: [0] });
    const p = await waitReport(
      'the preview with a heatmap made on demand',
      root,
      (x) => x.preview?.row === 0 && !!x.preview.thumbnail && !!x.preview.heatmap,
    );
    assert.equal(p.preview?.message, undefined);
    assert.ok(existsSync(join(loc.media, 'heatmaps')), 'made in the folder media cache');
  });
});
