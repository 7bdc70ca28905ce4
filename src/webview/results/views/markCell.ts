/** A row's user label as the table and the grid show it: a coloured chip, the note as a marker and tooltip. */
import type { Mark } from '../marks';

const TEXT = { normal: 'normal', abnormal: 'abnormal', unsure: 'unsure' } as const;

export function renderMark(cell: HTMLElement, mark: Mark | undefined): void {
  cell.className = `td c-mark ${mark?.label ? `mark-${mark.label}` : ''} ${mark && mark.status !== 'ok' ? `mark-${mark.status}` : ''}`;
  const status = mark?.status === 'stale' ? ' (file changed)' : mark?.status === 'moved' ? ' (moved)' : '';
  cell.textContent = mark ? `${mark.label ? TEXT[mark.label] : ''}${mark.note ? ' ✎' : ''}${status ? ' *' : ''}` : '';
  cell.title = mark
    ? `${mark.label ?? 'no label'}${status}${mark.note ? `\nNote: ${mark.note}` : ''}`
    : 'No label (1 normal, 2 abnormal, 3 unsure)';
}
