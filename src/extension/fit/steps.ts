/**
 * The fit wizard's steps (see wizard.ts): images, preprocessing (with its preview) and mirroring
 * (pipelineStep.ts), position-aware or not (positionalStep.ts), destination, model id, display name, replace.
 */
import * as vscode from 'vscode';
import { MIN_FIT_IMAGES } from '../../core/fit/fitModel';
import { defaultOutDir, pickDestination } from './destination';
import { collectImages } from './images';
import { mirrorStep, pipelineStep } from './pipelineStep';
import { positionalStep } from './positionalStep';
import { clashMessage, findClash, modelIdProblem, suggestModelId } from './plan';
import { listNames, Refusal, shortPath, toPath } from './refusal';
import { insertStep, type WizardStep } from './wizard';

/** The images: from the arguments or the Explorer selection, else a folder picked now. */
export const sourceStep: WizardStep = {
  id: 'source',
  async run(draft) {
    const { args } = draft;
    let paths = args.images?.length
      ? args.images.map((u) => toPath(u, 'images'))
      : args.folder !== undefined
        ? [toPath(args.folder, 'folder')]
        : undefined;
    if (!paths) {
      if (draft.quiet)
        throw new Refusal(vscode.l10n.t('A folder (or images) is required when fitting without prompts (quiet).'));
      const picked = await vscode.window.showOpenDialog({
        title: vscode.l10n.t('Fit Detector: folder of normal X-rays'),
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        openLabel: vscode.l10n.t('Fit on This Folder'),
      });
      if (!picked?.[0]) return false;
      paths = [toPath(picked[0], 'folder')];
    }
    const chosen = paths;
    draft.source = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Looking for X-ray images...') },
      () => collectImages(chosen),
    );
    // Before any other question: a folder too small to fit on is said at once, in numbers.
    const found = draft.source.files.length;
    if (found < MIN_FIT_IMAGES)
      throw new Refusal(
        vscode.l10n.t(
          '{0} found in {1}, at least {2} needed: a detector needs that many normal images of different patients for its threshold (mirrored copies do not count).',
          found === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', found),
          draft.source.label,
          MIN_FIT_IMAGES,
        ),
      );
    return true;
  },
};

/** Where the model is written: the argument, the workspace default when quiet, else a pick. */
export const destinationStep: WizardStep = {
  id: 'destination',
  async run(draft, { models }) {
    const { args } = draft;
    const outDir =
      args.outDir !== undefined
        ? toPath(args.outDir, 'outDir')
        : draft.quiet
          ? defaultOutDir()
          : await pickDestination(models);
    if (!outDir) return false;
    draft.outDir = outDir;
    draft.inOutDir = await listNames(outDir);
    return true;
  },
};

/** The model id: suggested from the folder, checked as it is typed (format, clashes). */
export const modelIdStep: WizardStep = {
  id: 'modelId',
  async run(draft, { models }) {
    const outDir = draft.outDir!;
    let modelId = draft.args.modelId;
    if (modelId === undefined) {
      if (draft.quiet) throw new Refusal(vscode.l10n.t('A model id is required when fitting without prompts (quiet).'));
      const taken = new Set(models.models.map((m) => m.id));
      modelId = await vscode.window.showInputBox({
        title: vscode.l10n.t('Fit Detector: model id'),
        prompt: vscode.l10n.t(
          'Names the files <id>.onnx and <id>.model.json in {0}. Lowercase letters, digits and dashes.',
          shortPath(outDir),
        ),
        value: suggestModelId(draft.source!.baseName, taken),
        ignoreFocusOut: true,
        validateInput: (v) => {
          const problem = modelIdProblem(v);
          if (problem) return problem;
          const clash = findClash(v, outDir, models.models, draft.inOutDir);
          if (clash.kind === 'hidden') return clashMessage(v, clash);
          if (clash.kind === 'replace')
            return {
              message: `${clashMessage(v, clash)} ${vscode.l10n.t('You will be asked before it is replaced.')}`,
              severity: vscode.InputBoxValidationSeverity.Warning,
            };
          return undefined;
        },
      });
      if (modelId === undefined) return false;
    }
    const idProblem = modelIdProblem(modelId);
    if (idProblem) throw new Refusal(vscode.l10n.t('Model id "{0}": {1}', modelId, idProblem));
    draft.modelId = modelId;
    return true;
  },
};

/** An optional display name. */
export const nameStep: WizardStep = {
  id: 'name',
  async run(draft) {
    draft.name = draft.args.name;
    if (draft.name !== undefined || draft.quiet) return true;
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Fit Detector: display name (optional)'),
      prompt: vscode.l10n.t('Shown in the model picker and the status bar. Leave empty to use the id.'),
      placeHolder: vscode.l10n.t('{0} (fitted on {1})', draft.modelId!, draft.source!.label),
      ignoreFocusOut: true,
    });
    if (typed === undefined) return false;
    draft.name = typed.trim() || undefined;
    return true;
  },
};

/** A model with the same id: hidden elsewhere is refused; in the destination it is replaced after a yes. */
export const replaceStep: WizardStep = {
  id: 'replace',
  async run(draft, { models }) {
    const modelId = draft.modelId!;
    draft.overwrite = draft.args.overwrite === true;
    const clash = findClash(modelId, draft.outDir!, models.models, draft.inOutDir);
    draft.replacing = clash.kind === 'replace';
    if (clash.kind === 'hidden') throw new Refusal(clashMessage(modelId, clash));
    if (clash.kind === 'replace' && !draft.overwrite) {
      if (draft.quiet)
        throw new Refusal(`${clashMessage(modelId, clash)} ${vscode.l10n.t('Pass overwrite: true to replace it.')}`);
      const replace = vscode.l10n.t('Replace');
      const yes = await vscode.window.showWarningMessage(
        `${clashMessage(modelId, clash)} ${vscode.l10n.t('Replace it?')}`,
        { modal: true, detail: vscode.l10n.t('The old files are replaced only when the new model is complete.') },
        replace,
      );
      if (yes !== replace) return false;
      draft.overwrite = true;
    }
    return true;
  },
};

const BASE_STEPS: readonly WizardStep[] = [sourceStep, destinationStep, modelIdStep, nameStep, replaceStep];

/**
 * Preprocessing right after the images: the preview needs them, and it is the question about them; then
 * mirroring and the position-aware choice, the other questions about how the detector learns.
 */
export const FIT_WIZARD_STEPS: readonly WizardStep[] = [pipelineStep, mirrorStep, positionalStep].reduce(
  (steps, step) => insertStep(steps, step, 'destination'),
  BASE_STEPS,
);
