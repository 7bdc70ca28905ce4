/**
 * A row's user label as the table, the grid and the preview show it: a coloured chip with the label's word,
 * the note as a marker and tooltip, a moved or replaced file said so.
 */
import { l10n } from '../../shared/l10n';
import type { Mark } from '../marks';

export function markLabelText(label: NonNullable<Mark['label']>): string {
  return label === 'normal' ? l10n.t('normal') : label === 'abnormal' ? l10n.t('abnormal') : l10n.t('unsure');
}

/** The mark's classes: its label's colour, struck through when the file changed, italic when moved. */
export function markClasses(mark: Mark | undefined): string {
  return `${mark?.label ? `mark-${mark.label}` : ''} ${mark && mark.status !== 'ok' ? `mark-${mark.status}` : ''}`;
}

function statusText(mark: Mark): string {
  return mark.status === 'stale' ? l10n.t(' (file changed)') : mark.status === 'moved' ? l10n.t(' (moved)') : '';
}

/** The label, the note's pencil and a star when moved or changed: what fits a table cell. */
export function markShortText(mark: Mark | undefined): string {
  return mark
    ? `${mark.label ? markLabelText(mark.label) : ''}${mark.note ? ' ✎' : ''}${mark.status !== 'ok' ? ' *' : ''}`
    : '';
}

/** All of it: label, status, note (the tooltip, and the preview's line). */
export function markLongText(mark: Mark, sep = '\n'): string {
  const label = mark.label ? markLabelText(mark.label) : l10n.t('no label');
  return `${label}${statusText(mark)}${mark.note ? `${sep}${l10n.t('Note: {0}', mark.note)}` : ''}`;
}

export function renderMark(cell: HTMLElement, mark: Mark | undefined): void {
  cell.className = `td c-mark ${markClasses(mark)}`;
  cell.textContent = markShortText(mark);
  cell.title = mark ? markLongText(mark) : l10n.t('No label (1 normal, 2 abnormal, 3 unsure)');
}
