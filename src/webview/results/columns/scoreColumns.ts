/** Per model: the raw score and the normalised one; and the flag (at or above the query model's threshold). */
import { l10n } from '../../shared/l10n';
import { formatNorm, formatRaw } from '../format';
import { cellClass, type Column, type ColumnEntry } from './column';

export const scoreColumns: ColumnEntry = {
  id: 'scores',
  columns: (s) =>
    s.models.flatMap((m, i): Column[] => {
      const several = s.models.length > 1;
      const text = (v: number, err: string | undefined, format: (v: number) => string) =>
        err ? '—' : Number.isNaN(v) ? '…' : format(v);
      return [
        {
          id: `raw${i}`,
          header: several ? l10n.t('{0} Score', m.name) : l10n.t('Score'),
          width: '5.5em',
          sort: 'raw',
          model: i,
          className: 'num',
          title: l10n.t('{0} {1}: raw anomaly score', m.name, m.version),
          render: (cell, row, { state }) => {
            cell.textContent = text(state.table.raw[i][row], state.table.error(row, i), formatRaw);
          },
        },
        {
          id: `norm${i}`,
          header: several ? l10n.t('{0} Norm.', m.name) : l10n.t('Norm.'),
          width: '4.5em',
          sort: 'normalized',
          model: i,
          className: 'num',
          title: l10n.t(
            '{0} {1}: normalised score, 0.5 at the calibrated threshold, same order as the raw score',
            m.name,
            m.version,
          ),
          render: (cell, row, { state }) => {
            cell.textContent = text(state.table.normalized[i][row], state.table.error(row, i), formatNorm);
          },
        },
      ];
    }),
};

export const flagColumn: ColumnEntry = {
  id: 'flag',
  columns: () => {
    const column: Column = {
      id: 'flag',
      header: l10n.t('Flag'),
      width: '5em',
      sort: 'flag',
      title: l10n.t('At or above the threshold set in the histogram'),
      render: (cell, _row, { flagged }) => {
        cell.textContent = flagged ? l10n.t('flagged') : '';
        cellClass(cell, column, flagged && 'flag-on');
      },
    };
    return [column];
  },
};
