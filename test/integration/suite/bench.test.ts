// @bench: open-to-heatmap timing in the real VS Code, run by `npm run bench:viewer` (XRAY_BENCH=1), never
// by `npm test`. Measures what a user waits for: from "open this file" to the webview reporting that it
// has drawn the image and received the score and heatmap. Large images reach the webview as a reduced
// copy first, so each run records four moments: first image drawn (the copy), score received, heatmap
// drawn over an image, full-resolution pixels drawn. The reference run, side by side, is the same
// decode + analysis through a bare engine process with no VS Code or webview in between.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EngineClient } from '../../../src/engine/client';
import type { ViewStateReport } from '../../../src/protocol/viewer';
import { BENCH_FILES } from '../workspace';

const EXTENSION_ID = 'xray-anomaly-review.xray-anomaly-review';
/** Runs per file (the first is reported apart: cold caches); XRAY_BENCH_RUNS to change it. */
const RUNS = Math.max(2, Number(process.env.XRAY_BENCH_RUNS) || 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * What a run waits for. The webview stamps each moment as it draws it (ViewStateReport.timeline, same
 * clock as this host on one machine); polling alone would see them late, since a poll queues behind
 * the large image messages in the same channel.
 */
const MOMENTS = ['imageDrawn', 'scoreShown', 'heatmapDrawn', 'fullResolutionDrawn'] as const;
type Moment = (typeof MOMENTS)[number];

/** Polls the webview's state until every moment has been stamped; returns the stamps. */
async function waitForAll(uri: vscode.Uri): Promise<Record<Moment, number>> {
  for (;;) {
    try {
      const s = (await vscode.commands.executeCommand('xrayAnomaly.debug.getViewState', uri)) as ViewStateReport;
      if (s.error) throw new Error(`viewer error: ${s.error.code} ${s.error.message}`);
      const t = s.timeline ?? {};
      if (MOMENTS.every((m) => typeof t[m] === 'number')) return t as Record<Moment, number>;
    } catch (err) {
      if (String(err).includes('viewer error')) throw err;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('@bench viewer', function () {
  this.timeout(300_000);
  before(function () {
    if (process.env.XRAY_BENCH !== '1') this.skip();
  });

  it('open-to-heatmap for 2048x2500 16-bit images on CPU', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    // activate() from the outside includes loading dist/extension.js; activationMs is activate()'s own body.
    const wasActive = ext.isActive;
    const tActivate = Date.now();
    const { activationMs } = (await ext.activate()) as { activationMs: number };
    const activateCallMs = wasActive ? undefined : Date.now() - tActivate;
    // The default model, as a user gets it.
    const MODEL = 'chest-patchcore';
    await vscode.commands.executeCommand('xrayAnomaly.selectModel', MODEL);
    const root = vscode.workspace.workspaceFolders![0].uri;
    const rows: Record<string, unknown>[] = [];
    const reference = new EngineClient({
      enginePath: ext.extensionUri.fsPath + '/dist/engine.js',
      log: () => undefined,
    });
    try {
      for (const [label, rel] of Object.entries(BENCH_FILES)) {
        const uri = vscode.Uri.joinPath(root, rel);
        const viewType = rel.endsWith('.dcm') ? 'xrayAnomaly.viewer' : 'xrayAnomaly.viewer.raster';
        const times: Record<Moment, number[]> = {
          imageDrawn: [],
          scoreShown: [],
          heatmapDrawn: [],
          fullResolutionDrawn: [],
        };
        for (let i = 0; i < RUNS; i++) {
          const t0 = Date.now();
          await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
          const seen = await waitForAll(uri);
          for (const m of MOMENTS) times[m].push(seen[m] - t0);
          await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        }
        const stat = (xs: number[]) => ({ first: xs[0], median: median(xs.slice(1)) });
        // Reference: the same work in a bare engine process (file read + decode + load + analyse).
        const manifestPath = ext.extensionUri.fsPath + `/models/${MODEL}/${MODEL}.model.json`;
        const ref: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = Date.now();
          const bytes = new Uint8Array(readFileSync(uri.fsPath));
          const d = await reference.decode({ bytes, fileName: rel, limits: { maxFileBytes: 2 ** 30, maxPixels: 1e8 } });
          const m = await reference.loadModel({ manifestPath, provider: 'cpu' });
          const a = await reference.analyze({ imageId: d.imageId, modelKey: m.modelKey });
          assert.ok(a.map);
          ref.push(Date.now() - t0);
          await reference.releaseImage({ imageId: d.imageId });
        }
        rows.push({
          file: label,
          // First image drawn: the reduced copy for an image this large.
          openToImageMs: stat(times.imageDrawn),
          openToScoreMs: stat(times.scoreShown),
          openToHeatmapMs: stat(times.heatmapDrawn),
          openToFullResolutionMs: stat(times.fullResolutionDrawn),
          referenceEngineOnlyMs: stat(ref),
          ratioViewerToReference: +(median(times.heatmapDrawn.slice(1)) / median(ref.slice(1))).toFixed(2),
        });
      }
    } finally {
      reference.dispose();
    }
    // Reference 2: VS Code's own floor, a blank webview panel from creation to its first message.
    const blank: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      const panel = vscode.window.createWebviewPanel('xrayBench.blank', 'blank', vscode.ViewColumn.One, {
        enableScripts: true,
      });
      const ready = new Promise<void>((resolve) => panel.webview.onDidReceiveMessage(() => resolve()));
      panel.webview.html = `<!DOCTYPE html><html><body><script>acquireVsCodeApi().postMessage('ready')</script></body></html>`;
      await ready;
      blank.push(Date.now() - t0);
      panel.dispose();
    }
    const blankWebviewMs = { first: blank[0], median: median(blank.slice(1)) };
    for (const row of rows)
      row.ratioViewerToBlankWebview = +(
        (row.openToHeatmapMs as { median: number }).median / blankWebviewMs.median
      ).toFixed(2);
    const result = {
      activationMs,
      activateCallMs,
      blankWebviewMs,
      runs: RUNS,
      provider: 'cpu',
      model: MODEL,
      rows,
      at: new Date().toISOString(),
    };
    const outDir = join(ext.extensionUri.fsPath, 'test-output', 'bench');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'viewer.json'), JSON.stringify(result, null, 2));
    console.log(`BENCH ${JSON.stringify(result)}`);
  });
});
