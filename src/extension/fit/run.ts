/**
 * A fit, once the wizard has its answers: runs it in the engine under a cancellable progress
 * notification, then lists and selects the new model and offers its report; on cancel or failure it
 * removes the destination folders it created itself (the engine writes under temporary names and
 * renames at the end, so a cancelled or failed fit leaves nothing of its own).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { toErrorInfo } from '../../core/errors';
import type { FitRequest, FitResult } from '../../protocol/engine';
import { SECTION, type Settings } from '../config';
import type { FitEngineApi } from '../engineApi';
import type { Logger } from '../log';
import type { ModelService } from '../models';
import {
  calibrationWarning,
  formatElapsed,
  ProgressTracker,
  progressMessage,
  reportMarkdown,
  summaryLines,
} from './plan';
import { positionalRequest } from './positionalChoice';
import { listNames, Refusal, showError } from './refusal';
import type { PreviewEngine } from './preview';
import type { ReportDocuments } from './report';
import type { FitDetectorArgs, FitOutcome } from './types';
import type { FitPlan } from './wizard';

export interface FitRunDeps {
  engine: FitEngineApi & PreviewEngine;
  extensionUri: vscode.Uri;
  /** The backbone manifest fits use (the engine's default): the preprocessing preview needs its input size and steps. */
  backbonePath: string;
  models: ModelService;
  log: Logger;
  settings: () => Settings;
  /** The files of `modelId` were replaced: viewers showing it must score again. */
  modelReplaced: (modelId: string) => void;
  reports: ReportDocuments;
}

