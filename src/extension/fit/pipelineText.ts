/** The preprocessing pipelines of a fit (core/fit/pipelines.ts) in the user's language. Free of `vscode`. */
import type { FitPipelineId } from '../../core/fit/pipelines';
import { l10n } from '../l10n';

export function pipelineLabel(id: FitPipelineId): string {
  switch (id) {
    case 'chest':
      return l10n.t('Chest X-ray (the default model\u2019s pipeline)');
    case 'hand':
      return l10n.t('Hand X-ray (the paper\u2019s pipeline, histogram equalisation)');
    case 'hand-clahe':
      return l10n.t('Hand X-ray (the paper\u2019s pipeline, CLAHE)');
    case 'backbone':
      return l10n.t('Plain (the backbone\u2019s steps only)');
  }
}

export function pipelineDetail(id: FitPipelineId): string {
  switch (id) {
    case 'chest':
      return l10n.t('Crop to the exposed field, burned-in markers inpainted, resize.');
    case 'hand':
      return l10n.t(
        'Film crop, bright background inverted, upright, text masked, hand mask, one image per hand, histogram equalisation, resize and pad.',
      );
    case 'hand-clahe':
      return l10n.t(
        'Film crop, bright background inverted, upright, text masked, hand mask, one image per hand, CLAHE, resize and pad.',
      );
    case 'backbone':
      return l10n.t('Intensity, photometric, resize: nothing cropped or masked.');
  }
}
