/** The progress notification's line: count, rate and time left, e.g. "120 of 624 · 41.2 images/s · about 12 s left". */
import { l10n } from '../l10n';
import type { RunProgressInfo } from './backend';

export function progressMessage(p: RunProgressInfo): string {
  const parts = [`${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`];
  if (p.imagesPerS) parts.push(`${p.imagesPerS.toFixed(1)} images/s`);
  if (p.etaS !== undefined && Number.isFinite(p.etaS)) parts.push(`about ${formatEta(p.etaS)} left`);
  if (p.failed) parts.push(`${p.failed} unreadable`);
  if (p.skipped) parts.push(`${p.skipped.toLocaleString('en-US')} unchanged`);
  return parts.join(' · ');
}

export function formatEta(s: number): string {
  if (s < 60) return `${Math.max(1, Math.ceil(s))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/**
 * The notification of a run that failed as a whole, cause first (a notification shows about one line):
 * "Scoring chest stopped: The disk is full (ENOSPC). 8 of 60 images scored, 3 saved; 24 kept from earlier
 * runs." The counts are the batch service's: scored in this run, and of those, saved in the store.
 */
export function stoppedMessage(
  folder: string,
  reason: string,
  c: Pick<RunProgressInfo, 'total' | 'done' | 'saved' | 'skipped'>,
): string {
  const cause = reason.replace(/\.\s*$/, '');
  const count = (n: number) => n.toLocaleString('en-US');
  if (!c.total && !c.done) return l10n.t('Scoring {0} stopped: {1}. Nothing was scored or saved.', folder, cause);
  if (!c.skipped)
    return l10n.t(
      'Scoring {0} stopped: {1}. {2} of {3} images scored, {4} saved.',
      folder,
      cause,
      count(c.done),
      count(c.total),
      count(c.saved),
    );
  return l10n.t(
    'Scoring {0} stopped: {1}. {2} of {3} images scored, {4} saved; {5} kept from earlier runs.',
    folder,
    cause,
    count(c.done),
    count(c.total),
    count(c.saved),
    count(c.skipped),
  );
}
