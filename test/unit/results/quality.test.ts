// The results panel's quality column, pure: verdicts by row, the quality filter, and the sort that keeps
// each duplicate group together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QualityCell } from '../../../src/protocol/results';
import { QUALITY_FLAG_NAMES, QualityTable } from '../../../src/webview/results/quality';
import { RowTable } from '../../../src/webview/results/rows';
import { applyAll, type Cell } from './cells';
import { DEFAULT_QUERY, runQuery, sanitizeQuery } from '../../../src/webview/results/query';
import { PanelState } from '../../../src/webview/results/state';
import { columnsOf } from './cells';

const bits = (...names: (typeof QUALITY_FLAG_NAMES)[number][]) =>
  names.reduce((b, n) => b | (1 << QUALITY_FLAG_NAMES.indexOf(n)), 0);

function table(): RowTable {
  const t = new RowTable(1);
  t.addRows(0, ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png'], [-1, -1, -1, -1, -1, -1]);
  applyAll(
    t,
    [0, 1, 2, 3, 4, 5].map((r): Cell => [r, 0, r, r / 10, null]),
  );
  const cells: QualityCell[] = [
    [0, 0, -1, 120, 3, 230, 7.5, 60, 224, 224],
    [1, bits('nearDuplicate'), 1, 121, 3, 230, 7.4, 61, 224, 224],
    [2, bits('dark', 'blurry'), -1, 12.5, 0, 40, 3.1, 2.25, 224, 224],
    [3, bits('exactDuplicate', 'nearDuplicate'), 1, 122, 3, 230, 7.4, 62, 224, 224],
    [4, bits('unreadable'), -1, null, null, null, null, null, null, null],
    [5, bits('oddSize'), -1, 120, 3, 230, 7.5, 60, 2000, 2000],
  ];
  t.quality.apply(cells);
  return t;
}

test('verdicts by row: flags, groups, texts with values, counts', () => {
  const q = table().quality;
  assert.deepEqual(q.flagsOf(2), ['dark', 'blurry']);
  assert.equal(q.describe(2), 'Too dark (99% below 40, mean 12.5) · Blurry (sharpness 2.3)');
  assert.equal(q.describe(1), 'Near duplicate (2 files)');
  assert.equal(q.describe(5), 'Odd size (2000 × 2000)');
  assert.equal(q.describe(0), '');
  assert.equal(q.groupOf(3), 1);
  assert.equal(q.groupOf(0), undefined);
  assert.equal(q.counts().nearDuplicate, 2);
  assert.equal(q.counts().unreadable, 1);
  // A row the host has not judged (yet) has no flags and passes only 'all'.
  assert.deepEqual(q.flagsOf(99), []);
  assert.equal(q.passes(99, 'none'), false);
  assert.equal(q.passes(99, 'all'), true);
  assert.equal(new QualityTable().known, false);
});

test('the quality filter lets through the rows with that flag; sorting by quality keeps groups together', () => {
  const t = table();
  const rows = (quality: string, key = 'raw' as const) =>
    [...runQuery(t, sanitizeQuery({ ...DEFAULT_QUERY, quality, sort: { key, descending: true } }, 1), [0.5])].map(
      (r) => t.paths[r],
    );
  assert.deepEqual(rows('duplicates'), ['d.png', 'b.png']);
  assert.deepEqual(rows('dark'), ['c.png']);
  assert.deepEqual(rows('any'), ['f.png', 'e.png', 'd.png', 'c.png', 'b.png']);
  assert.deepEqual(rows('none'), ['a.png']);
  assert.deepEqual(rows('all').length, 6);
  // An unknown filter reads as 'all' (saved state from another version).
  assert.equal(sanitizeQuery({ quality: 'sideways' }, 1).quality, undefined);
  const sorted = [...runQuery(t, sanitizeQuery({ sort: { key: 'quality', descending: false } }, 1), [0.5])].map(
    (r) => t.paths[r],
  );
  // The group (b, d) first and together; then rows with more flags; unflagged last.
  assert.deepEqual(sorted, ['b.png', 'd.png', 'c.png', 'e.png', 'f.png', 'a.png']);
});

test("more like this: the host's rows replace the query's, in its order; any query change goes back", () => {
  const s = new PanelState();
  s.init({
    source: { root: '/d', models: ['m@1'] },
    title: 'd',
    models: [{ key: 'm@1', id: 'm', name: 'M', version: '1' }],
    reset: true,
    thumbnails: false,
  });
  s.addData({ first: 0, paths: ['a', 'b', 'c', 'd'], labels: [-1, -1, -1, -1] }, columnsOf([[0, 0, 1, 0.1, null]]));
  s.setSimilar({ anchor: 2, model: 0, rows: [2, 0, 3], similarity: [1, 0.9, 0.5] });
  assert.deepEqual([...s.view], [2, 0, 3]);
  // A message instead of rows (no features stored): the table stays as it was.
  s.setSimilar({ anchor: 2, model: 0, rows: [], similarity: [], message: 'none' });
  assert.equal(s.view.length, 4);
  s.setSimilar({ anchor: 2, model: 0, rows: [1], similarity: [1] });
  assert.deepEqual([...s.view], [1]);
  s.setQuery({ text: '' });
  assert.equal(s.similar, undefined);
  assert.equal(s.view.length, 4);
});
