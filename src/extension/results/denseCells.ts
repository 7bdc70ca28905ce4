/** Cells as the `data` message carries them: a column whose rows are one run of rows goes without its row numbers. */
import type { ColumnCells, DenseCells } from '../../protocol/results';

export function packCells(all: readonly ColumnCells[]): { cells: ColumnCells[]; dense: DenseCells[] } {
  const cells: ColumnCells[] = [];
  const dense: DenseCells[] = [];
  for (const c of all) {
    const n = c.rows.length;
    const first = n ? c.rows[0] : 0;
    let run = n > 1;
    for (let i = 1; i < n && run; i++) run = c.rows[i] === first + i;
    if (run) dense.push({ model: c.model, first, raw: c.raw, normalized: c.normalized, errors: c.errors });
    else cells.push(c);
  }
  return { cells, dense };
}
