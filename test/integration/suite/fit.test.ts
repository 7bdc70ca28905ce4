// "Fit Detector on Folder..." in a real VS Code: the command (run without prompts, as code can) fits on
// generated normal phantoms through the real engine, the model is listed and selected, and a viewer then
// scores with it (checked in the webview); a folder without images and a cancelled fit write nothing.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { FitDetectorArgs, FitOutcome } from '../../../src/extension/fit/command';
import type { FitProgressEvent } from '../../../src/extension/fit/plan';
import type { PipelinePreviewReport } from '../../../src/extension/fit/preview';
import type { ViewStateReport } from '../../../src/protocol/viewer';
import { screenshot } from './harness';
import { EXTENSION_ID, extensionLog, waitForView, waitInWorkbench } from './helpers';
import { FIT, MODELS, fitLesion } from '../workspace';

const RASTER = 'xrayAnomaly.viewer.raster';
const FITTED_ID = 'it-hands';

function wsRoot(): string {
  const root = vscode.workspace.workspaceFolders?.[0];
  assert.ok(root, 'the test workspace is not open');
  return root.uri.fsPath;
}

function wsUri(rel: string): vscode.Uri {
  return vscode.Uri.file(join(wsRoot(), ...rel.split('/')));
}

function fit(args: FitDetectorArgs): Promise<FitOutcome> {
  return vscode.commands.executeCommand('xrayAnomaly.fitDetector', { quiet: true, ...args }) as Promise<FitOutcome>;
}

/** Files (recursively) under `dir`, relative; [] when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
  );
}

async function clearToasts(): Promise<void> {
  await vscode.commands.executeCommand('notifications.clearAll');
  await waitInWorkbench({ selector: '.notification-toast', hidden: true });
}

/** A notification toast has finished sliding in (VS Code marks it so when its transition ends). */
const toastShown = () => waitInWorkbench({ selector: '.notification-toast.notification-fade-in-done' });

