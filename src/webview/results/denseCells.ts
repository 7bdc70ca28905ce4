/** A `data` message's dense cells (DenseCells: one run of rows) as ColumnCells, the form the table applies. */
import type { ColumnCells, DenseCells } from '../../protocol/results';

export function unpackDense(d: DenseCells): ColumnCells {
  const rows = new Uint32Array(d.raw.length);
  for (let i = 0; i < rows.length; i++) rows[i] = d.first + i;
  return { model: d.model, rows, raw: d.raw, normalized: d.normalized, errors: d.errors };
}
