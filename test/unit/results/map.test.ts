// The embedding map's webview parts without a DOM: colouring by score, label or ground truth, the map
// message's checks, the lasso's selection shown alone in the table, the layout and colour switches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourPoints, NO_VALUE, SCORE_RAMP } from '../../../src/webview/results/mapColours';
import { resultsChecks, runAction, showSelection, type ViewHooks } from '../../../src/webview/results/messages';
import { PanelState } from '../../../src/webview/results/state';

const colours = { normal: '#0f0', anomalous: '#f00', unsure: '#fa0' };

test('points coloured by score (ramp, no score underneath), label or ground truth, with their legend', () => {
  const rows = [0, 1, 2, 3];
  const scores = [0, 0.49, 0.999, NaN];
  const marks = ['normal', undefined, 'abnormal', 'unsure'] as const;
  const base = { rows, scores, mark: (r: number) => marks[r], truth: [0, 1, -1, 1], colours };
  const s = colourPoints({ ...base, by: 'score' });
  assert.deepEqual(
    [...s.colour].map((c) => s.palette[c]),
    [SCORE_RAMP[0], SCORE_RAMP[4], SCORE_RAMP[8], NO_VALUE],
  );
  assert.ok(s.gradient?.startsWith('linear-gradient'));
  const l = colourPoints({ ...base, by: 'label' });
  assert.deepEqual(
    [...l.colour].map((c) => l.palette[c]),
    ['#0f0', NO_VALUE, '#f00', '#fa0'],
  );
  assert.deepEqual(
    l.legend.map((e) => e.text),
    ['not labelled', 'normal', 'unsure', 'abnormal'],
  );
  const t = colourPoints({ ...base, by: 'truth' });
  assert.deepEqual(
    [...t.colour].map((c) => t.palette[c]),
    ['#0f0', '#f00', NO_VALUE, '#f00'],
  );
});

function state(): PanelState {
  const s = new PanelState();
  const models = [{ key: 'a@1', id: 'a', name: 'A', version: '1' }];
  s.init({ source: { root: '/d', models: ['a@1'] }, title: 'd', models, reset: true, thumbnails: false });
  s.addData({ first: 0, paths: ['a.png', 'b.png', 'c.png', 'd.png'], labels: [0, 1, 0, 1] });
  return s;
}

const hooks: ViewHooks = {
  rendered: () => 0,
  dragThreshold: () => undefined,
  open: () => undefined,
  reveal: () => undefined,
};

test('map messages are checked; a ready map needs rows, x and y of one length', () => {
  const ok = { model: 0, status: 'ready', rows: new Uint32Array(2), x: new Float32Array(2), y: new Float32Array(2) };
  assert.equal(resultsChecks.map!(ok), undefined);
  assert.match(String(resultsChecks.map!({ ...ok, y: new Float32Array(1) })), /malformed/);
  assert.equal(resultsChecks.map!({ model: 0, status: 'computing' }), undefined);
  assert.match(String(resultsChecks.map!({ status: 'ready' })), /model column/);
});

test("the map's layout and colouring go through the state; Show in Table shows the selection alone", () => {
  const s = state();
  runAction(s, { action: 'layout', layout: 'map' }, hooks);
  assert.equal(s.layout, 'map');
  runAction(s, { action: 'mapColour', by: 'label' }, hooks);
  assert.equal(s.mapColour, 'label');
  runAction(s, { action: 'mapColour', by: 'nonsense' as 'label' }, hooks);
  assert.equal(s.mapColour, 'label');
  showSelection(s);
  assert.equal(s.similar, undefined, 'nothing selected: nothing to show');
  s.selectRows([3, 1]);
  runAction(s, { action: 'showSelection' }, hooks);
  assert.equal(s.layout, 'table');
  assert.deepEqual([...s.view].sort(), [1, 3]);
  assert.equal((s as { similar?: { fromMap?: boolean } }).similar?.fromMap, true);
  runAction(s, { action: 'clearSimilar' }, hooks);
  assert.equal(s.view.length, 4);
  const lassos: [number, number][][] = [];
  runAction(
    s,
    {
      action: 'lasso',
      points: [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
    },
    { ...hooks, lasso: (p) => void lassos.push(p) },
  );
  assert.equal(lassos.length, 1);
});
