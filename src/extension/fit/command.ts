import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { IMAGE_EXTENSIONS, scanImages, type ScanFs } from '../../core/dataset/scan';
import { toErrorInfo, type ErrorInfo } from '../../core/errors';
import type { FitRequest, FitResult } from '../../protocol/engine';
import { SECTION, type Settings } from '../config';
import type { FitEngineApi } from '../engineApi';
import {
  calibrationWarning,
  clashMessage,
  emptyFolderMessage,
  findClash,
  type FitProgressEvent,
  formatElapsed,
  modelIdProblem,
  ProgressTracker,
  progressMessage,
  reportMarkdown,
  suggestModelId,
  summaryLines,
  WORKSPACE_MODELS_DIR,
} from './plan';
import type { Logger } from '../log';
import type { ModelService } from '../models';

/**
 * "Fit Detector on Folder..." (and "...on These Images"): pick the normal images, a model id and a
 * destination, run the fit in the engine under a cancellable progress notification, then list and
 * select the new model. The engine writes under temporary names and renames at the end, so a cancelled
 * or failed fit leaves nothing; this side only removes the destination folders it created itself.
 */

export const FIT_COMMAND = 'xrayAnomaly.fitDetector';
export const FIT_IMAGES_COMMAND = 'xrayAnomaly.fitDetectorOnImages';
/** Shows a fit's report (the "Open Report" action); argument: the `reportUri` of a 'fitted' outcome. Not in the palette. */
export const SHOW_REPORT_COMMAND = 'xrayAnomaly.showFitReport';
const REPORT_SCHEME = 'xray-anomaly-report';

/**
 * Arguments for running the command from code (other extensions, tests): with `quiet`, nothing is asked;
 * `folder` (or `images`), `modelId` and `outDir` are then required, and a clash with an existing model
 * fails unless `overwrite`.
 */
export interface FitDetectorArgs {
  folder?: vscode.Uri | string;
  images?: (vscode.Uri | string)[];
  modelId?: string;
  name?: string;
  /** Default: the first workspace folder's .xray-anomaly/models. */
  outDir?: vscode.Uri | string;
  overwrite?: boolean;
  quiet?: boolean;
  /** Hold out this share of the images to calibrate, instead of cross-fitting on all of them (see FitRequest). */
  calibrationFraction?: number;
  coresetRatio?: number;
  /** Detector kind (see FitRequest.kind); default 'combined'. */
  kind?: 'combined' | 'patchcore' | 'gaussian';
  /** Stops the fit like the notification's Cancel button. */
  cancellation?: vscode.CancellationToken;
  /** Every progress event of the fit, as the notification gets it. */
  onProgress?: (p: FitProgressEvent) => void;
}

export type FitOutcome =
  | {
      status: 'fitted';
      modelId: string;
      manifestPath: string;
      selected: boolean;
      /** What the engine returned, including how the threshold was calibrated. */
      result: FitResult;
      /** The report (Markdown) as "Open Report" shows it, and its read-only document (for SHOW_REPORT_COMMAND). */
      report: string;
      reportUri: string;
    }
  /** The fit started and was cancelled: nothing was written. */
  | { status: 'cancelled'; modelId: string; leftovers: string[] }
  | { status: 'failed'; error: ErrorInfo; leftovers: string[] }
  /** Bad input caught before fitting (no images, bad or clashing id, unusable folder); nothing was written. */
  | { status: 'refused'; message: string }
  /** The user dismissed a prompt before anything started. */
  | { status: 'dismissed' }
  | { status: 'unavailable'; reason: string };

export interface FitCommandDeps {
  engine: FitEngineApi;
  models: ModelService;
  log: Logger;
  settings: () => Settings;
  /** The files of `modelId` were replaced: viewers showing it must score again. */
  modelReplaced: (modelId: string) => void;
}

/** Bad input caught before the fit starts (empty folder, bad id, clash): a 'refused' outcome and an error message. */
class Refusal extends Error {}

export function registerFitCommands(deps: FitCommandDeps): vscode.Disposable[] {
  const reports = new ReportDocuments();
  const runner = new FitRunner(deps, reports);
  return [
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, reports),
    vscode.commands.registerCommand(SHOW_REPORT_COMMAND, (uri: vscode.Uri | string) =>
      reports.show(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri),
    ),
    // Explorer passes (clicked, selection); the palette passes nothing; code passes FitDetectorArgs.
    vscode.commands.registerCommand(FIT_COMMAND, (first?: vscode.Uri | FitDetectorArgs, selection?: vscode.Uri[]) =>
      runner.run(
        first instanceof vscode.Uri
          ? { folder: first, images: selection && selection.length > 1 ? selection : undefined }
          : (first ?? {}),
      ),
    ),
    vscode.commands.registerCommand(
      FIT_IMAGES_COMMAND,
      (first?: vscode.Uri | FitDetectorArgs, selection?: vscode.Uri[]) =>
        runner.run(first instanceof vscode.Uri ? { images: selection?.length ? selection : [first] } : (first ?? {})),
    ),
  ];
}

