/**
 * What the preview of the selected row shows (views/previewView.ts draws it): its thumbnail, the heatmap of
 * the chosen model column over it, or a sentence saying why there is none. Pure, so the reasons are tested
 * without a DOM.
 */
import { l10n } from '../shared/l10n';
import type { PanelState } from './state';

export interface PreviewContent {
  row?: number;
  model: number;
  path?: string;
  thumb?: string;
  heat?: string;
  /** Why the heatmap (or the whole preview) is missing; undefined when both images are there. */
  message?: string;
}

export function previewContent(s: PanelState): PreviewContent {
  const model = s.query.model;
  const row = s.anchor !== undefined && s.selection.has(s.anchor) ? s.anchor : undefined;
  if (row === undefined) return { model, message: l10n.t('Select an image to preview it here.') };
  const m = s.models[model];
  const name = m?.name ?? '';
  const out: PreviewContent = { row, model, path: s.table.paths[row], thumb: s.thumbnails.get(row) };
  const error = s.table.error(row, model);
  if (m?.hasMap === false) out.message = l10n.t('{0} gives a score only: it has no heatmap.', name);
  else if (error) out.message = l10n.t('No heatmap: {0} could not score this image ({1}).', name, error);
  else if (!s.table.hasScore(row, model)) out.message = l10n.t('No heatmap yet: {0} has not scored this image.', name);
  else {
    out.heat = s.heatmaps[model]?.get(row);
    if (!out.heat)
      out.message = s.hasThumbnails
        ? l10n.t('No heatmap of {0} is stored for this image (scored elsewhere, or removed from the cache).', name)
        : l10n.t('This panel keeps no heatmaps.');
  }
  return out;
}
