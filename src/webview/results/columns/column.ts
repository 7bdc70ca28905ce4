/**
 * A column of the results table: its header, width, how it sorts, and how it fills a cell. The table keeps
 * a small pool of row elements and refills their cells as the list scrolls, so `render` must set every
 * part of the cell it owns (a cell shows another row the next time).
 */
import type { SortKey } from '../../../protocol/results';
import type { Mark } from '../marks';
import type { PanelState } from '../state';

/** What a cell renderer may need beyond its row, worked out once per row. */
export interface RowContext {
  state: PanelState;
  /** The query's model column and its threshold (the flag, the histogram). */
  model: number;
  threshold: number;
  flagged: boolean;
  /** The row's user label in the active set. */
  mark: Mark | undefined;
}

export interface Column {
  /** Unique among the panel's columns (per-model columns end with their model's index). */
  id: string;
  header: string;
  /** A CSS grid track (`6em`, `minmax(14em, 3fr)`). */
  width: string;
  title?: string;
  /** Added to the cell's and the header's `td`/`th` class. */
  className?: string;
  /** The cells show data (paths, messages, names): never machine-translated. */
  data?: boolean;
  /** Clicking the header sorts by this key (for `model` when the key is per model). */
  sort?: SortKey;
  model?: number;
  /** Builds the cell's fixed content once (the cell is reused for other rows). */
  setup?(cell: HTMLElement): void;
  render(cell: HTMLElement, row: number, ctx: RowContext): void;
}

/** One kind of column: the columns of that kind the panel shows now (none, one, or one per model). */
export interface ColumnEntry {
  id: string;
  columns(state: PanelState): Column[];
}

/** Sets a cell's classes: the column's own, then the row-dependent ones. */
export function cellClass(cell: HTMLElement, column: Column, ...extra: (string | false | undefined)[]): void {
  const name = ['td', column.className, ...extra].filter(Boolean).join(' ');
  if (cell.className !== name) cell.className = name;
}
