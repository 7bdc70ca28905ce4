/**
 * The questions "Fit Detector" asks before a fit, as a list of steps (the steps themselves: steps.ts).
 * Each step fills its part of the draft from the command's arguments or by asking the user (never with
 * `quiet`), and refuses bad input (a Refusal). A new question is a new step, placed with `insertStep`
 * (e.g. a preprocessing choice before 'name'); the run reads what the steps filled in. Free of `vscode`.
 */
import type { FitPipelineId } from '../../core/fit/pipelines';
import type { ModelService } from '../models';
import type { Source } from './images';
import type { FitPreviewDeps, PipelinePreviewReport } from './preview';
import type { FitDetectorArgs } from './types';

export interface FitDraft {
  readonly args: FitDetectorArgs;
  /** Nothing may be asked: what is missing is refused. */
  readonly quiet: boolean;
  source?: Source;
  /** Preprocessing the model is fitted with (default 'backbone'). */
  pipeline?: FitPipelineId;
  /** Also fit on mirrored copies. */
  mirror?: boolean;
  /** Position-aware local evidence (positionalChoice.ts). */
  positional?: boolean;
  /** What the preprocessing preview showed, pipeline after pipeline. */
  previews: PipelinePreviewReport[];
  outDir?: string;
  /** Names already in outDir, for the clash checks. */
  inOutDir: string[];
  modelId?: string;
  name?: string;
  overwrite: boolean;
  /** A model with this id lives in outDir and will be replaced. */
  replacing: boolean;
}

/** What the wizard hands to the run. */
export type FitPlan = FitDraft & { source: Source; outDir: string; modelId: string };

export interface WizardContext {
  models: Pick<ModelService, 'models' | 'folders' | 'refresh'>;
  /** What the preprocessing preview needs; without it the pipelines are offered without pictures. */
  preview?: () => Promise<FitPreviewDeps>;
}

export interface WizardStep {
  /** Names the step (logs, and where new steps go). */
  readonly id: string;
  /** Fills the draft; false when the user dismissed a prompt (nothing happens then). */
  run(draft: FitDraft, ctx: WizardContext): Promise<boolean>;
}

/** `steps` with `step` placed before the step `before` (at the end when there is none). */
export function insertStep(steps: readonly WizardStep[], step: WizardStep, before?: string): WizardStep[] {
  const at = before === undefined ? -1 : steps.findIndex((s) => s.id === before);
  if (steps.some((s) => s.id === step.id)) throw new Error(`The fit wizard already has a step "${step.id}".`);
  return at < 0 ? [...steps, step] : [...steps.slice(0, at), step, ...steps.slice(at)];
}

/** Runs the steps in order; undefined when the user dismissed one. */
export async function runWizard(
  args: FitDetectorArgs,
  ctx: WizardContext,
  steps: readonly WizardStep[],
): Promise<FitPlan | undefined> {
  const draft: FitDraft = {
    args,
    quiet: args.quiet === true,
    previews: [],
    inOutDir: [],
    overwrite: false,
    replacing: false,
  };
  for (const step of steps) if (!(await step.run(draft, ctx))) return undefined;
  if (!draft.source || draft.outDir === undefined || draft.modelId === undefined)
    throw new Error(
      `The fit wizard ended without ${!draft.source ? 'images' : draft.outDir === undefined ? 'a folder' : 'an id'}.`,
    );
  return draft as FitPlan;
}