interface Source {
  files: string[];
  /** Folder the images were found in (skipped paths are shown relative to it). */
  root?: string;
  /** For messages: the folder, or "N selected images". */
  label: string;
  /** Suggests the model id. */
  baseName: string;
}

class FitRunner {
  /** One fit flow at a time: the engine fits one job at a time, and two flows could pick the same id. */
  private busy = false;
  /** Id of the fit running in the engine, for the "already running" message. */
  private running?: string;

  constructor(
    private readonly deps: FitCommandDeps,
    private readonly reports: ReportDocuments,
  ) {}

  async run(args: FitDetectorArgs): Promise<FitOutcome> {
    const { log } = this.deps;
    if (!vscode.workspace.isTrusted) {
      const reason =
        'Fitting a detector is unavailable in Restricted Mode: it writes a model into the workspace and loads it into the inference engine, and models from the workspace load only in trusted workspaces.';
      log.warn(reason);
      void vscode.window.showWarningMessage(reason, 'Manage Workspace Trust').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return { status: 'unavailable', reason };
    }
    if (this.busy) {
      const reason = this.running
        ? `A detector is already being fitted ("${this.running}"): wait for it to finish or cancel it first.`
        : 'Fit Detector is already waiting for your answers in another prompt.';
      void vscode.window.showInformationMessage(reason);
      return { status: 'unavailable', reason };
    }
    this.busy = true;
    try {
      return await this.flow(args);
    } catch (err) {
      if (err instanceof Refusal) {
        log.warn(`Fit detector: ${err.message}`);
        void showError(log, err.message);
        return { status: 'refused', message: err.message };
      }
      const error = toErrorInfo(err);
      log.error(
        `Fit detector: [${error.code}] ${error.message}${error.detail ? ` (${error.detail.split('\n')[0]})` : ''}`,
      );
      void showError(this.deps.log, error.message);
      return { status: 'failed', error, leftovers: [] };
    } finally {
      this.busy = false;
    }
  }

  private async flow(args: FitDetectorArgs): Promise<FitOutcome> {
    const { models } = this.deps;
    const quiet = args.quiet === true;
    await models.ready();

    const source = await this.resolveSource(args, quiet);
    if (!source) return { status: 'dismissed' };

    const outDir =
      args.outDir !== undefined
        ? toPath(args.outDir, 'outDir')
        : quiet
          ? defaultOutDir()
          : await this.pickDestination();
    if (!outDir) return { status: 'dismissed' };
    const inOutDir = await listNames(outDir);

    const taken = new Set(models.models.map((m) => m.id));
    let modelId = args.modelId;
    if (modelId === undefined) {
      if (quiet) throw new Refusal('A model id is required when fitting without prompts (quiet).');
      modelId = await vscode.window.showInputBox({
        title: 'Fit Detector: model id',
        prompt: `Names the files <id>.onnx and <id>.model.json in ${shortPath(outDir)}. Lowercase letters, digits and dashes.`,
        value: suggestModelId(source.baseName, taken),
        ignoreFocusOut: true,
        validateInput: (v) => {
          const problem = modelIdProblem(v);
          if (problem) return problem;
          const clash = findClash(v, outDir, models.models, inOutDir);
          if (clash.kind === 'hidden') return clashMessage(v, clash);
          if (clash.kind === 'replace')
            return {
              message: `${clashMessage(v, clash)} You will be asked before it is replaced.`,
              severity: vscode.InputBoxValidationSeverity.Warning,
            };
          return undefined;
        },
      });
      if (modelId === undefined) return { status: 'dismissed' };
    }
    const idProblem = modelIdProblem(modelId);
    if (idProblem) throw new Refusal(`Model id "${modelId}": ${idProblem}`);

    let name = args.name;
    if (name === undefined && !quiet) {
      const typed = await vscode.window.showInputBox({
        title: 'Fit Detector: display name (optional)',
        prompt: 'Shown in the model picker and the status bar. Leave empty to use the id.',
        placeHolder: `${modelId} (fitted on ${source.label})`,
        ignoreFocusOut: true,
      });
      if (typed === undefined) return { status: 'dismissed' };
      name = typed.trim() || undefined;
    }

    let overwrite = args.overwrite === true;
    const clash = findClash(modelId, outDir, models.models, inOutDir);
    if (clash.kind === 'hidden') throw new Refusal(clashMessage(modelId, clash));
    if (clash.kind === 'replace' && !overwrite) {
      if (quiet) throw new Refusal(`${clashMessage(modelId, clash)} Pass overwrite: true to replace it.`);
      const yes = await vscode.window.showWarningMessage(
        `${clashMessage(modelId, clash)} Replace it?`,
        { modal: true, detail: 'The old files are replaced only when the new model is complete.' },
        'Replace',
      );
      if (yes !== 'Replace') return { status: 'dismissed' };
      overwrite = true;
    }

    return this.fit(args, source, { modelId, name, outDir, overwrite, replacing: clash.kind === 'replace' });
  }

