// Cells written as readable tuples in the tests, made into the protocol's column-by-column form.
import type { ColumnCells } from '../../../src/protocol/results';
import type { RowTable } from '../../../src/webview/results/rows';

export type Cell = [row: number, model: number, raw: number | null, normalized: number | null, error: string | null];

export function columnsOf(cells: Cell[]): ColumnCells[] {
  const models = [...new Set(cells.map((c) => c[1]))];
  return models.map((model) => {
    const mine = cells.filter((c) => c[1] === model);
    return {
      model,
      rows: Uint32Array.from(mine.map((c) => c[0])),
      raw: Float64Array.from(mine.map((c) => c[2] ?? NaN)),
      normalized: Float64Array.from(mine.map((c) => c[3] ?? NaN)),
      errors: mine.filter((c) => c[4] !== null).map((c): [number, string] => [c[0], c[4]!]),
    };
  });
}

/** Applies the cells to the table; returns how many were ignored. */
export function applyAll(t: RowTable, cells: Cell[]): number {
  return columnsOf(cells).reduce((n, c) => n + t.applyCells(c), 0);
}
