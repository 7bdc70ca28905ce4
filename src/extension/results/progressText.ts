/** The progress notification's line: count, rate and time left, e.g. "120 of 624 · 41.2 images/s · about 12 s left". */
import { l10n } from '../l10n';
import type { RunProgressInfo } from './backend';

export function progressMessage(p: RunProgressInfo): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const parts = [l10n.t('{0} of {1}', count(p.done), count(p.total))];
  if (p.imagesPerS) parts.push(l10n.t('{0} images/s', p.imagesPerS.toFixed(1)));
  if (p.etaS !== undefined && Number.isFinite(p.etaS)) parts.push(l10n.t('about {0} left', formatEta(p.etaS)));
  if (p.failed) parts.push(l10n.t('{0} unreadable', count(p.failed)));
  if (p.skipped) parts.push(l10n.t('{0} unchanged', count(p.skipped)));
  return parts.join(' · ');
}

export function formatEta(s: number): string {
  if (s < 60) return l10n.t('{0} s', Math.max(1, Math.ceil(s)));
  if (s < 3600) return l10n.t('{0} min {1} s', Math.floor(s / 60), Math.round(s % 60));
  return l10n.t('{0} h {1} min', Math.floor(s / 3600), Math.round((s % 3600) / 60));
}
