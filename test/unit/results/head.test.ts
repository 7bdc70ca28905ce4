// The first screenful sent ahead of the rows (the `head` message): the host's pick (RowIndex.head) is the top
// of the page's own order (query.ts) for every plain sort, and a page that took a head and then the rows
// holds exactly what a page that took the rows alone holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePaths } from '../../../src/extension/results/pathColumn';
import { RowIndex } from '../../../src/extension/results/rowIndex';
import type { HeadWanted } from '../../../src/protocol/results';
import { FRESH_HEAD, headAnswers } from '../../../src/protocol/resultsHead';
import { decodePaths } from '../../../src/webview/results/pathColumn';
import { runQuery, DEFAULT_QUERY } from '../../../src/webview/results/query';
import { PanelState } from '../../../src/webview/results/state';

const models = [
  { key: 'a@1', id: 'a', name: 'A', version: '1' },
  { key: 'b@1', id: 'b', name: 'B', version: '1' },
];
const cal = [
  { threshold: 0, span: 2 },
  { threshold: 1, span: 4 },
];
const source = { root: '/data', models: models.map((m) => m.key) };

/** A folder's rows: some planned only, some failed, few distinct scores (ties), two models. */
const rowsArb = fc.array(
  fc.record({
    folder: fc.constantFrom('NORMAL', 'PNEUMONIA', 'x/y', ''),
    name: fc.constantFrom('a', 'b', 'c', 'é', 'z9'),
    a: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
    b: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
    failed: fc.boolean(),
  }),
  { maxLength: 60 },
);
type Gen = { folder: string; name: string; a?: number; b?: number; failed: boolean };

function indexOf(rows: Gen[]): RowIndex {
  const ix = new RowIndex(models, cal);
  const paths = rows.map((r, i) => `${r.folder ? `${r.folder}/` : ''}${r.name}${i % 7}.png`);
  ix.plan(paths);
  rows.forEach((r, i) => {
    for (const [m, v] of [
      ['a', r.a],
      ['b', r.b],
    ] as const) {
      if (v === undefined) continue;
      ix.add([
        r.failed && m === 'b'
          ? { path: paths[i], modelId: m, modelVersion: '1', error: { code: 'X', message: `bad ${i}` } }
          : { path: paths[i], modelId: m, modelVersion: '1', score: { raw: v / 2 } },
      ]);
    }
  });
  return ix;
}

function pageOf(ix: RowIndex, head?: HeadWanted): PanelState {
  const s = new PanelState();
  s.init({ source, title: 'data', models, reset: true, thumbnails: false });
  if (head) {
    const h = ix.head(head);
    const paths = Array.from(h.rows, (r) => ix.paths[r]);
    s.addHead(
      {
        total: ix.size,
        rows: h.rows,
        paths: encodePaths(paths),
        labels: Int8Array.from(h.labels),
        cells: h.cells,
      },
      decodePaths(encodePaths(paths)),
    );
  }
  return s;
}

function takeRows(s: PanelState, ix: RowIndex): void {
  const f = ix.replayAll();
  s.addData(f.rows && { first: f.rows.first, paths: f.rows.paths, labels: f.rows.labels }, f.cells);
}

const wantArb = fc.record({
  model: fc.constantFrom(0, 1),
  key: fc.constantFrom('raw' as const, 'normalized' as const, 'path' as const),
  descending: fc.boolean(),
  rows: fc.integer({ min: 1, max: 70 }),
});

test('the head is the top of the page order for every plain sort (ties, unscored and failed rows)', () => {
  fc.assert(
    fc.property(rowsArb, wantArb, (rows, want) => {
      const ix = indexOf(rows);
      const full = pageOf(ix);
      takeRows(full, ix);
      const order = runQuery(
        full.table,
        { ...DEFAULT_QUERY, model: want.model, sort: { key: want.key, descending: want.descending } },
        [0.5, 0.5],
      );
      const head = ix.head(want);
      assert.deepEqual([...head.rows], [...order.subarray(0, want.rows)]);
    }),
  );
});

