import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RowLabel } from '../../../src/protocol/results';
import { applyAll, type Cell } from './cells';
import { RowTable } from '../../../src/webview/results/rows';
import { DEFAULT_QUERY, flaggedCount, PathRanks, runQuery, sanitizeQuery } from '../../../src/webview/results/query';

/** A table of `paths`, model 0 scored with `raw` (normalised = raw here, already in [0, 1]); null: pending. */
function table(paths: string[], raw: (number | null)[], errors: Record<number, string> = {}, labels?: RowLabel[]) {
  const t = new RowTable(1);
  t.addRows(0, paths, labels ?? paths.map(() => -1));
  const cells: Cell[] = paths.map((_, i) => [i, 0, raw[i], raw[i], errors[i] ?? null]);
  applyAll(t, cells);
  return t;
}

const pathsOf = (t: RowTable, rows: Uint32Array) => [...rows].map((r) => t.paths[r]);

test('default order: highest score first, pending rows last, ties by path', () => {
  const t = table(['b.png', 'a.png', 'c.png', 'd.png'], [0.5, 0.5, null, 0.9]);
  assert.deepEqual(pathsOf(t, runQuery(t, DEFAULT_QUERY, [0.5])), ['d.png', 'a.png', 'b.png', 'c.png']);
  // Ascending still keeps the pending row last.
  const asc = runQuery(t, { ...DEFAULT_QUERY, sort: { key: 'raw', descending: false } }, [0.5]);
  assert.deepEqual(pathsOf(t, asc), ['a.png', 'b.png', 'd.png', 'c.png']);
});

test('path sort, text, folder, flag and range filters', () => {
  const t = table(
    ['NORMAL/n1.png', 'NORMAL/n2.png', 'PNEUMONIA/p1.png', 'PNEUMONIA/sub/p2.png', 'broken.png'],
    [0.2, 0.6, 0.8, 0.4, null],
    { 4: 'CORRUPT: not an image' },
  );
  const q = (patch: Partial<typeof DEFAULT_QUERY>, th = 0.5) =>
    pathsOf(t, runQuery(t, { ...DEFAULT_QUERY, ...patch }, [th]));
  assert.deepEqual(q({ sort: { key: 'path', descending: false } }), [
    'NORMAL/n1.png',
    'NORMAL/n2.png',
    'PNEUMONIA/p1.png',
    'PNEUMONIA/sub/p2.png',
    'broken.png',
  ]);
  assert.deepEqual(q({ text: 'pneu' }), ['PNEUMONIA/p1.png', 'PNEUMONIA/sub/p2.png']);
  // A folder takes its subfolders, not folders that merely start with the same letters.
  assert.deepEqual(q({ folder: 'PNEUMONIA' }), ['PNEUMONIA/p1.png', 'PNEUMONIA/sub/p2.png']);
  assert.deepEqual(q({ folder: 'PNEU' }), []);
  assert.deepEqual(q({ flag: 'flagged' }), ['PNEUMONIA/p1.png', 'NORMAL/n2.png']);
  assert.deepEqual(q({ flag: 'flagged' }, 0.7), ['PNEUMONIA/p1.png']);
  assert.deepEqual(q({ flag: 'unflagged' }), ['PNEUMONIA/sub/p2.png', 'NORMAL/n1.png']);
  assert.deepEqual(q({ flag: 'errors' }), ['broken.png']);
  assert.deepEqual(q({ min: 0.3, max: 0.7 }), ['NORMAL/n2.png', 'PNEUMONIA/sub/p2.png']);
  assert.deepEqual(q({ sort: { key: 'error', descending: true } })[0], 'broken.png');
  assert.equal(flaggedCount(t, 0, 0.5), 2);
  assert.equal(flaggedCount(t, 0, 0.1), 4);
});

test('sanitizeQuery keeps what is valid and drops the rest', () => {
  assert.deepEqual(sanitizeQuery({ model: 7, sort: { key: 'nope', descending: 'x' }, flag: 'flagged', min: NaN }, 2), {
    ...DEFAULT_QUERY,
    flag: 'flagged',
    min: undefined,
    max: undefined,
  });
  assert.equal(sanitizeQuery({ model: 1 }, 2).model, 1);
  assert.deepEqual(sanitizeQuery('garbage', 1), { ...DEFAULT_QUERY, min: undefined, max: undefined });
});

test('rows arrive in chunks; replayed chunks and stray cells change nothing', () => {
  const t = new RowTable(2);
  t.addRows(0, ['a', 'b'], [0, 1]);
  t.addRows(0, ['a', 'b'], [0, 1]);
  t.addRows(2, ['c'], [-1]);
  assert.equal(t.size, 3);
  assert.throws(() => t.addRows(5, ['x'], [-1]), /out of order/);
  assert.equal(
    applyAll(t, [
      [9, 0, 1, 1, null],
      [0, 5, 1, 1, null],
      [1, 1, 2, 0.7, null],
    ]),
    2,
  );
  assert.equal(t.raw[1][1], 2);
  // A later successful score clears an earlier error of the same cell.
  applyAll(t, [[0, 0, null, null, 'CORRUPT']]);
  assert.equal(t.errorCount(), 1);
  applyAll(t, [[0, 0, 3, 0.8, null]]);
  assert.equal(t.errorCount(), 0);
  // Growing past the first capacity keeps earlier values.
  t.addRows(
    3,
    Array.from({ length: 3000 }, (_, i) => `r${i}`),
    [],
  );
  assert.equal(t.raw[1][1], 2);
  assert.equal(t.labels[1], 1);
  assert.equal(t.labels[3000], -1);
});

test('property: a query returns exactly the rows its filters accept, sorted by score with pending rows last', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-c]{1,3}(\/[a-c]{1,2})?$/),
          v: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        }),
        {
          maxLength: 60,
        },
      ),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom('all', 'flagged', 'unflagged'),
      fc.boolean(),
      (items, threshold, flag, descending) => {
        const paths = items.map((it, i) => `${it.name}/${i}.png`);
        const t = table(
          paths,
          items.map((it) => it.v),
        );
        const rows = runQuery(
          t,
          { ...DEFAULT_QUERY, flag, sort: { key: 'raw', descending } },
          [threshold],
          new PathRanks(),
        );
        const expected = items
          .map((it, i) => ({ i, v: it.v }))
          .filter(({ v }) =>
            flag === 'all' ? true : flag === 'flagged' ? v !== null && v >= threshold : v !== null && v < threshold,
          );
        assert.equal(rows.length, expected.length);
        assert.deepEqual(new Set(rows), new Set(expected.map((e) => e.i)));
        let seenPending = false;
        for (let k = 0; k < rows.length; k++) {
          const v = t.raw[0][rows[k]];
          if (Number.isNaN(v)) seenPending = true;
          else {
            assert.ok(!seenPending, 'a scored row after a pending one');
            if (k > 0 && !Number.isNaN(t.raw[0][rows[k - 1]]))
              assert.ok(descending ? t.raw[0][rows[k - 1]] >= v : t.raw[0][rows[k - 1]] <= v);
          }
        }
      },
    ),
  );
});
