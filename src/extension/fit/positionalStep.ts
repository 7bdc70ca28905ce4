/**
 * The fit wizard's question whether the detector is position-aware (positionalChoice.ts has the answers and
 * what they ask of the fit). Not asked for a Gaussian-only fit (it has no patches), for a folder too small to
 * hold out the images a position-aware map is centred on (positionalOffered), or without prompts.
 */
import * as vscode from 'vscode';
import { positionalAnswers, positionalOffered, positionalProblem } from './positionalChoice';
import { Refusal } from './refusal';
import type { WizardStep } from './wizard';

export const positionalStep: WizardStep = {
  id: 'positional',
  async run(draft) {
    const { args } = draft;
    const problem = positionalProblem(args);
    if (problem) throw new Refusal(problem);
    const files = draft.source!.files.length;
    if (
      args.positional !== undefined ||
      draft.quiet ||
      args.kind === 'gaussian' ||
      !positionalOffered(files, args.calibrationFraction)
    ) {
      draft.positional = args.positional === true;
      return true;
    }
    const chosen = await vscode.window.showQuickPick(positionalAnswers(files, args.calibrationFraction), {
      title: vscode.l10n.t('Fit Detector: where patches are compared'),
      placeHolder: vscode.l10n.t('Position-aware suits films that are taken aligned, such as chest X-rays'),
      ignoreFocusOut: true,
    });
    if (!chosen) return false;
    draft.positional = chosen.positional;
    return true;
  },
};
