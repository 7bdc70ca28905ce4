import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelsCsv } from '../../../src/core/dataset/labels';
import { normalizeWith } from '../../../src/core/scoring/calibration';
import { resultsHtml } from '../../../src/extension/results/html';
import { progressMessage } from '../../../src/extension/results/progressText';
import { columnsOfRows, driftScores, rowsOfColumns } from '../../../src/extension/results/panelColumns';
import { RowIndex } from '../../../src/extension/results/rowIndex';

const models = [
  { key: 'a@1', id: 'a', name: 'A', version: '1' },
  { key: 'b@2', id: 'b', name: 'B', version: '2' },
];
const cal = [
  { threshold: 1, span: 2 },
  { threshold: 10, span: 5 },
];

test('rows numbered in first-seen order; cells queued, flushed once, replayed in full', () => {
  const ix = new RowIndex(models, cal);
  ix.plan(['NORMAL/x.png', 'PNEUMONIA/y.png']);
  ix.add([
    { path: 'PNEUMONIA/y.png', modelId: 'a', modelVersion: '1', score: { raw: 3 } },
    { path: 'z.png', modelId: 'b', modelVersion: '2', error: { code: 'CORRUPT', message: 'Not an image.' } },
    // Another version of a model is not a column of this panel.
    { path: 'NORMAL/x.png', modelId: 'a', modelVersion: '0.9', score: { raw: 1 } },
  ]);
  const f = ix.flush();
  assert.deepEqual(f.rows, { first: 0, paths: ['NORMAL/x.png', 'PNEUMONIA/y.png', 'z.png'], labels: [0, 1, -1] });
  assert.deepEqual(f.cells, [
    {
      model: 0,
      rows: Uint32Array.of(1),
      raw: Float64Array.of(3),
      normalized: Float64Array.of(normalizeWith(3, 1, 2)),
      errors: [],
    },
    {
      model: 1,
      rows: Uint32Array.of(2),
      raw: Float64Array.of(NaN),
      normalized: Float64Array.of(NaN),
      errors: [[2, 'Not an image.']],
    },
  ]);
  assert.deepEqual(ix.flush(), { cells: [] });
  ix.add([{ path: 'PNEUMONIA/y.png', modelId: 'a', modelVersion: '1', score: { raw: 4 } }]);
  const later = ix.flush().cells;
  assert.equal(later.length, 1);
  assert.deepEqual([...later[0].rows], [1]);
  assert.deepEqual([...later[0].raw], [4]);
  assert.deepEqual(ix.cell(1, 0), [1, 0, 4, normalizeWith(4, 1, 2), null]);
  assert.deepEqual(ix.cell(2, 1), [2, 1, null, null, 'Not an image.']);
  assert.equal(ix.cell(0, 0), undefined, 'a planned row has no cell');
  const again = ix.replayAll();
  assert.equal(again.rows?.paths.length, 3);
  assert.deepEqual(
    again.cells.map((c) => [c.model, [...c.rows]]),
    [
      [0, [1]],
      [1, [2]],
    ],
    'the latest cell per row and column',
  );
  assert.deepEqual(ix.scored(0), { scores: [4], labels: [1] });
});

test('100,000 stored rows: indexed and flushed as one column each, labels by folder', () => {
  const ix = new RowIndex(models, cal);
  const rows = Array.from({ length: 100_000 }, (_, i) => ({
    path: `${i % 3 ? 'NORMAL' : 'PNEUMONIA'}/p${i % 500}/f${i}.png`,
    modelId: 'a',
    modelVersion: '1',
    score: { raw: i / 1000 },
  }));
  ix.add(rows);
  const f = ix.flush();
  assert.equal(f.rows?.paths.length, 100_000);
  assert.equal(f.cells.length, 1);
  assert.equal(f.cells[0].rows.length, 100_000);
  assert.equal(f.cells[0].raw[99_999], 99.999);
  assert.equal(f.rows?.labels[0], 1);
  assert.equal(f.rows?.labels[1], 0);
  assert.equal(ix.scored(0).scores.length, 100_000);
});