  private async fit(
    args: FitDetectorArgs,
    source: Source,
    target: { modelId: string; name?: string; outDir: string; overwrite: boolean; replacing: boolean },
  ): Promise<FitOutcome> {
    const { engine, log } = this.deps;
    const { modelId, outDir } = target;
    const jobId = `fit-${randomUUID()}`;
    const createdDir = await fsp.mkdir(outDir, { recursive: true }).catch((err: unknown) => {
      throw new Refusal(`Cannot create the folder ${outDir}: ${(err as Error).message}`);
    });
    const before = new Set(await listNames(outDir));
    const request: FitRequest = {
      jobId,
      files: source.files,
      outDir,
      modelId,
      name: target.name,
      overwrite: target.overwrite,
      calibrationFraction: args.calibrationFraction,
      coresetRatio: args.coresetRatio,
      kind: args.kind,
      limits: this.deps.settings().limits,
    };
    log.info(
      `Fitting "${modelId}" on ${source.files.length} image(s) from ${source.label} into ${outDir} (job ${jobId})`,
    );

    this.running = modelId;
    let cancelRequested = false;
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Fitting "${modelId}" on ${source.files.length} images`,
          cancellable: true,
        },
        async (progress, token) => {
          const tracker = new ProgressTracker();
          let lastCancelSent = 0;
          const cancel = () => {
            if (!cancelRequested) log.info(`Fit "${modelId}": cancel requested`);
            cancelRequested = true;
            lastCancelSent = Date.now();
            progress.report({ message: 'Cancelling...' });
            engine
              .cancelFit(jobId)
              .catch((err: unknown) =>
                log.warn(`Fit "${modelId}": cancel request failed: ${toErrorInfo(err).message}`),
              );
          };
          const subs = [token.onCancellationRequested(cancel), args.cancellation?.onCancellationRequested(cancel)];
          progress.report({ message: 'Starting the inference engine...' });
          try {
            if (args.cancellation?.isCancellationRequested) cancel();
            return await engine.fit(request, (p) => {
              if (p.jobId !== jobId) return;
              // A cancel sent before the engine registered the job would be ignored: repeat it while the job still reports.
              if (cancelRequested) {
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
        },
      );
      return await this.succeeded(source, target, result);
    } catch (err) {
      const error = toErrorInfo(err);
      const leftovers = await this.cleanUp(outDir, createdDir, before);
      const leftText = leftovers.length ? ` Files left in ${outDir}: ${leftovers.join(', ')}.` : '';
      if (leftovers.length) log.warn(`Fit "${modelId}": files left behind in ${outDir}: ${leftovers.join(', ')}`);
      if (error.code === 'CANCELLED' && cancelRequested) {
        log.info(
          `Fit "${modelId}" cancelled; ${leftovers.length ? 'see the files listed above' : 'nothing was written'}.`,
        );
        void vscode.window.showInformationMessage(
          leftovers.length
            ? `Fitting "${modelId}" was cancelled.${leftText}`
            : `Fitting "${modelId}" was cancelled; nothing was written.`,
        );
        return { status: 'cancelled', modelId, leftovers };
      }
      log.error(`Fit "${modelId}" failed: [${error.code}] ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      void showError(
        log,
        `Fitting "${modelId}" failed: ${error.message}${leftovers.length ? leftText : ' Nothing was written.'}`,
      );
      return { status: 'failed', error, leftovers };
    } finally {
      this.running = undefined;
    }
  }

  private async succeeded(
    source: Source,
    target: { modelId: string; name?: string; outDir: string; replacing: boolean },
    result: FitResult,
  ): Promise<FitOutcome> {
    const { log, models } = this.deps;
    const { modelId } = target;
    const summary = { modelId, name: target.name, source: source.label, result, root: source.root };
    for (const line of summaryLines(summary)) log.info(line);

    await models.refresh();
    const selected = (await models.select(modelId)) !== undefined;
    if (target.replacing) this.deps.modelReplaced(modelId);

    const used = result.images.used;
    const skipped = result.images.skipped.length;
    const skippedText = skipped
      ? ` ${skipped} image${skipped === 1 ? ' was' : 's were'} skipped (unreadable or unsupported; see the report).`
      : '';
    // A threshold from too few images is shipped (it is the best these images allow), but never silently.
    const warning = calibrationWarning(result);
    const warningText = warning ? ` ${warning}` : '';
    const message = selected
      ? `Detector "${modelId}" fitted on ${used} images in ${formatElapsed(result.fitMs)} and selected: open X-rays are scored with it now.${warningText}${skippedText}`
      : `Detector "${modelId}" fitted and written to ${target.outDir}, but that folder is not a model folder, so it is not listed. Add the folder to the setting ${SECTION}.models.folders to use it.${warningText}${skippedText}`;
    if (!selected)
      log.warn(`Fit "${modelId}": ${target.outDir} is not one of the model folders; the model is not listed.`);
    const report = reportMarkdown({ ...summary, finishedAt: new Date() });
    const reportUri = this.reports.add(modelId, report);
    const show = skipped || warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, 'Open Report', 'Show Log').then(async (action) => {
      if (action === 'Show Log') log.show();
      if (action === 'Open Report') await this.reports.show(reportUri);
    });
    return {
      status: 'fitted',
      modelId,
      manifestPath: result.manifestPath,
      selected,
      result,
      report,
      reportUri: reportUri.toString(),
    };
  }

  /** Removes destination folders this fit created if they stayed empty; returns entries that appeared in outDir. */
  private async cleanUp(outDir: string, createdDir: string | undefined, before: Set<string>): Promise<string[]> {
    const leftovers = (await listNames(outDir)).filter((n) => !before.has(n));
    if (createdDir && leftovers.length === 0) {
      for (let dir = outDir; dir.length >= createdDir.length; dir = path.dirname(dir)) {
        if (
          !(await fsp.rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
        if (dir === createdDir) break;
      }
    }
    return leftovers;
  }

  private async resolveSource(args: FitDetectorArgs, quiet: boolean): Promise<Source | undefined> {
    let paths = args.images?.length
      ? args.images.map((u) => toPath(u, 'images'))
      : args.folder !== undefined
        ? [toPath(args.folder, 'folder')]
        : undefined;
    if (!paths) {
      if (quiet) throw new Refusal('A folder (or images) is required when fitting without prompts (quiet).');
      const picked = await vscode.window.showOpenDialog({
        title: 'Fit Detector: folder of normal X-rays',
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        openLabel: 'Fit on This Folder',
      });
      if (!picked?.[0]) return undefined;
      paths = [toPath(picked[0], 'folder')];
    }
    const chosen = paths;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Looking for X-ray images...' },
      () => collectImages(chosen),
    );
  }

  /** Quick pick of the folders the model list reads, default first; or any folder (then offers to list it). */
  private async pickDestination(): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { dir?: string; browse?: boolean };
    const wsFolders = vscode.workspace.workspaceFolders ?? [];
    const items: Item[] = this.deps.models
      .folders()
      .filter((f) => f.origin !== 'bundled')
      .sort((a, b) => Number(!!b.implicit) - Number(!!a.implicit))
      .map((f, i) => {
        const ws = wsFolders.find((w) => f.path.startsWith(w.uri.fsPath + path.sep));
        const shown = ws ? `${ws.name}/${path.relative(ws.uri.fsPath, f.path).split(path.sep).join('/')}` : f.path;
        return {
          label: `$(folder) ${shown}`,
          description: f.implicit
            ? i === 0
              ? 'workspace models (default)'
              : 'workspace models'
            : f.origin === 'configured'
              ? 'user model folder'
              : 'workspace model folder',
          dir: f.path,
        };
      });
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(folder-opened) Choose Another Folder...', browse: true },
    );
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Fit Detector: where to write the model',
      placeHolder: 'The model list reads these folders',
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    if (pick.dir) return pick.dir;
    const chosen = await vscode.window.showOpenDialog({
      title: 'Fit Detector: folder to write the model into',
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Write Model Here',
      defaultUri: wsFolders[0]?.uri,
    });
    if (!chosen?.[0]) return undefined;
    const dir = toPath(chosen[0], 'outDir');
    if (!this.deps.models.folders().some((f) => path.resolve(f.path) === path.resolve(dir))) {
      const add = await vscode.window.showInformationMessage(
        `Models are listed only from model folders. Add ${dir} to the user setting ${SECTION}.models.folders?`,
        { modal: true },
        'Add and Fit',
        'Fit Without Adding',
      );
      if (!add) return undefined;
      if (add === 'Add and Fit') {
        const c = vscode.workspace.getConfiguration(SECTION);
        const current = c.inspect<string[]>('models.folders')?.globalValue ?? [];
        await c.update('models.folders', [...current, dir], vscode.ConfigurationTarget.Global);
        await this.deps.models.refresh();
      }
    }
    return dir;
  }
}

