import * as vscode from 'vscode';
import { toErrorInfo } from '../../core/errors';
import { promises as fsp } from 'node:fs';
import { parseBackboneManifest } from '../../core/model/backbone';
import { Disposable } from '../../protocol/dispose';
import type { FitPreviewDeps } from './preview';
import { ReportDocuments } from './report';
import { Refusal, showError } from './refusal';
import { runFit, type FitRunDeps } from './run';
import type { FitDetectorArgs, FitOutcome } from './types';
import { FIT_WIZARD_STEPS } from './steps';
import { runWizard } from './wizard';

export type { FitDetectorArgs, FitOutcome } from './types';

/**
 * "Fit Detector on Folder..." (and "...on These Images"): the wizard (wizard.ts) picks the normal images,
 * a destination and a model id; the run (run.ts) fits in the engine under a cancellable progress
 * notification, then lists and selects the new model and offers its report (report.ts).
 */
export const FIT_COMMAND = 'xrayAnomaly.fitDetector';
export const FIT_IMAGES_COMMAND = 'xrayAnomaly.fitDetectorOnImages';
/** Shows a fit's report (the "Open Report" action); argument: the `reportUri` of a 'fitted' outcome. Not in the palette. */
export const SHOW_REPORT_COMMAND = 'xrayAnomaly.showFitReport';

export type FitCommandDeps = Omit<FitRunDeps, 'reports'>;

/** The fit commands and the report documents, released together. */
export class FitCommands extends Disposable {
  /** One fit flow at a time: the engine fits one job at a time, and two flows could pick the same id. */
  private busy = false;
  /** Id of the fit running in the engine, for the "already running" message. */
  private running?: string;
  private readonly deps: FitRunDeps;

  constructor(deps: FitCommandDeps) {
    super();
    const reports = this._register(new ReportDocuments());
    this.deps = { ...deps, reports };
    this._register(
      vscode.commands.registerCommand(SHOW_REPORT_COMMAND, (uri: vscode.Uri | string) =>
        reports.show(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri),
      ),
    );
    // Explorer passes (clicked, selection); the palette passes nothing; code passes FitDetectorArgs.
    this._register(
      vscode.commands.registerCommand(FIT_COMMAND, (first?: vscode.Uri | FitDetectorArgs, selection?: vscode.Uri[]) =>
        this.run(
          first instanceof vscode.Uri
            ? { folder: first, images: selection && selection.length > 1 ? selection : undefined }
            : (first ?? {}),
        ),
      ),
    );
    this._register(
      vscode.commands.registerCommand(
        FIT_IMAGES_COMMAND,
        (first?: vscode.Uri | FitDetectorArgs, selection?: vscode.Uri[]) =>
          this.run(first instanceof vscode.Uri ? { images: selection?.length ? selection : [first] } : (first ?? {})),
      ),
    );
  }

  /** What the preprocessing preview needs: the engine, the decode limits and the backbone's input and steps. */
  private async previewDeps(): Promise<FitPreviewDeps> {
    const { backbonePath, engine, extensionUri } = this.deps;
    const backbone = parseBackboneManifest(await fsp.readFile(backbonePath, 'utf8'), backbonePath);
    return { engine, extensionUri, limits: this.deps.settings().limits, backbone };
  }

  async run(args: FitDetectorArgs): Promise<FitOutcome> {
    const { log } = this.deps;
    if (!vscode.workspace.isTrusted) {
      const reason = vscode.l10n.t(
        'Fitting a detector is unavailable in Restricted Mode: it writes a model into the workspace and loads it into the inference engine, and models from the workspace load only in trusted workspaces.',
      );
      log.warn('Fit detector: unavailable in Restricted Mode.');
      void vscode.window.showWarningMessage(reason, vscode.l10n.t('Manage Workspace Trust')).then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return { status: 'unavailable', reason };
    }
    if (this.busy) {
      const reason = this.running
        ? vscode.l10n.t(
            'A detector is already being fitted ("{0}"): wait for it to finish or cancel it first.',
            this.running,
          )
        : vscode.l10n.t('Fit Detector is already waiting for your answers in another prompt.');
      void vscode.window.showInformationMessage(reason);
      return { status: 'unavailable', reason };
    }
    this.busy = true;
    try {
      await this.deps.models.ready();
      const plan = await runWizard(
        args,
        { models: this.deps.models, preview: () => this.previewDeps() },
        FIT_WIZARD_STEPS,
      );
      if (!plan) return { status: 'dismissed' };
      this.running = plan.modelId;
      return await runFit(this.deps, args, plan);
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
      void showError(log, error.message);
      return { status: 'failed', error, leftovers: [] };
    } finally {
      this.busy = false;
      this.running = undefined;
    }
  }
}
