import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimumOf } from '../../../src/webview/results/layout';
import { runAction, type ViewHooks } from '../../../src/webview/results/messages';
import { PanelState, readPersisted } from '../../../src/webview/results/state';

const two = [
  { key: 'a@1', id: 'a', name: 'A', version: '1' },
  { key: 'b@1', id: 'b', name: 'B', version: '1' },
  { key: 'c@1', id: 'c', name: 'C', version: '1' },
];

function state(models = two): PanelState {
  const s = new PanelState();
  s.init({
    source: { root: '/d', models: models.map((m) => m.key) },
    title: 'd',
    models,
    reset: true,
    thumbnails: false,
  });
  return s;
}

const hooks = (clicked: number[]): ViewHooks => ({
  rendered: () => 0,
  dragThreshold: () => undefined,
  open: () => undefined,
  reveal: () => undefined,
  clickPoint: (row) => void clicked.push(row),
});

test('layout and compared pair change through the state, bad values change nothing', () => {
  const s = state();
  const changes: string[] = [];
  s.on((c) => changes.push(c));
  runAction(s, { action: 'layout', layout: 'compare' }, hooks([]));
  assert.equal(s.layout, 'compare');
  runAction(s, { action: 'compareModels', a: 2, b: 0 }, hooks([]));
  assert.deepEqual(s.comparePair, [2, 0]);
  for (const [a, b] of [
    [1, 1],
    [0, 3],
    [-1, 0],
    [0.5, 1],
  ])
    s.setComparePair(a, b);
  assert.deepEqual(s.comparePair, [2, 0]);
  s.setLayout('bogus' as never);
  assert.equal(s.layout, 'compare');
  assert.deepEqual(changes, ['layout', 'layout']);
  const clicked: number[] = [];
  runAction(s, { action: 'clickPoint', row: 4 }, hooks(clicked));
  assert.deepEqual(clicked, [4]);
});

test('one model: no comparison; a saved comparison layout falls back to the table', () => {
  const one = state(two.slice(0, 1));
  one.setLayout('compare');
  assert.equal(one.layout, 'table');
  const s = state();
  s.setLayout('compare');
  const saved = readPersisted(JSON.parse(JSON.stringify(s.persisted())));
  assert.equal(saved?.layout, 'compare');
  const again = new PanelState(saved);
  again.init({
    source: { root: '/d', models: ['a@1'] },
    title: 'd',
    models: two.slice(0, 1),
    reset: true,
    thumbnails: false,
  });
  assert.equal(again.layout, 'table');
  assert.equal(readPersisted({ ...saved, layout: 'sideways' })?.layout, undefined);
});

test('heatmaps are kept by model column; unknown columns are ignored; a reset drops them', () => {
  const s = state();
  s.setLayout('grid');
  assert.equal(s.layout, 'grid');
  s.setThumbnails(
    [{ row: 0, src: 't0' }],
    [
      { row: 0, model: 1, src: 'h01' },
      { row: 2, model: 0, src: 'h20' },
      { row: 1, model: 7, src: 'bad' },
    ],
  );
  assert.equal(s.thumbnails.get(0), 't0');
  assert.equal(s.heatmaps[1].get(0), 'h01');
  assert.equal(s.heatmaps[0].get(2), 'h20');
  assert.equal(s.heatmaps.length, 2);
  s.init({
    source: { root: '/d', models: two.map((m) => m.key) },
    title: 'd',
    models: two,
    reset: true,
    thumbnails: true,
  });
  assert.deepEqual(s.heatmaps, []);
});

test("the palette's Export and Threshold from Labels press the label bar's buttons", () => {
  const s = state();
  const pressed: string[] = [];
  const h: ViewHooks = {
    ...hooks([]),
    exportRows: () => void pressed.push('export'),
    recalibrate: () => void pressed.push('recalibrate'),
  };
  runAction(s, { action: 'export' }, h);
  runAction(s, { action: 'recalibrate' }, h);
  assert.deepEqual(pressed, ['export', 'recalibrate']);
});

test("column widths: a track's least width in pixels; resized widths saved and read back checked", () => {
  assert.equal(minimumOf('minmax(17em, 3fr)', 13), 221);
  assert.equal(minimumOf('40px', 13), 40);
  assert.equal(minimumOf('5.5em', 10), 55);
  assert.equal(minimumOf('auto', 13), 0);
  const saved = readPersisted({
    v: 1,
    query: {},
    thresholds: [],
    scrollTop: 0,
    columnWidths: { path: 420, raw0: 'wide', norm0: 2, quality: 90 },
  });
  assert.deepEqual(saved?.columnWidths, { path: 420, quality: 90 });
  const s = new PanelState(saved);
  assert.deepEqual(s.persisted().columnWidths, { path: 420, quality: 90 });
});