test("a store's columns: numbered without the path map until a look-up, then a run's rows replace their cells", () => {
  const rows = [
    { path: 'NORMAL/x.png', modelId: 'a', modelVersion: '1', score: { raw: 3 }, hash: 'h0' },
    { path: 'PNEUMONIA/y.png', modelId: 'a', modelVersion: '1', error: { code: 'X', message: 'bad' }, hash: '' },
    { path: 'z.png', modelId: 'a', modelVersion: '1', score: { raw: 5 }, hash: 'h2' },
  ];
  const store = { ...columnsOfRows(rows), uniquePerModel: true };
  let hashReads = 0;
  const counted = { ...store, hash: (k: number) => (hashReads++, store.hash(k)) };
  const ix = new RowIndex(models, cal);
  assert.deepEqual([...ix.add(counted)], [0, 1, 2]);
  assert.equal(hashReads, 0, 'hashes are read when asked for');
  assert.equal(ix.rowOf('z.png'), 2);
  assert.deepEqual(ix.cell(1, 0), [1, 0, null, null, 'bad']);
  // A run re-scores y.png and adds w.png: y keeps its row.
  assert.deepEqual(
    [
      ...ix.add([
        { path: 'PNEUMONIA/y.png', modelId: 'a', modelVersion: '1', score: { raw: 1 }, hash: 'h1' },
        { path: 'w.png', modelId: 'a', modelVersion: '1', score: { raw: 2 } },
      ]),
    ],
    [1, 3],
  );
  assert.deepEqual(ix.cell(1, 0), [1, 0, 1, normalizeWith(1, 1, 2), null]);
  assert.deepEqual(ix.hashes, ['h0', 'h1', 'h2']);
  assert.deepEqual(ix.labels, [0, 1, -1, -1]);
  const f = ix.flush();
  assert.deepEqual(f.rows?.paths, ['NORMAL/x.png', 'PNEUMONIA/y.png', 'z.png', 'w.png']);
  assert.deepEqual([...f.cells[0].rows], [0, 1, 2, 3]);
  assert.deepEqual(rowsOfColumns(store), [
    { path: 'NORMAL/x.png', modelId: 'a', modelVersion: '1', score: { raw: 3 } },
    { path: 'PNEUMONIA/y.png', modelId: 'a', modelVersion: '1', error: { code: 'X', message: 'bad' } },
    { path: 'z.png', modelId: 'a', modelVersion: '1', score: { raw: 5 } },
  ]);
});

test("the drift's scores from columns: every finite score, the labelled normals' apart", () => {
  const cols = columnsOfRows([
    { path: 'NORMAL/x.png', modelId: 'a', modelVersion: '1', score: { raw: 3 } },
    { path: 'NORMAL/bad.png', modelId: 'a', modelVersion: '1', error: { code: 'X', message: 'bad' } },
    { path: 'y.png', modelId: 'a', modelVersion: '1', score: { raw: -1 } },
    { path: 'z.png', modelId: 'a', modelVersion: '1', score: { raw: 5 } },
  ]);
  const d = driftScores(cols, new Set(['y.png', 'NORMAL/bad.png', 'elsewhere.png']));
  assert.deepEqual([...d.all], [3, -1, 5]);
  assert.deepEqual(d.normals, [-1]);
  assert.deepEqual(driftScores(cols, new Set()).normals, []);
});

test('a labels CSV replaces the folder labels', () => {
  const ix = new RowIndex(models, cal);
  ix.plan(['NORMAL/x.png', 'other/q.png']);
  assert.equal(ix.relabel(parseLabelsCsv('path,label\nother/q.png,1\n')), true);
  assert.deepEqual(ix.labels, [-1, 1]);
});

test('html: strict CSP with the nonce; hostile values refused or escaped', () => {
  const html = resultsHtml({
    cspSource: 'vscode-resource:',
    nonce: 'abcdefgh12',
    script: 'x()',
    style: 'a{}',
    title: '<b>',
  });
  assert.match(html, /default-src &#39;none&#39;/);
  assert.match(html, /script-src &#39;nonce-abcdefgh12&#39;/);
  assert.ok(!html.includes('<b>'));
  assert.throws(() =>
    resultsHtml({
      cspSource: "x; script-src 'unsafe-inline'",
      nonce: 'abcdefgh12',
      script: '',
      style: '',
      title: '',
    }),
  );
  assert.throws(() => resultsHtml({ cspSource: 'x', nonce: 'short', script: '', style: '', title: '' }));
});

test('progress line: count, rate, time left, failures, skipped', () => {
  assert.equal(
    progressMessage({ done: 120, saved: 100, total: 1624, skipped: 3000, failed: 2, imagesPerS: 41.23, etaS: 95 }),
    '120 of 1,624 · 41.2 images/s · about 1 min 35 s left · 2 unreadable · 3,000 unchanged',
  );
  assert.equal(progressMessage({ done: 0, saved: 0, total: 5, skipped: 0, failed: 0 }), '0 of 5');
});
