/**
 * The preprocessing a user's fit can use, by body part. The written model carries the chosen pipeline in
 * its manifest, so every runtime prepares pixels as the fit did; the product's preprocessing stays one
 * implementation (these are only lists of its steps). The last step always brings the image to the
 * backbone's input size.
 *
 * - 'backbone': the backbone's own steps (intensity, photometric, resize): no cropping or masking.
 * - 'chest': the default model's pipeline (models/chest-patchcore): crop to the exposed field, burned-in
 *   markers inpainted, squashed to the input size as the default model was fitted (a unit test keeps the
 *   two equal).
 * - 'hand' and 'hand-clahe': the reference paper's "full" preprocessing (Davletshina et al. 2020) with the
 *   product's steps: percentile window, film crop, bright background inverted, upright, text labels
 *   masked, subject mask (background zeroed), one output per hand, histogram equalisation (the paper) or
 *   CLAHE, aspect-preserving resize with padding. Same steps as training/paper/specs.py's mura_spec.
 */
import type { PipelineSpec, PreprocessStep } from '../preprocess/spec';

export const FIT_PIPELINE_IDS = ['backbone', 'chest', 'hand', 'hand-clahe'] as const;
export type FitPipelineId = (typeof FIT_PIPELINE_IDS)[number];

export interface FitPipeline {
  id: FitPipelineId;
  /** Short, for pickers and reports (English: core; the extension localises its own labels). */
  label: string;
  /** The steps in words. */
  detail: string;
}

export const FIT_PIPELINES: readonly FitPipeline[] = [
  {
    id: 'chest',
    label: 'Chest X-ray (the default model\u2019s pipeline)',
    detail: 'crop to the exposed field, burned-in markers inpainted, resize',
  },
  {
    id: 'hand',
    label: 'Hand X-ray (the paper\u2019s pipeline, histogram equalisation)',
    detail:
      'film crop, bright background inverted, upright, text masked, hand mask, one image per hand, histogram equalisation, resize + pad',
  },
  {
    id: 'hand-clahe',
    label: 'Hand X-ray (the paper\u2019s pipeline, CLAHE)',
    detail:
      'film crop, bright background inverted, upright, text masked, hand mask, one image per hand, CLAHE, resize + pad',
  },
  {
    id: 'backbone',
    label: 'Plain (the backbone\u2019s steps only)',
    detail: 'intensity, photometric, resize: nothing cropped or masked',
  },
];

export function isFitPipelineId(v: unknown): v is FitPipelineId {
  return typeof v === 'string' && (FIT_PIPELINE_IDS as readonly string[]).includes(v);
}

export function fitPipelineInfo(id: FitPipelineId): FitPipeline {
  return FIT_PIPELINES.find((p) => p.id === id)!;
}

/** The pipeline's steps for a backbone with input `input` and its own preprocessing `backboneSteps`. */
export function fitPipelineSpec(
  id: FitPipelineId,
  input: { width: number; height: number },
  backboneSteps: PipelineSpec,
): PipelineSpec {
  const size = Math.max(input.width, input.height);
  const square = input.width === input.height;
  switch (id) {
    case 'backbone':
      return { steps: backboneSteps.steps.map((s) => ({ ...s })) };
    case 'chest':
      return {
        steps: [
          { op: 'cropExposed' },
          { op: 'intensity', mode: 'bits' },
          { op: 'photometric', invertBrightBackground: false },
          { op: 'maskText', mode: 'inpaint', saturation: 0.3 },
          { op: 'resize', width: input.width, height: input.height },
        ],
      };
    case 'hand':
    case 'hand-clahe': {
      const equalise: PreprocessStep = id === 'hand' ? { op: 'histogramEqualize' } : { op: 'clahe' };
      return {
        steps: [
          { op: 'intensity', mode: 'percentile', low: 0.5, high: 99.5 },
          { op: 'cropExposed' },
          { op: 'photometric', invertBrightBackground: true },
          { op: 'rotatePortrait', direction: 'upright' },
          { op: 'maskText', mode: 'mask' },
          { op: 'foreground', components: 2, zeroBackground: true },
          { op: 'splitHands' },
          equalise,
          // resizePad makes a square; a non-square backbone input gets a plain resize after it.
          { op: 'resizePad', size },
          ...(square ? [] : [{ op: 'resize', width: input.width, height: input.height } as PreprocessStep]),
        ],
      };
    }
  }
}
