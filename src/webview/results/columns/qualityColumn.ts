/**
 * Dataset quality: each flag of the row with its value (webview/results/quality.ts), once the host has sent
 * the folder's verdicts. Sorting by it puts each duplicate group together.
 */
import { l10n } from '../../shared/l10n';
import { cellClass, type Column, type ColumnEntry } from './column';

export const qualityColumn: ColumnEntry = {
  id: 'quality',
  columns: (s) => {
    if (!s.table.quality.known) return [];
    const column: Column = {
      id: 'quality',
      header: l10n.t('Quality'),
      width: 'minmax(8em, 1.5fr)',
      sort: 'quality',
      className: 'c-quality',
      title: l10n.t(
        'Dataset quality: exact and near duplicates, too dark or bright, low information, blurry, odd size or aspect ratio, unreadable (thresholds: settings xrayAnomaly.quality.*)',
      ),
      render: (cell, row, { state }) => {
        const text = state.table.quality.describe(row);
        if (cell.textContent !== text) cell.textContent = text;
        cell.title = text;
        cellClass(cell, column, text !== '' && 'quality-on');
      },
    };
    return [column];
  },
};
