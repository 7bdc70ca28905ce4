/**
 * The results table's columns, in order: one entry per kind of column. A new column (a quality flag, a
 * model's extra output) is one entry here and its file beside this one; the table, its header, sorting
 * clicks and the row pool take it from there.
 */
import type { PanelState } from '../state';
import type { Column, ColumnEntry } from './column';
import { errorColumn, pathColumn, thumbnailColumn } from './fileColumns';
import { truthColumn, userLabelColumn } from './labelColumns';
import { qualityColumn } from './qualityColumn';
import { flagColumn, scoreColumns } from './scoreColumns';

export const COLUMNS: readonly ColumnEntry[] = [
  thumbnailColumn,
  pathColumn,
  truthColumn,
  scoreColumns,
  // The flag beside the score that sets it: in a narrow panel the model's verdict shows before the rest.
  flagColumn,
  userLabelColumn,
  qualityColumn,
  errorColumn,
];

/** The columns the panel shows for its state now. */
export function columnsFor(state: PanelState): Column[] {
  return COLUMNS.flatMap((e) => e.columns(state));
}