test('a page shows the head until the rows come, then holds what the rows alone give', () => {
  fc.assert(
    fc.property(rowsArb, wantArb, (rows, want) => {
      const ix = indexOf(rows);
      if (!ix.size) return;
      const s = pageOf(ix, want);
      assert.deepEqual([...s.view], [...ix.head(want).rows], 'the head alone, in its order');
      assert.equal(s.table.size, 0, 'no row is counted before the rows come');
      for (const r of s.view) {
        assert.equal(s.table.paths[r], ix.paths[r]);
        for (let m = 0; m < 2; m++) {
          const c = ix.cell(r, m);
          assert.equal(s.table.error(r, m), c?.[4] ?? undefined);
          assert.deepEqual(s.table.raw[m][r], c?.[2] ?? NaN);
        }
      }
      const plain = pageOf(ix);
      takeRows(s, ix);
      takeRows(plain, ix);
      assert.equal(s.head, undefined);
      assert.deepEqual(s.table.paths.slice(0, s.table.size), plain.table.paths.slice(0, plain.table.size));
      assert.deepEqual(s.table.folderCounts(), plain.table.folderCounts());
      assert.deepEqual([...s.table.labels.subarray(0, ix.size)], [...plain.table.labels.subarray(0, ix.size)]);
      for (let m = 0; m < 2; m++) {
        assert.deepEqual([...s.table.raw[m].subarray(0, ix.size)], [...plain.table.raw[m].subarray(0, ix.size)]);
        assert.deepEqual([...s.table.errors[m]].sort(), [...plain.table.errors[m]].sort());
      }
      assert.deepEqual([...s.view], [...plain.view]);
    }),
  );
});

test('a page asks for a head only when the host can give its order', () => {
  const s = new PanelState();
  assert.deepEqual(s.headWanted(40), { model: 0, key: 'raw', descending: true, rows: 40 });
  s.query = { ...s.query, text: 'x' };
  assert.equal(s.headWanted(40), undefined, 'a text filter');
  s.query = { ...DEFAULT_QUERY, sort: { key: 'flag', descending: true } };
  assert.equal(s.headWanted(40), undefined, 'a sort the host does not know');
  s.query = { ...DEFAULT_QUERY, sort: { key: 'path', descending: false } };
  s.scrollTop = 640;
  assert.equal(s.headWanted(40), undefined, 'scrolled away from the top');
});

test('a head sent before the page asked (FRESH_HEAD) is what a fresh page asks for; another page ignores it', () => {
  const fresh = new PanelState();
  const screenful = Math.min(200, Math.ceil(2160 / 32) + 10);
  assert.ok(headAnswers(FRESH_HEAD, fresh.headWanted(screenful)), 'a fresh page, even on a 2160 px screen');
  assert.deepEqual(
    { model: FRESH_HEAD.model, ...DEFAULT_QUERY.sort },
    { model: 0, key: FRESH_HEAD.key, descending: FRESH_HEAD.descending },
  );
  for (const other of [
    { ...FRESH_HEAD, model: 1 },
    { ...FRESH_HEAD, key: 'path' as const },
    { ...FRESH_HEAD, descending: false },
    { ...FRESH_HEAD, rows: FRESH_HEAD.rows + 1 },
  ])
    assert.equal(headAnswers(FRESH_HEAD, other), false, JSON.stringify(other));
  assert.equal(headAnswers(FRESH_HEAD, undefined), false, 'a page that asked for no head (a filter, scrolled)');

  const rows: Gen[] = Array.from({ length: 30 }, (_, i) => ({ folder: 'x', name: 'a', a: (i % 7) - 3, failed: false }));
  const ix = indexOf(rows);
  const pushed = (s: PanelState) => {
    const h = ix.head(FRESH_HEAD);
    const paths = Array.from(h.rows, (r) => ix.paths[r]);
    s.addHead(
      {
        wanted: FRESH_HEAD,
        total: ix.size,
        rows: h.rows,
        paths: encodePaths(paths),
        labels: Int8Array.from(h.labels),
        cells: h.cells,
      },
      paths,
    );
  };
  // The page that asked for the fresh order shows it; one sorted by path (a restored page) waits for its own.
  const s = pageOf(ix);
  s.askedHead = s.headWanted(40);
  pushed(s);
  assert.deepEqual([...s.view], [...ix.head(FRESH_HEAD).rows], 'the pushed head, in its order');
  const byPath = pageOf(ix);
  byPath.query = { ...DEFAULT_QUERY, sort: { key: 'path', descending: false } };
  byPath.askedHead = byPath.headWanted(40);
  pushed(byPath);
  assert.equal(byPath.head, undefined, 'not its order: nothing shown');
  assert.equal(byPath.view.length, 0);
});