export async function runFit(deps: FitRunDeps, args: FitDetectorArgs, plan: FitPlan): Promise<FitOutcome> {
  const { log } = deps;
  const { modelId, outDir, source } = plan;
  const jobId = `fit-${randomUUID()}`;
  const createdDir = await fsp.mkdir(outDir, { recursive: true }).catch((err: unknown) => {
    throw new Refusal(vscode.l10n.t('Cannot create the folder {0}: {1}', outDir, (err as Error).message));
  });
  const before = new Set(await listNames(outDir));
  const request: FitRequest = {
    jobId,
    files: source.files,
    outDir,
    modelId,
    name: plan.name,
    overwrite: plan.overwrite,
    coresetRatio: args.coresetRatio,
    kind: args.kind,
    pipeline: plan.pipeline,
    mirror: plan.mirror,
    ...positionalRequest(plan.positional, args.calibrationFraction),
    limits: deps.settings().limits,
  };
  log.info(
    `Fitting "${modelId}" on ${source.files.length} image(s) from ${source.label} into ${outDir} (job ${jobId})`,
  );

  const cancel = { requested: false };
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Fitting "{0}" on {1} images', modelId, source.files.length),
        cancellable: true,
      },
      (progress, token) => fitWithProgress(deps, args, request, progress, token, cancel),
    );
    return await succeeded(deps, plan, result);
  } catch (err) {
    const error = toErrorInfo(err);
    const leftovers = await cleanUp(outDir, createdDir, before);
    const leftText = leftovers.length ? vscode.l10n.t('Files left in {0}: {1}.', outDir, leftovers.join(', ')) : '';
    if (leftovers.length) log.warn(`Fit "${modelId}": files left behind in ${outDir}: ${leftovers.join(', ')}`);
    if (error.code === 'CANCELLED' && cancel.requested) {
      log.info(
        `Fit "${modelId}" cancelled; ${leftovers.length ? 'see the files listed above' : 'nothing was written'}.`,
      );
      void vscode.window.showInformationMessage(
        leftovers.length
          ? `${vscode.l10n.t('Fitting "{0}" was cancelled.', modelId)} ${leftText}`
          : vscode.l10n.t('Fitting "{0}" was cancelled; nothing was written.', modelId),
      );
      return { status: 'cancelled', modelId, leftovers };
    }
    log.error(`Fit "${modelId}" failed: [${error.code}] ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
    // error.message comes from the engine (English; see l10n.ts); the framing is localised.
    void showError(
      log,
      `${vscode.l10n.t('Fitting "{0}" failed: {1}', modelId, error.message)} ${leftovers.length ? leftText : vscode.l10n.t('Nothing was written.')}`,
    );
    return { status: 'failed', error, leftovers };
  }
}

/** The engine's fit with its progress in the notification; Cancel (or the caller's token) stops it. */
async function fitWithProgress(
  deps: FitRunDeps,
  args: FitDetectorArgs,
  request: FitRequest,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  token: vscode.CancellationToken,
  cancelState: { requested: boolean },
): Promise<FitResult> {
  const { engine, log } = deps;
  const { jobId, modelId } = request;
  const tracker = new ProgressTracker();
  let lastCancelSent = 0;
  const cancel = () => {
    if (!cancelState.requested) log.info(`Fit "${modelId}": cancel requested`);
    cancelState.requested = true;
    lastCancelSent = Date.now();
    progress.report({ message: vscode.l10n.t('Cancelling...') });
    engine
      .cancelFit(jobId)
      .catch((err: unknown) => log.warn(`Fit "${modelId}": cancel request failed: ${toErrorInfo(err).message}`));
  };
  const subs = [token.onCancellationRequested(cancel), args.cancellation?.onCancellationRequested(cancel)];
  progress.report({ message: vscode.l10n.t('Starting the inference engine...') });
  try {
    if (args.cancellation?.isCancellationRequested) cancel();
    return await engine.fit(request, (p) => {
      if (p.jobId !== jobId) return;
      // A cancel sent before the engine registered the job would be ignored: repeat it while the job still reports.
      if (cancelState.requested) {
        if (Date.now() - lastCancelSent > 1000) cancel();
        return;
      }
      progress.report({ message: progressMessage(p), increment: tracker.step(p.fraction) });
      try {
        args.onProgress?.(p);
      } catch (err) {
        log.warn(`Fit "${modelId}": progress listener failed: ${toErrorInfo(err).message}`);
      }
    });
  } finally {
    for (const s of subs) s?.dispose();
  }
}

/** Lists and selects the new model, then says so with the report one click away. */
async function succeeded(deps: FitRunDeps, plan: FitPlan, result: FitResult): Promise<FitOutcome> {
  const { log, models, reports } = deps;
  const { modelId, source } = plan;
  const summary = { modelId, name: plan.name, source: source.label, result, root: source.root };
  for (const line of summaryLines(summary)) log.info(line);

  await models.refresh();
  const selected = (await models.select(modelId)) !== undefined;
  if (plan.replacing) deps.modelReplaced(modelId);

  const used = result.images.used;
  const skipped = result.images.skipped.length;
  const skippedText = !skipped
    ? ''
    : skipped === 1
      ? vscode.l10n.t('1 image was skipped (unreadable or unsupported; see the report).')
      : vscode.l10n.t('{0} images were skipped (unreadable or unsupported; see the report).', skipped);
  // A threshold from too few images is shipped (it is the best these images allow), but never silently.
  // The warning's text comes from core (English; see l10n.ts).
  const warning = calibrationWarning(result);
  const headline = selected
    ? vscode.l10n.t(
        'Detector "{0}" fitted on {1} images in {2} and selected: open X-rays are scored with it now.',
        modelId,
        used,
        formatElapsed(result.fitMs),
      )
    : vscode.l10n.t(
        'Detector "{0}" fitted and written to {1}, but that folder is not a model folder, so it is not listed. Add the folder to the setting {2} to use it.',
        modelId,
        plan.outDir,
        `${SECTION}.models.folders`,
      );
  const message = [headline, warning, skippedText].filter(Boolean).join(' ');
  if (!selected) log.warn(`Fit "${modelId}": ${plan.outDir} is not one of the model folders; the model is not listed.`);
  const report = reportMarkdown({ ...summary, finishedAt: new Date() });
  const reportUri = reports.add(modelId, report);
  const show = skipped || warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const openReport = vscode.l10n.t('Open Report');
  const showLog = vscode.l10n.t('Show Log');
  void show(message, openReport, showLog).then(async (action) => {
    if (action === showLog) log.show();
    if (action === openReport) await reports.show(reportUri);
  });
  return {
    status: 'fitted',
    modelId,
    manifestPath: result.manifestPath,
    selected,
    result,
    report,
    reportUri: reportUri.toString(),
    previews: plan.previews,
  };
}

/** Removes destination folders this fit created if they stayed empty; returns entries that appeared in outDir. */
async function cleanUp(outDir: string, createdDir: string | undefined, before: Set<string>): Promise<string[]> {
  const leftovers = (await listNames(outDir)).filter((n) => !before.has(n));
  if (createdDir && leftovers.length === 0) {
    for (let dir = outDir; dir.length >= createdDir.length; dir = path.dirname(dir)) {
      const removed = await fsp.rmdir(dir).then(
        () => true,
        () => false,
      );
      if (!removed || dir === createdDir) break;
    }
  }
  return leftovers;
}
