/**
 * The notification of a run that stopped as a whole. A collapsed notification shows one line of about 62
 * characters, so it says only the cause in a few words and what the store holds now:
 * "Disk full, scoring stopped: 3 of 60 saved, 24 kept." The full cause, the folder and the scored count are in
 * the panel's status line and the log.
 */
import { l10n } from '../l10n';
import type { RunProgressInfo } from './backend';

/** The cause in a few words, from the error's code; else the start of its own text (English, from the engine). */
export function stopCause(code: string | undefined, message: string): string {
  switch (code) {
    case 'ENOSPC':
      return l10n.t('Disk full');
    case 'EDQUOT':
      return l10n.t('Disk quota full');
    case 'EROFS':
      return l10n.t('Read-only disk');
    case 'EACCES':
    case 'EPERM':
      return l10n.t('No write permission');
    case 'EIO':
      return l10n.t('Disk error');
    case 'EBUSY':
      return l10n.t('Store in use');
    case 'ENGINE_CRASHED':
      return l10n.t('Engine failed');
  }
  const first = /^[^.:;(]*/.exec(message)?.[0].trim() ?? '';
  return first.length > 0 && first.length <= 32 ? first : l10n.t('An error');
}

export function stoppedMessage(
  cause: string,
  c: Pick<RunProgressInfo, 'total' | 'done' | 'saved' | 'skipped'>,
): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const planned = c.total > 0 || c.done > 0;
  if (planned && c.skipped)
    return l10n.t(
      '{0}, scoring stopped: {1} of {2} saved, {3} kept.',
      cause,
      count(c.saved),
      count(c.total),
      count(c.skipped),
    );
  if (planned) return l10n.t('{0}, scoring stopped: {1} of {2} saved.', cause, count(c.saved), count(c.total));
  if (c.skipped) return l10n.t('{0}, scoring stopped: nothing saved, {1} kept.', cause, count(c.skipped));
  return l10n.t('{0}, scoring stopped: nothing scored or saved.', cause);
}
