import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleMessage, type ViewHooks } from '../../../src/webview/results/handler';
import { histogram, operatingPoint, thresholdAt, grabsLine } from '../../../src/webview/results/histogram';
import { PanelState, readPersisted } from '../../../src/webview/results/state';
import type { ResultsReport } from '../../../src/protocol/results';

const source = { root: '/data/cxr', models: ['m@1'] };
const models = [{ key: 'm@1', id: 'm', name: 'Model', version: '1' }];

function loaded(): PanelState {
  const s = new PanelState();
  s.init({ source, title: 'cxr', models, reset: true, thumbnails: false });
  s.addRows(0, ['NORMAL/a.png', 'NORMAL/b.png', 'PNEUMONIA/c.png', 'PNEUMONIA/d.png'], [0, 0, 1, 1]);
  s.applyCells([
    [0, 0, 1, 0.1, null],
    [1, 0, 6, 0.6, null],
    [2, 0, 7, 0.7, null],
    [3, 0, 9, 0.9, null],
  ]);
  return s;
}

function hooks(): ViewHooks & { dragged: [number, number][]; opened: number[] } {
  const h = {
    dragged: [] as [number, number][],
    opened: [] as number[],
    rendered: () => 0,
    dragThreshold: (a: number, b: number) => void h.dragged.push([a, b]),
    open: (row: number) => void h.opened.push(row),
    reveal: () => undefined,
  };
  return h;
}

test('histogram bins, labelled split, operating point', () => {
  const s = loaded();
  const h = histogram(s.table, 0, 10);
  assert.equal(h.total, 4);
  assert.deepEqual(h.all, [0, 1, 0, 0, 0, 0, 1, 1, 0, 1]);
  assert.equal(
    h.normal.reduce((a, b) => a + b),
    2,
  );
  assert.equal(h.anomalous[9], 1);
  assert.deepEqual(operatingPoint(s.table, 0, 0.5), { tpr: 1, fpr: 0.5, precision: 2 / 3 });
  assert.equal(thresholdAt(1.7), 1);
  assert.equal(thresholdAt(0.12345), 0.123);
  assert.ok(grabsLine(103, 100) && !grabsLine(110, 100));
});

test('threshold, selection ranges and neighbours follow the view order', () => {
  const s = loaded();
  assert.deepEqual([...s.view], [3, 2, 1, 0]);
  s.setQuery({ flag: 'flagged' });
  assert.deepEqual([...s.view], [3, 2, 1]);
  s.setThreshold(0, 0.65);
  assert.deepEqual([...s.view], [3, 2]);
  s.setQuery({ flag: 'all' });
  s.select(3, 'replace');
  s.select(1, 'range');
  assert.deepEqual([...s.selection].sort(), [1, 2, 3]);
  s.select(0, 'toggle');
  assert.equal(s.selection.size, 4);
  assert.equal(s.neighbour(2, 1), 1);
  assert.equal(s.neighbour(3, -1), undefined);
  assert.equal(s.neighbour(0, 1), undefined);
});

test('the handler answers reports, runs actions and moves the selection on neighbour', () => {
  const s = loaded();
  const h = hooks();
  const answers: { id: number; result?: unknown; error?: unknown }[] = [];
  const out = {
    respond: (id: number, result: unknown) => void answers.push({ id, result }),
    respondError: (id: number, error: unknown) => void answers.push({ id, error }),
  };
  handleMessage(
    s,
    { kind: 'request', id: 1, method: 'act', params: { action: 'setQuery', query: { text: 'pneu' } } },
    h,
    out,
  );
  const r = answers[0].result as ResultsReport;
  assert.equal(r.visible, 2);
  assert.deepEqual(
    r.top.map((x) => x.path),
    ['PNEUMONIA/d.png', 'PNEUMONIA/c.png'],
  );
  assert.equal(r.flagged, 3);
  handleMessage(
    s,
    { kind: 'request', id: 2, method: 'act', params: { action: 'dragThreshold', from: 0.5, to: 0.8 } },
    h,
    out,
  );
  assert.deepEqual(h.dragged, [[0.5, 0.8]]);
  handleMessage(s, { kind: 'request', id: 3, method: 'neighbour', params: { row: 3, delta: 1 } }, h, out);
  assert.deepEqual(answers[2].result, { row: 2 });
  assert.deepEqual([...s.selection], [2]);
  handleMessage(s, { kind: 'request', id: 4, method: 'act', params: { action: 'openRow', row: 1 } }, h, out);
  assert.deepEqual(h.opened, [1]);
  handleMessage(s, { kind: 'request', id: 5, method: 'nope' } as never, h, out);
  assert.ok(answers[4].error);
});

test('saved state comes back for the same source and is dropped for another', () => {
  const s = loaded();
  s.setQuery({ flag: 'flagged', text: 'x' });
  s.setThreshold(0, 0.7);
  const saved = readPersisted(JSON.parse(JSON.stringify(s.persisted())));
  assert.ok(saved);
  const again = new PanelState(saved);
  again.init({ source, title: 'cxr', models, reset: true, thumbnails: false });
  assert.equal(again.query.flag, 'flagged');
  assert.deepEqual(again.thresholds, [0.7]);
  const other = new PanelState(saved);
  other.init({ source: { root: '/elsewhere', models: ['m@1'] }, title: 'x', models, reset: true, thumbnails: false });
  assert.equal(other.query.flag, 'all');
  assert.deepEqual(other.thresholds, [0.5]);
  assert.equal(readPersisted({ v: 2 }), undefined);
  assert.equal(readPersisted({ v: 1, thresholds: ['a'], source: { root: 1 } })?.source, undefined);
});