/**
 * The images under the chosen folders and files: folders are searched (scanImages: sorted, hidden and
 * model folders skipped), files are kept when their extension is a supported one.
 */
async function collectImages(paths: string[]): Promise<Source> {
  const exts = new Set(IMAGE_EXTENSIONS);
  const counting = countingFs();
  const files: string[] = [];
  let looseFiles = 0;
  for (const p of paths) {
    const stat = await fsp.stat(p).catch(() => undefined);
    if (!stat) throw new Refusal(`${p} does not exist.`);
    if (stat.isDirectory()) {
      const found = await scanImages(p, counting.fs, { maxFiles: 200_000 }).catch((err: unknown) => {
        throw new Refusal(`Cannot list the images in ${p}: ${toErrorInfo(err).message}`);
      });
      files.push(...found.map((rel) => path.join(p, ...rel.split('/'))));
    } else {
      looseFiles++;
      if (exts.has(path.extname(p).toLowerCase())) files.push(p);
    }
  }
  const single = paths.length === 1 ? paths[0] : undefined;
  const label = single ? shortPath(single) : `the ${paths.length} selected items`;
  if (files.length === 0)
    throw new Refusal(
      emptyFolderMessage(label, counting.filesSeen() + looseFiles, single && looseFiles === 0 ? 'folder' : 'selection'),
    );
  const unique = [...new Set(files)];
  const root = single && looseFiles === 0 ? single : commonDir(unique);
  return {
    files: unique,
    root,
    label:
      single && looseFiles === 0
        ? shortPath(single)
        : `${unique.length} selected image${unique.length === 1 ? '' : 's'}${root ? ` in ${shortPath(root)}` : ''}`,
    baseName: root ? path.basename(root) : 'images',
  };
}

