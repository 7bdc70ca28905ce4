// The preview of the selected row (webview/results/preview.ts): its thumbnail and the heatmap of the panel's
// model column, or the reason there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewContent } from '../../../src/webview/results/preview';
import { PanelState } from '../../../src/webview/results/state';
import { columnsOf } from './cells';

const models = [
  { key: 'map@1', id: 'map', name: 'Map model', version: '1', hasMap: true },
  { key: 'score@1', id: 'score', name: 'Score model', version: '1', hasMap: false },
];

function panel(): PanelState {
  const s = new PanelState();
  s.init({
    source: { root: '/d', models: models.map((m) => m.key) },
    title: 'd',
    models,
    reset: true,
    thumbnails: true,
  });
  s.addData(
    { first: 0, paths: ['a.png', 'b.png', 'c.png', 'd.png'], labels: [-1, -1, -1, -1] },
    columnsOf([
      [0, 0, 1, 0.7, null],
      [1, 0, null, null, 'Not an image.'],
      [2, 0, 2, 0.4, null],
      [0, 1, 3, 0.2, null],
    ]),
  );
  s.setThumbnails(
    [
      { row: 0, src: 't0' },
      { row: 2, src: 't2' },
    ],
    [{ row: 0, model: 0, src: 'h0' }],
  );
  return s;
}

test('the selected row shows its thumbnail and the model column heatmap; each missing heatmap says why', () => {
  const s = panel();
  assert.match(previewContent(s).message ?? '', /Select an image/);
  s.select(0, 'replace');
  assert.deepEqual(previewContent(s), { row: 0, model: 0, path: 'a.png', thumb: 't0', heat: 'h0' });
  // The same image under the score-only model: the thumbnail, and why there is no map.
  s.setQuery({ model: 1 });
  const scoreOnly = previewContent(s);
  assert.equal(scoreOnly.thumb, 't0');
  assert.equal(scoreOnly.heat, undefined);
  assert.match(scoreOnly.message ?? '', /Score model gives a score only/);
  s.setQuery({ model: 0 });
  s.select(1, 'replace');
  assert.match(previewContent(s).message ?? '', /could not score this image \(Not an image\.\)/);
  s.select(2, 'replace');
  assert.match(previewContent(s).message ?? '', /No heatmap of Map model is stored/);
  s.select(3, 'replace');
  assert.match(previewContent(s).message ?? '', /has not scored this image/);
});
