import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMNS, columnsFor } from '../../../src/webview/results/columns/registry';
import { SORTS } from '../../../src/webview/results/query';
import { PanelState } from '../../../src/webview/results/state';

const source = { root: '/data/cxr', models: ['a@1', 'b@2'] };
const models = [
  { key: 'a@1', id: 'a', name: 'A', version: '1' },
  { key: 'b@2', id: 'b', name: 'B', version: '2' },
];

test('column registry: the columns follow the panel state, one entry per kind', () => {
  const s = new PanelState();
  s.init({
    source: { ...source, models: ['a@1'] },
    title: 'cxr',
    models: models.slice(0, 1),
    reset: true,
    thumbnails: false,
  });
  assert.deepEqual(
    columnsFor(s).map((c) => c.id),
    ['path', 'raw0', 'norm0', 'flag', 'error'],
  );
  s.init({ source, title: 'cxr', models, reset: true, thumbnails: true });
  s.addData({ first: 0, paths: ['NORMAL/a.png'], labels: [0] });
  s.setMarks({ set: { name: 'mine', file: '.xray-anomaly/labels/mine.csv', canUndo: false }, reset: true, items: [] });
  const cols = columnsFor(s);
  assert.deepEqual(
    cols.map((c) => c.id),
    ['thumb', 'path', 'label', 'raw0', 'norm0', 'raw1', 'norm1', 'flag', 'mark', 'error'],
  );
  assert.equal(new Set(COLUMNS.map((e) => e.id)).size, COLUMNS.length, 'entry ids are unique');
  assert.deepEqual(
    cols.filter((c) => c.model !== undefined).map((c) => [c.id, c.model]),
    [
      ['raw0', 0],
      ['norm0', 0],
      ['raw1', 1],
      ['norm1', 1],
    ],
  );
  // Every sortable column sorts by a key the query knows; paths and messages are data (not translated).
  for (const c of cols) if (c.sort) assert.ok(c.sort === 'path' || c.sort in SORTS, c.id);
  assert.deepEqual(
    cols.filter((c) => c.data).map((c) => c.id),
    ['path', 'error'],
  );
});