describe('Fit detector on a folder', function () {
  // Fitting runs the backbone over every image in the engine: seconds here, but 2 slow cores vary.
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.selectModel', MODELS.recon);
    await clearToasts();
  });

  it('refuses a folder without images: says how many files it found and which formats work', async () => {
    await clearToasts();
    const out = await fit({ folder: wsUri(FIT.empty), modelId: 'it-empty' });
    assert.equal(out.status, 'refused', JSON.stringify(out));
    if (out.status !== 'refused') return;
    assert.match(
      out.message,
      new RegExp(
        `Cannot fit a detector on ${FIT.empty}: it holds ${FIT.emptyFiles.length} files, and none is an image`,
      ),
    );
    assert.match(out.message, /DICOM.*PNG.*JPEG.*TIFF/);
    assert.deepEqual(
      filesUnder(join(wsRoot(), '.xray-anomaly')).filter((f) => f.includes('it-empty')),
      [],
    );
    await toastShown();
    console.log(`screenshot: ${await screenshot('fit-empty-folder-error')}`);
  });

  it('from the Explorer: asks the preprocessing (with its preview), mirroring, where to write (workspace default first) and the id (suggested from the folder); Escape stops it', async () => {
    await clearToasts();
    // As the Explorer's context menu calls it: the clicked folder, then the selection.
    const pending = Promise.resolve(
      vscode.commands.executeCommand('xrayAnomaly.fitDetector', wsUri(FIT.normals), [
        wsUri(FIT.normals),
      ]) as Thenable<FitOutcome>,
    );
    let settled = false;
    void pending.finally(() => (settled = true));
    // Each question's quick input, by its title, with its items drawn (an input box has none).
    const step = async (title: string, shot?: string, items = true) => {
      await waitInWorkbench({ selector: '.quick-input-title', hasText: title });
      if (items) await waitInWorkbench({ selector: '.quick-input-list .monaco-list-row' });
      assert.equal(settled, false, 'the command is still waiting for an answer');
      if (shot) console.log(`screenshot: ${await screenshot(shot)}`);
    };
    await step('Fit Detector: preprocessing for');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // the first pipeline
    await step('Fit Detector: augmentation');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // no mirrored copies
    // (12 images are too few to hold out what a position-aware map needs: that question is not asked.)
    await step('Fit Detector: where to write the model', 'fit-prompt-destination');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // the default destination
    await step('Fit Detector: model id', 'fit-prompt-model-id', false);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // the suggested id
    await step('Fit Detector: display name', undefined, false);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen'); // Escape on the name prompt
    const out = await pending;
    assert.equal(out.status, 'dismissed', JSON.stringify(out));
    assert.deepEqual(filesUnder(join(wsRoot(), '.xray-anomaly')), [], 'nothing written');
  });

  it('refuses a malformed id and an id another model already uses, before any work', async () => {
    const bad = await fit({ folder: wsUri(FIT.normals), modelId: 'Hands_1' });
    assert.equal(bad.status, 'refused');
    assert.match(bad.status === 'refused' ? bad.message : '', /Model id "Hands_1": .*lowercase/);
    // MODELS.recon lives in the workspace's configured `models` folder: a new one in .xray-anomaly/models would be hidden by it.
    const taken = await fit({ folder: wsUri(FIT.normals), modelId: MODELS.recon });
    assert.equal(taken.status, 'refused');
    assert.match(
      taken.status === 'refused' ? taken.message : '',
      /already used by the workspace model .*choose another id/,
    );
  });

  it('cancels a running fit: the user is told, and no file or folder is left', async () => {
    await clearToasts();
    const outDir = join(wsRoot(), 'fit-out', 'cancelled');
    const cancel = new vscode.CancellationTokenSource();
    const seen: FitProgressEvent[] = [];
    const out = await fit({
      folder: wsUri(FIT.normals),
      modelId: 'it-cancelled',
      outDir,
      cancellation: cancel.token,
      onProgress: (p) => {
        seen.push(p);
        // Cancel as soon as the fit reports: its real work (features, memory bank, export) is still ahead.
        cancel.cancel();
      },
    });
    assert.equal(out.status, 'cancelled', JSON.stringify(out));
    assert.ok(seen.length >= 1, 'the fit reported progress before it was cancelled');
    assert.deepEqual(out.status === 'cancelled' ? out.leftovers : ['?'], []);
    assert.equal(
      existsSync(join(wsRoot(), 'fit-out')),
      false,
      `the folders the fit created are gone: ${filesUnder(join(wsRoot(), 'fit-out')).join(', ')}`,
    );
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('xrayAnomaly.selectModel', 'it-cancelled')),
      /No model with id/,
    );
    await extensionLog(/Fit "it-cancelled" cancelled; nothing was written/);
  });

  it('fits on the folder, skips and counts the unreadable file, lists and selects the model; a viewer scores with it', async () => {
    await clearToasts();
    const seen: FitProgressEvent[] = [];
    let progressShot: Promise<string | undefined> | undefined;
    const t0 = Date.now();
    const out = await fit({
      folder: wsUri(FIT.normals),
      modelId: FITTED_ID,
      name: 'Hands (integration test)',
      onProgress: (p) => {
        seen.push(p);
        // The notification as the user sees it mid-fit (best effort: a fast fit may be over by then).
        if (!progressShot && p.stage === 'features') progressShot = screenshot('fit-progress-notification');
      },
    });
    console.log(`fit on ${FIT.normalsCount} phantoms (160x200) through the command: ${Date.now() - t0} ms`);
    assert.equal(out.status, 'fitted', JSON.stringify(out));
    if (out.status !== 'fitted') return;
    console.log(`progress screenshot: ${await progressShot}`);

    const r = out.result;
    assert.equal(
      dirname(out.manifestPath),
      join(wsRoot(), '.xray-anomaly', 'models'),
      'written to the workspace default',
    );
    assert.ok(existsSync(r.manifestPath) && existsSync(r.onnxPath), 'manifest and ONNX file exist');
    assert.deepEqual(
      filesUnder(join(wsRoot(), '.xray-anomaly', 'models')).sort(),
      [`${FITTED_ID}.model.json`, `${FITTED_ID}.onnx`],
      'nothing else (no temporary files) is left',
    );
    assert.equal(r.images.skipped.length, 1, `one unreadable file skipped: ${JSON.stringify(r.images.skipped)}`);
    assert.ok(r.images.skipped[0].path.endsWith('unreadable.png'));
    assert.equal(r.images.used, FIT.normalsCount, `every normal image used: ${JSON.stringify(r.images)}`);
    // A dozen images: none held out; each scored by a detector fitted without it, and the user is told
    // that a threshold from 12 images is shaky.
    assert.equal(r.images.calibration, 0, `nothing held out: ${JSON.stringify(r.images)}`);
    assert.equal(r.calibration?.method, 'cross-fit', JSON.stringify(r.calibration));
    assert.equal(r.calibration?.images, FIT.normalsCount);
    assert.match(
      r.calibration?.warning ?? '',
      /only 12 images, too few for a stable 95th percentile: expect false alarms on about 7\.7% of normal images/,
    );
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8')) as { calibration: { source: string } };
    assert.match(manifest.calibration.source, /cross-fitted scores .* The threshold comes from only 12 images/);
    assert.ok(Number.isFinite(r.threshold) && r.memoryBank.rows > 0 && r.memoryBank.dims > 0, JSON.stringify(r));
    assert.ok(
      seen.some((p) => p.stage === 'features'),
      `stages reported: ${[...new Set(seen.map((p) => p.stage))].join(', ')}`,
    );
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i].fraction >= seen[i - 1].fraction - 1e-9, 'progress never goes backwards');
    assert.equal(out.selected, true);

    // Listed: selecting it by id works (the command throws for unknown ids).
    await vscode.commands.executeCommand('xrayAnomaly.selectModel', FITTED_ID);
    const log = await extensionLog(new RegExp(`Fitted "${FITTED_ID}"`));
    assert.match(log, /skipped unreadable\.png: \[[A-Z_]+\]/, 'the log names the skipped file and why');
    assert.match(log, /12 images used \(threshold cross-fitted on all 12\)/);
    assert.match(log, /warning: The threshold comes from only 12 images/);
    assert.match(
      log,
      /most unusual images \(highest unseen scores\): hand-\d\d\.png [-\d.]+ = threshold, hand-\d\d\.png/,
    );

    await toastShown();
    console.log(`screenshot: ${await screenshot('fit-success-notification')}`);
    await clearToasts();
    // The report behind "Open Report", rendered as the action renders it.
    assert.match(out.report, /\| Images used \| 12 \(every one fitted on; the threshold is cross-fitted on all 12/);
    assert.match(
      out.report,
      /\| Expected false alarms \| 7\.7% of normal images \(between 0\.4% and 22% in 9 fits out of 10; aimed at 5%\) \|/,
    );
    assert.match(
      out.report,
      /> \*\*Too few images for a stable threshold\.\*\* The threshold comes from only 12 images/,
    );
    assert.match(out.report, /## Most unusual images[\s\S]*\| hand-\d\d\.png \| [-\d.]+ \(the threshold\) \|/);
    assert.equal(r.calibration?.mostUnusual?.[0].score, r.threshold);
    assert.match(out.report, /\| unreadable\.png \| [A-Z_]+ \| .+ \|/);
    await vscode.commands.executeCommand('xrayAnomaly.showFitReport', out.reportUri);
    await waitInWorkbench({ selector: 'h2', hasText: 'Most unusual images', inWebview: true }); // the preview renders
    console.log(`screenshot: ${await screenshot('fit-report')}`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // Viewers on a held-out normal phantom and on the same phantom with a dense lesion: both analysed by the
    // new model (asked of the webview), and the lesion scores higher.
    const scores: Record<string, number> = {};
    const hot: Record<string, NonNullable<NonNullable<ViewStateReport['analysis']>['map']>['hot']> = {};
    for (const rel of [FIT.heldOutNormal, FIT.lesion]) {
      const uri = wsUri(rel);
      await vscode.commands.executeCommand('vscode.openWith', uri, RASTER);
      const s = await waitForView(
        uri,
        // The picker's selection and the analysis are separate messages: wait for both (a loaded run saw the
        // analysis first).
        (v) =>
          v.analysis?.modelId === FITTED_ID && !!v.analysis.map && v.renders > 0 && v.models.selectedId === FITTED_ID,
        `analysis of ${rel} by the fitted model`,
      );
      assert.equal(s.models.selectedId, FITTED_ID);
      assert.ok(Number.isFinite(s.analysis?.scoreRaw), 'a score');
      assert.ok(
        (s.analysis?.map?.width ?? 0) > 1 && (s.analysis?.map?.sum ?? 0) > 0,
        `a heatmap: ${JSON.stringify(s.analysis?.map)}`,
      );
      scores[rel] = s.analysis!.scoreRaw;
      hot[rel] = s.analysis!.map!.hot;
      console.log(
        `fitted model on ${rel}: raw ${s.analysis!.scoreRaw.toFixed(4)} (threshold ${r.threshold.toFixed(4)}), normalised ${s.analysis!.scoreNormalized.toFixed(3)}, map ${JSON.stringify(s.analysis!.map)}`,
      );
    }
    const { cx, cy, r: radius } = fitLesion();
    console.log(`lesion disc: centre (${cx.toFixed(1)}, ${cy.toFixed(1)}), radius ${radius}`);
    console.log(`screenshot: ${await screenshot('fit-viewer-new-model')}`);
    assert.ok(
      scores[FIT.lesion] > scores[FIT.heldOutNormal],
      `the lesion scores above the normal: ${JSON.stringify(scores)}`,
    );
    // The calibration is honest: the normal phantom (not fitted on) is not a false alarm, the lesion is caught.
    assert.ok(
      scores[FIT.heldOutNormal] < r.threshold,
      `the normal phantom scores ${scores[FIT.heldOutNormal]}, below the threshold ${r.threshold}`,
    );
    assert.ok(
      scores[FIT.lesion] >= r.threshold,
      `the lesion scores ${scores[FIT.lesion]}, above the threshold ${r.threshold}`,
    );
    // The heatmap explains the score: the region drawn above threshold sits on the lesion (its centroid
    // within the disc, its bounds around the disc's centre). The same phantom without the lesion may show
    // a speck (the pixel threshold is the 99th percentile of the normal patches' cross-fitted distances,
    // so about 1% of a normal map is above it), but nothing comparable.
    const lesionHot = hot[FIT.lesion];
    assert.ok(lesionHot, 'the lesion image has a region above the map threshold');
    const [hx, hy] = lesionHot.centroid;
    const [bx0, by0, bx1, by1] = lesionHot.bounds;
    assert.ok(
      Math.hypot(hx - cx, hy - cy) <= radius,
      `the hot region is centred at (${hx.toFixed(1)}, ${hy.toFixed(1)}), the lesion at (${cx.toFixed(1)}, ${cy.toFixed(1)}) r ${radius}`,
    );
    assert.ok(
      bx0 <= cx && cx <= bx1 && by0 <= cy && cy <= by1,
      `the hot region's bounds ${JSON.stringify(lesionHot.bounds)} contain the lesion's centre`,
    );
    const normalHot = hot[FIT.heldOutNormal]?.pixels ?? 0;
    assert.ok(
      normalHot * 10 < lesionHot.pixels,
      `the normal phantom's hot region (${normalHot} map pixels) is far smaller than the lesion's (${lesionHot.pixels})`,
    );

    // Again with the same id: refused without overwrite, before any work.
    const again = await fit({ folder: wsUri(FIT.normals), modelId: FITTED_ID });
    assert.equal(again.status, 'refused');
    assert.match(again.status === 'refused' ? again.message : '', /already exists in this folder.*overwrite/);
  });

  it('preprocessing: the preview follows the highlighted pipeline on 4 of the images; the chosen one (hand, mirrored) is fitted with', async () => {
    await clearToasts();
    const previews: PipelinePreviewReport[] = [];
    const outDir = join(wsRoot(), 'fit-paper');
    const pending = Promise.resolve(
      vscode.commands.executeCommand('xrayAnomaly.fitDetector', {
        folder: wsUri(FIT.normals),
        modelId: 'it-hands-paper',
        name: 'Hands (paper pipeline)',
        outDir,
        mirror: true,
        positional: false,
        onPreview: (r: PipelinePreviewReport) => previews.push(r),
      } satisfies FitDetectorArgs) as Thenable<FitOutcome>,
    );
    const shown = async (id: string, heading: string) => {
      for (let t = 0; t < 600 && !previews.some((p) => p.pipeline === id); t++)
        await new Promise((r) => setTimeout(r, 100));
      const p = previews.find((q) => q.pipeline === id);
      assert.ok(p, `the preview of ${id} was shown (seen: ${previews.map((q) => q.pipeline).join(', ')})`);
      // The page of that pipeline, done loading, with its pictures drawn.
      await waitInWorkbench({ selector: 'h1', hasText: heading, inWebview: true });
      await waitInWorkbench({ selector: 'main:not([aria-busy]) figure.output img', inWebview: true });
      return p;
    };
    const chest = await shown('chest', 'Chest X-ray'); // the first item is highlighted when the list opens
    console.log(`screenshot: ${await screenshot('fit-preview-chest')}`);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext'); // highlight the hand pipeline
    const hand = await shown('hand', 'histogram equalisation');
    console.log(`screenshot: ${await screenshot('fit-preview-hand')}`);
    for (const p of [chest, hand]) {
      // 4 of the 13 files, spread over the folder: the last is the unreadable one, shown with its reason.
      assert.equal(p.images.length, 4, `4 of the 13 files: ${JSON.stringify(p.images)}`);
      const readable = p.images.filter((i) => !i.error);
      assert.equal(readable.length, 3, JSON.stringify(p.images.map((i) => i.error)));
      assert.match(p.images[3].error ?? '', /Cannot be read: unreadable\.png is not a readable PNG/);
      for (const img of readable) {
        assert.deepEqual(img.original, { width: 160, height: 200 });
        assert.ok(img.outputs.length >= 1, JSON.stringify(img));
        for (const o of img.outputs) {
          assert.deepEqual([o.width, o.height], [224, 224], `${p.pipeline}: output at the backbone input size`);
          assert.ok(o.sd > 0.05, `${p.pipeline}: real pixels, not a blank picture: ${JSON.stringify(o)}`);
        }
      }
    }
    // The hand pipeline masks the background and equalises: its pictures differ from the chest pipeline's.
    const mean = (p: PipelinePreviewReport) => p.images[0].outputs[0].mean;
    assert.ok(Math.abs(mean(hand) - mean(chest)) > 0.02, `hand ${mean(hand)} vs chest ${mean(chest)}`);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // choose it
    const out = await pending;
    assert.equal(out.status, 'fitted', JSON.stringify(out));
    if (out.status !== 'fitted') return;
    assert.equal(out.result.preprocessing?.pipeline, 'hand');
    assert.equal(out.result.images.mirrored, FIT.normalsCount);
    assert.equal(out.result.images.used, FIT.normalsCount);
    assert.equal(out.result.calibration.images, FIT.normalsCount, 'the copies never calibrate');
    assert.deepEqual(
      out.previews.map((p) => p.pipeline),
      ['chest', 'hand'],
    );
    const manifest = JSON.parse(readFileSync(out.manifestPath, 'utf8')) as {
      preprocessing: { steps: { op: string }[] };
    };
    assert.ok(
      ['cropExposed', 'foreground', 'splitHands', 'histogramEqualize', 'resizePad'].every((op) =>
        manifest.preprocessing.steps.some((s) => s.op === op),
      ),
      JSON.stringify(manifest.preprocessing),
    );
    assert.match(
      out.report,
      /\| Preprocessing \| Hand X-ray \(the paper’s pipeline, histogram equalisation\): `intensity`/,
    );
    assert.match(out.report, /\| Mirrored copies \| 12: each image was also fitted on mirrored left-right/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('position-aware: offered as the second answer with its one-line explanation; chosen, the fit holds out images and the manifest records it', async () => {
    await clearToasts();
    const outDir = join(wsRoot(), 'fit-positional');
    // Everything else given: the position-aware question is the only one asked. Half of 40 images held out:
    // the 20 its map is centred on.
    const pending = Promise.resolve(
      vscode.commands.executeCommand('xrayAnomaly.fitDetector', {
        folder: wsUri(FIT.many),
        calibrationFraction: 0.5,
        modelId: 'it-hands-positional',
        name: 'Hands (position-aware)',
        outDir,
        pipeline: 'backbone',
        mirror: false,
      } satisfies FitDetectorArgs) as Thenable<FitOutcome>,
    );
    await waitInWorkbench({ selector: '.quick-input-title', hasText: 'Fit Detector: where patches are compared' });
    await waitInWorkbench({ selector: '.quick-input-list .monaco-list-row', hasText: 'aligned films' });
    console.log(`screenshot: ${await screenshot('fit-prompt-positional')}`);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext'); // the position-aware answer
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const out = await pending;
    assert.equal(out.status, 'fitted', JSON.stringify(out));
    if (out.status !== 'fitted') return;
    const r = out.result;
    assert.ok(r.positional && r.positional.references > 0, JSON.stringify(r.positional));
    // The CLI's --positional needs --calibration; the wizard holds out the default share (whole patients).
    assert.equal(r.calibration.method, 'held-out', JSON.stringify(r.calibration));
    assert.equal(r.images.calibration, FIT.manyCount / 2, JSON.stringify(r.images));
    const manifest = JSON.parse(readFileSync(out.manifestPath, 'utf8')) as {
      metadata: { fit: { recipe: { local: { positional?: { refs: number; reach: number } } } } };
    };
    assert.deepEqual(
      [manifest.metadata.fit.recipe.local.positional?.refs, manifest.metadata.fit.recipe.local.positional?.reach],
      [60, 1],
      JSON.stringify(manifest.metadata.fit.recipe.local),
    );
    assert.match(
      out.report,
      /\| Position-aware \| each patch is also compared with \d+ normal images’ patches at its own place/,
    );
    await extensionLog(/position-aware: each patch also against \d+ normal images at its own place/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
