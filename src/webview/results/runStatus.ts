/**
 * The panel's run status line. While scoring: count, rate, time left. After a run: how it ended and, for one
 * that stopped early (cancelled, a full disk, a read-only store, an engine that gave up), how many images it
 * scored and how many of them reached the store: both counts come from the batch service, so a file scored
 * but lost to a full disk is not shown as kept.
 */
import type { RunProgress } from '../../protocol/results';
import { l10n } from '../shared/l10n';
import { formatCount, formatEta } from './format';

export function runStatusText(p: RunProgress): string {
  const parts: string[] = [];
  if (p.running) {
    parts.push(l10n.t('Scoring {0} of {1}', formatCount(p.done), formatCount(p.total)));
    if (p.imagesPerS) parts.push(l10n.t('{0} images/s', p.imagesPerS.toFixed(1)));
    if (p.etaS !== undefined) parts.push(l10n.t('about {0} left', formatEta(p.etaS)));
  } else if (p.ended === 'finished' || !p.ended) {
    parts.push(l10n.t('Done'), l10n.t('{0} of {1} images', formatCount(p.done), formatCount(p.total)));
  } else {
    parts.push(p.ended === 'cancelled' ? l10n.t('Cancelled') : l10n.t('Stopped'));
    parts.push(stoppedCounts(p));
    if (p.skipped) parts.push(l10n.t('{0} kept from earlier runs', formatCount(p.skipped)));
  }
  if (p.skipped && (p.running || p.ended === 'finished' || !p.ended))
    parts.push(l10n.t('{0} unchanged, skipped', formatCount(p.skipped)));
  if (p.failed) parts.push(l10n.t('{0} could not be read', formatCount(p.failed)));
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}

/** "8 of 60 images scored, 3 saved"; a run stopped before it planned (a read-only store) scored nothing. */
function stoppedCounts(p: RunProgress): string {
  if (!p.total && !p.done) return l10n.t('nothing scored or saved');
  return l10n.t('{0} of {1} images scored, {2} saved', formatCount(p.done), formatCount(p.total), formatCount(p.saved));
}
