// Cells and paths as the `data` message carries them: a column whose rows are one run goes without its row
// numbers (DenseCells) and comes back the same; paths of few folders use 16-bit folder numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packCells } from '../../../src/extension/results/denseCells';
import { encodePaths } from '../../../src/extension/results/pathColumn';
import type { ColumnCells } from '../../../src/protocol/results';
import { unpackDense } from '../../../src/webview/results/denseCells';
import { decodePaths } from '../../../src/webview/results/pathColumn';

const column = (model: number, rows: number[]): ColumnCells => ({
  model,
  rows: Uint32Array.from(rows),
  raw: Float64Array.from(rows, (r) => (r % 5 === 0 ? NaN : r / 3)),
  normalized: Float64Array.from(rows, (r) => (r % 5 === 0 ? NaN : r / 30)),
  errors: rows.filter((r) => r % 5 === 0).map((r): [number, string] => [r, `bad ${r}`]),
});

test('cells packed for the channel come back as they were; only runs of rows lose their numbers', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc
            .record({ first: fc.nat(1000), n: fc.integer({ min: 0, max: 40 }) })
            .map(({ first, n }) => Array.from({ length: n }, (_, i) => first + i)),
          fc.uniqueArray(fc.nat(200), { maxLength: 30 }),
        ),
        { maxLength: 4 },
      ),
      (runs) => {
        const cells = runs.map((rows, model) => column(model, rows));
        const packed = packCells(cells);
        const back = [...packed.cells, ...packed.dense.map(unpackDense)].sort((a, b) => a.model - b.model);
        assert.deepEqual(back, cells);
        for (const d of packed.dense) assert.ok(d.raw.length > 1 && !('rows' in d));
        for (const c of packed.cells) assert.ok(!c.rows.every((r, i) => r === c.rows[0] + i) || c.rows.length < 2);
      },
    ),
  );
});

test('paths of up to 65,536 folders use 16-bit folder numbers, more use 32-bit; both decode the same', () => {
  const few = ['NORMAL/a.png', 'PNEUMONIA/b.png', 'c.png'];
  const f = encodePaths(few);
  assert.ok(f.folderOf instanceof Uint16Array);
  assert.deepEqual(decodePaths(f), few);
  const many = Array.from({ length: 70_000 }, (_, i) => `d${i}/x.png`);
  const m = encodePaths(many);
  assert.ok(m.folderOf instanceof Uint32Array);
  assert.deepEqual(decodePaths(m), many);
});