/** Workspace-relative when inside the workspace: toasts are narrow. */
function shortPath(p: string): string {
  return vscode.workspace.asRelativePath(p, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

function defaultOutDir(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws || ws.uri.scheme !== 'file')
    throw new Refusal('Open a folder first: fitted models are written into the workspace by default (or pass outDir).');
  return path.join(ws.uri.fsPath, ...WORKSPACE_MODELS_DIR.split('/'));
}

/** The engine reads files by path, so only the local file system will do. */
function toPath(u: vscode.Uri | string, what: string): string {
  if (typeof u === 'string') return path.resolve(u);
  if (u.scheme !== 'file')
    throw new Refusal(
      `Only files on this machine's disk can be used for fitting (${what} is a ${u.scheme}: resource).`,
    );
  return u.fsPath;
}

async function listNames(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}

/** scanImages' file system, counting every file it sees (the empty-folder message says how many). */
function countingFs(): { fs: ScanFs; filesSeen: () => number } {
  let seen = 0;
  return {
    fs: {
      readdir: async (dir) => {
        const entries = await fsp.readdir(dir, { withFileTypes: true });
        const out = entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() }));
        seen += out.filter((e) => e.isFile).length;
        return out;
      },
    },
    filesSeen: () => seen,
  };
}

function commonDir(files: string[]): string | undefined {
  if (files.length === 0) return undefined;
  let dir = path.dirname(files[0]);
  while (!files.every((f) => f.startsWith(dir + path.sep))) {
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return dir;
}

/**
 * Fit reports as read-only documents of this session: nothing more is written next to the model, and
 * closing a report never asks to save it (an untitled document would).
 */
class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private seq = 0;

  add(modelId: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: REPORT_SCHEME,
      path: `/${modelId} fit report.md`,
      query: String(++this.seq),
    });
    this.texts.set(uri.toString(), markdown);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      '# Fit report\n\nThis report is from an earlier session and is no longer available; the log has its summary.\n'
    );
  }

  /** Rendered when the built-in Markdown extension is there, else as text. */
  async show(uri: vscode.Uri): Promise<void> {
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
  }
}

function showError(log: Logger, message: string): Thenable<void> {
  return vscode.window.showErrorMessage(message, 'Show Log').then((a) => {
    if (a) log.show();
  });
}
