import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcHandler, type ResponseMsg } from '../../../src/protocol/rpc';
import type { HostToResultsMethods, HostToResultsNotifications } from '../../../src/protocol/results';
import { columnsOf } from './cells';
import { encodePaths } from '../../../src/extension/results/pathColumn';
import { resultsServed, type ViewHooks } from '../../../src/webview/results/messages';
import { decodePaths } from '../../../src/webview/results/pathColumn';
import { histogram, operatingPoint, thresholdAt, grabsLine } from '../../../src/webview/results/histogram';
import { KEEP_IMAGES, PanelState, readPersisted } from '../../../src/webview/results/state';
import type { ResultsReport } from '../../../src/protocol/results';

const source = { root: '/data/cxr', models: ['m@1'] };
const models = [{ key: 'm@1', id: 'm', name: 'Model', version: '1' }];

function loaded(): PanelState {
  const s = new PanelState();
  s.init({ source, title: 'cxr', models, reset: true, thumbnails: false });
  s.addData(
    { first: 0, paths: ['NORMAL/a.png', 'NORMAL/b.png', 'PNEUMONIA/c.png', 'PNEUMONIA/d.png'], labels: [0, 0, 1, 1] },
    columnsOf([
      [0, 0, 1, 0.1, null],
      [1, 0, 6, 0.6, null],
      [2, 0, 7, 0.7, null],
      [3, 0, 9, 0.9, null],
    ]),
  );
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

/** The webview's side as the HostBridge runs it: the protocol's RpcHandler over the pure handlers. */
function serve(s: PanelState, h: ViewHooks) {
  const answers: ResponseMsg[] = [];
  const logged: string[] = [];
  const served = resultsServed(s, h, (m) => logged.push(m));
  const rpc = new RpcHandler<HostToResultsMethods, HostToResultsNotifications>({
    name: 'The results panel',
    ...served,
    respond: (m) => answers.push(m),
  });
  const ok = (i: number) => {
    const a = answers[i];
    assert.ok(a.ok, JSON.stringify(a));
    return a.result;
  };
  const err = (i: number) => {
    const a = answers[i];
    assert.ok(!a.ok, JSON.stringify(a));
    return a.error;
  };
  return { rpc, answers, logged, ok, err };
}

test('the handler answers reports, runs actions and moves the selection on neighbour', () => {
  const s = loaded();
  const h = hooks();
  const { rpc, ok, err } = serve(s, h);
  rpc.handle({ kind: 'request', id: 1, method: 'act', params: { action: 'setQuery', query: { text: 'pneu' } } });
  const r = ok(0) as ResultsReport;
  assert.equal(r.visible, 2);
  assert.deepEqual(
    r.top.map((x) => x.path),
    ['PNEUMONIA/d.png', 'PNEUMONIA/c.png'],
  );
  assert.equal(r.flagged, 3);
  rpc.handle({ kind: 'request', id: 2, method: 'act', params: { action: 'dragThreshold', from: 0.5, to: 0.8 } });
  assert.deepEqual(h.dragged, [[0.5, 0.8]]);
  rpc.handle({ kind: 'request', id: 3, method: 'neighbour', params: { row: 3, delta: 1 } });
  assert.deepEqual(ok(2), { row: 2 });
  assert.deepEqual([...s.selection], [2]);
  rpc.handle({ kind: 'request', id: 4, method: 'act', params: { action: 'openRow', row: 1 } });
  assert.deepEqual(h.opened, [1]);
  // What it cannot serve is refused by name, with BAD_REQUEST: an unknown method, action or parameters.
  rpc.handle({ kind: 'request', id: 5, method: 'nope', params: {} });
  assert.equal(err(4).code, 'BAD_REQUEST');
  assert.match(err(4).message, /"nope"/);
  rpc.handle({ kind: 'request', id: 6, method: 'act', params: { action: 'explode' } });
  assert.equal(err(5).code, 'BAD_REQUEST');
  assert.match(err(5).message, /explode/);
  rpc.handle({ kind: 'request', id: 7, method: 'neighbour', params: { row: 1, delta: 2 } });
  assert.equal(err(6).code, 'BAD_REQUEST');
});

test('host notifications go into the state; a malformed one is logged and changes nothing', () => {
  const s = new PanelState();
  const { rpc, logged, ok } = serve(s, hooks());
  rpc.handle({
    kind: 'notify',
    type: 'init',
    params: { source, title: 'cxr', models, reset: true, thumbnails: false },
  });
  // As VS Code delivers it: the paths folder by folder, typed arrays as typed arrays.
  rpc.handle({
    kind: 'notify',
    type: 'data',
    params: {
      rows: { first: 0, paths: encodePaths(['a.png', 'b.png']), labels: new Int8Array([-1, -1]) },
      cells: columnsOf([[1, 0, 3, 0.7, null]]),
    },
  });
  assert.equal(s.table.size, 2);
  assert.deepEqual([...s.view], [1, 0]);
  rpc.handle({ kind: 'notify', type: 'data', params: { cells: columnsOf([[0, 0, null, null, 'Not an image.']]) } });
  assert.equal(s.table.error(0, 0), 'Not an image.');
  rpc.handle({
    kind: 'notify',
    type: 'data',
    params: { rows: { first: -1, paths: encodePaths(['c.png']), labels: [] }, cells: [] },
  });
  rpc.handle({
    kind: 'notify',
    type: 'data',
    params: { rows: { first: 2, paths: encodePaths(['c.png', 'd.png']), labels: [1] }, cells: [] },
  });
  const bad = columnsOf([[1, 0, 3, 0.7, null]]);
  bad[0].raw = new Float64Array(0);
  rpc.handle({ kind: 'notify', type: 'data', params: { cells: bad } });
  rpc.handle({ kind: 'notify', type: 'frobnicate', params: {} });
  assert.equal(s.table.size, 2);
  assert.equal(logged.length, 4);
  assert.match(logged[0], /"data"/);
  assert.match(logged[1], /2 paths but 1 labels/);
  assert.match(logged[2], /different lengths/);
  assert.match(logged[3], /"frobnicate"/);
  // Drift per model column: the report names the one of the query's model.
  const note = { status: 'ok' as const, folder: 'cxr', modelId: 'm', images: 30, shift: 0.1, text: 'in line' };
  rpc.handle({ kind: 'notify', type: 'drift', params: { notes: [note] } });
  assert.equal(s.drift[0]?.text, 'in line');
  rpc.handle({ kind: 'notify', type: 'drift', params: { notes: 'none' } });
  assert.equal(s.drift[0]?.text, 'in line', 'a malformed drift message changes nothing');
  assert.match(logged[4], /"drift"/);
  rpc.handle({ kind: 'request', id: 1, method: 'getReport', params: {} });
  const report = ok(0) as ResultsReport;
  assert.deepEqual(report.drift, { status: 'ok', images: 30, normals: undefined, text: 'in line' });
});

test('paths cross folder by folder and come back the same; a malformed column is refused', () => {
  const paths = ['a.png', 'NORMAL/p1/x.png', 'NORMAL/p1/y.png', 'PNEUMONIA/é ü/z.dcm', 'NORMAL/p1/w', 'b'];
  const c = encodePaths(paths);
  assert.deepEqual(c.folders, ['', 'NORMAL/p1', 'PNEUMONIA/é ü']);
  assert.ok(c.names instanceof Uint8Array, 'names cross as bytes');
  assert.deepEqual(decodePaths(c), paths);
  // Names beyond ASCII (2, 3 and 4 bytes in UTF-8) cut at their byte offsets.
  const wide = ['ü.png', 'a/日本.dcm', 'a/😀x', 'a/plain'];
  assert.deepEqual(decodePaths(encodePaths(wide)), wide);
  assert.deepEqual([...encodePaths(wide).nameEnds], [6, 16, 21, 26]);
  assert.deepEqual(decodePaths(encodePaths([])), []);
  assert.throws(() => decodePaths({ ...c, nameEnds: c.nameEnds.subarray(1) }), /6 folders but 5 names/);
  assert.throws(() => decodePaths({ ...c, folderOf: Uint32Array.of(0, 9, 0, 0, 0, 0) }), /path 1 points outside/);
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

test('thumbnails the host let go of are asked for again; those it sent or failed are not', () => {
  const s = new PanelState();
  const { rpc } = serve(s, hooks());
  rpc.handle({ kind: 'notify', type: 'init', params: { source, title: 'cxr', models, reset: true, thumbnails: true } });
  for (const r of [0, 1, 2]) s.thumbsAsked.add(r);
  rpc.handle({
    kind: 'notify',
    type: 'thumbnails',
    params: { items: [{ row: 0, src: 'data:image/webp;base64,AAAA' }], dropped: [1, 'x'] as number[] },
  });
  assert.equal(s.thumbnails.get(0), 'data:image/webp;base64,AAAA');
  // Row 1 was dropped from the host's queue: the table asks for it when it next shows; row 2 is still awaited.
  assert.deepEqual([...s.thumbsAsked].sort(), [0, 2]);
});

test('the page keeps the images of the latest KEEP_IMAGES rows; older ones are forgotten and asked for again', () => {
  const s = new PanelState();
  const { rpc } = serve(s, hooks());
  rpc.handle({ kind: 'notify', type: 'init', params: { source, title: 'cxr', models, reset: true, thumbnails: true } });
  const send = (rows: number[]) =>
    rpc.handle({
      kind: 'notify',
      type: 'thumbnails',
      params: {
        items: rows.map((row) => ({ row, src: `data:t${row}` })),
        heatmaps: rows.map((row) => ({ row, model: 0, src: `data:h${row}` })),
      },
    });
  for (let r = 0; r < KEEP_IMAGES; r++) s.thumbsAsked.add(r);
  send(Array.from({ length: KEEP_IMAGES }, (_, r) => r));
  assert.equal(s.thumbnails.size, KEEP_IMAGES);
  // Row 0 is sent again (shown again): it is now the newest, so rows 1 and 2 go when two more arrive.
  send([0]);
  s.thumbsAsked.add(KEEP_IMAGES).add(KEEP_IMAGES + 1);
  send([KEEP_IMAGES, KEEP_IMAGES + 1]);
  assert.equal(s.thumbnails.size, KEEP_IMAGES);
  assert.equal(s.heatmaps[0].size, KEEP_IMAGES);
  assert.equal(s.thumbnails.get(0), 'data:t0');
  for (const gone of [1, 2]) {
    assert.equal(s.thumbnails.has(gone), false);
    assert.equal(s.heatmaps[0].has(gone), false);
    assert.equal(s.thumbsAsked.has(gone), false, 'asked for again when it shows');
  }
  assert.equal(s.thumbnails.get(3), 'data:t3');
});

test('a report draws pending changes first: what it says of a view is what the view shows after the action', () => {
  const s = loaded();
  // A view that draws the query's text only when its frame runs, as the panel's views do.
  let drawn = '';
  let pending = false;
  s.on(() => (pending = true));
  const h: ViewHooks = {
    ...hooks(),
    settle: () => {
      if (pending) drawn = s.query.text;
      pending = false;
    },
    report: () => ({ firstRowText: [drawn] }),
  };
  const { rpc, ok } = serve(s, h);
  rpc.handle({ kind: 'request', id: 1, method: 'act', params: { action: 'setQuery', query: { text: 'pneu' } } });
  assert.deepEqual((ok(0) as ResultsReport).firstRowText, ['pneu']);
  rpc.handle({ kind: 'request', id: 2, method: 'getReport', params: {} });
  assert.deepEqual((ok(1) as ResultsReport).firstRowText, ['pneu']);
});
