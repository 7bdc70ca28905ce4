// Two models side by side in a real VS Code: "Compare Models Side by Side..." opens the image again in the
// editor group beside, scored by another model there (the window's model stays in the first editor), and
// zoom and pan made in either editor are followed by the other. Asked of both webviews, not host state.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ViewerAction, ViewStateReport } from '../../../src/protocol/viewer';
import { screenshot } from './harness';
import { EXTENSION_ID, wsUri } from './helpers';
import { FILES, MODELS } from '../workspace';

const RASTER = 'xrayAnomaly.viewer.raster';

const state = (uri: vscode.Uri, index: number) =>
  vscode.commands.executeCommand('xrayAnomaly.debug.getViewState', uri, index) as Promise<ViewStateReport>;
const act = (uri: vscode.Uri, index: number, action: ViewerAction) =>
  vscode.commands.executeCommand('xrayAnomaly.debug.viewerAction', uri, action, index) as Promise<ViewStateReport>;

async function waitFor(uri: vscode.Uri, index: number, what: string, ok: (s: ViewStateReport) => boolean) {
  const until = Date.now() + 45_000;
  let last: ViewStateReport | undefined;
  while (Date.now() < until) {
    last = await state(uri, index).catch(() => undefined);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 1500)}`);
}

const sameView = (a: ViewStateReport, b: ViewStateReport) =>
  Math.abs(a.view.zoom - b.view.zoom) < 1e-9 &&
  Boolean(a.view.center && b.view.center) &&
  Math.abs(a.view.center![0] - b.view.center![0]) < 1e-6 &&
  Math.abs(a.view.center![1] - b.view.center![1]) < 1e-6;

describe('Models side by side', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.selectModel', MODELS.recon);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the image beside with another model; zoom and pan follow both ways', async () => {
    const uri = wsUri(FILES.png16);
    await vscode.commands.executeCommand('vscode.openWith', uri, RASTER);
    await waitFor(uri, 0, 'the first analysis', (s) => s.analysis?.modelId === MODELS.recon && s.renders > 0);

    const opened = await vscode.commands.executeCommand('xrayAnomaly.compareModelsSideBySide', uri, MODELS.map);
    assert.equal(opened, true);
    const side = await waitFor(
      uri,
      1,
      'the second editor scored by the other model, with its heatmap',
      (s) => s.analysis?.modelId === MODELS.map && Boolean(s.analysis.map) && s.renders > 0,
    );
    assert.equal(side.models.selectedId, MODELS.map, "the second editor's picker shows its own model");
    const first = await state(uri, 0);
    assert.equal(first.analysis?.modelId, MODELS.recon, 'the first editor keeps the window model');
    assert.equal(first.models.selectedId, MODELS.recon);
    assert.equal(vscode.window.tabGroups.all.length, 2, 'the second editor is in the group beside');

    // Zoom and pan in the first: the second shows the same scale and centre.
    const moved = await act(uri, 0, { action: 'zoomPan', factor: 2.5, dx: 40, dy: -25 });
    assert.equal(moved.view.fitted, false);
    const followed = await waitFor(uri, 1, 'the second editor to follow', (s) => sameView(s, moved));
    assert.equal(followed.view.fitted, false);
    // And the other way round.
    const back = await act(uri, 1, { action: 'zoomPan', factor: 0.8, dx: -60, dy: 10 });
    await waitFor(uri, 0, 'the first editor to follow', (s) => sameView(s, back));
    console.log(`screenshot: ${await screenshot('viewer-side-by-side')}`);
  });
});
