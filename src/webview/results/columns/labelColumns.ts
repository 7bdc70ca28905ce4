/** Labels: the ground truth (folders or a labels CSV, what ROC/PR use) and the user's own label in the active set. */
import { l10n } from '../../shared/l10n';
import { renderMark } from '../views/markCell';
import { cellClass, type Column, type ColumnEntry } from './column';

export const truthColumn: ColumnEntry = {
  id: 'truth',
  columns: (s) => {
    if (!s.table.hasLabels() && !s.labelsFrom) return [];
    const column: Column = {
      id: 'label',
      header: l10n.t('Truth'),
      width: '5.5em',
      sort: 'label',
      title: s.labelsFrom ? l10n.t('Ground truth ({0})', s.labelsFrom) : l10n.t('Ground truth (labels)'),
      render: (cell, row, { state }) => {
        const l = state.table.labels[row];
        cell.textContent = l === 1 ? l10n.t('anomalous') : l === 0 ? l10n.t('normal') : '';
        cellClass(cell, column, l === 1 && 'label-pos', l === 0 && 'label-neg');
      },
    };
    return [column];
  },
};

/** The user's label (keys 1/2/3/0, n, u), shown once a label set is active. */
export const userLabelColumn: ColumnEntry = {
  id: 'mark',
  columns: (s) =>
    s.marks.set
      ? [
          {
            id: 'mark',
            header: l10n.t('Label'),
            width: '6.5em',
            className: 'c-mark',
            title: l10n.t(
              'Your label in the set "{0}" (keys 1 normal, 2 abnormal, 3 unsure, 0 clear, n note, u undo)',
              s.marks.set.name,
            ),
            render: (cell, _row, { mark }) => renderMark(cell, mark),
          },
        ]
      : [],
};
