// Heatmaps made when rows show (extension/results/panelHeatmaps.ts): only scored rows with a content hash,
// only model columns that draw a map, none the panel already has, a failed one not asked again; the maker
// gets each file's hash and the made ones come back by row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelHeatmaps } from '../../../src/extension/results/panelHeatmaps';
import type { HostCell } from '../../../src/extension/results/rowIndex';
import type { ResultsModel } from '../../../src/protocol/results';

const models: ResultsModel[] = [
  { key: 'a@1', id: 'a', name: 'A', version: '1', hasMap: true },
  { key: 's@1', id: 's', name: 'Score only', version: '1', hasMap: false },
];
const settle = () => new Promise((r) => setImmediate(r));

function setup() {
  // Row 0: scored; 1: scored, heatmap known; 2: not hashed yet (being scored); 3: failed for model a; 4: scored.
  const hashes = ['h0', 'h1', undefined, 'h3', 'h4'];
  const paths = ['x/0.png', 'x/1.png', 'x/2.png', 'x/3.png', 'x/4.png'];
  const raw = [0.5, 0.7, null, null, 0.1];
  const index = {
    hashes,
    paths,
    cell: (row: number, col: number): HostCell => [row, col, raw[row], raw[row], raw[row] === null ? 'bad' : null],
  };
  const calls: { col: number; items: { path: string; hash: string }[] }[] = [];
  const made: { col: number; made: { row: number; file: string }[]; dropped: number[] }[] = [];
  let answer: (files: (string | undefined)[]) => void = () => undefined;
  const h = new PanelHeatmaps({
    models,
    index,
    has: (row) => row === 1,
    make: (col, items) => {
      calls.push({ col, items });
      return new Promise((res) => (answer = res));
    },
    made: (col, m, dropped) => made.push({ col, made: m, dropped }),
  });
  return { h, calls, made, answer: (f: (string | undefined)[]) => answer(f) };
}

test('only scored, hashed rows without a heatmap, only columns with a map; made ones come back by row', async () => {
  const s = setup();
  s.h.want([0, 1, 2, 3, 4]);
  await settle();
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].col, 0);
  // The newest asks first (ThumbQueue).
  assert.deepEqual(s.calls[0].items, [
    { path: 'x/4.png', hash: 'h4' },
    { path: 'x/0.png', hash: 'h0' },
  ]);
  s.answer(['heatmaps/m/h4.webp', undefined]);
  await settle();
  assert.deepEqual(s.made, [{ col: 0, made: [{ row: 4, file: 'heatmaps/m/h4.webp' }], dropped: [] }]);
  // Row 0 failed: not asked again.
  s.h.want([0]);
  await settle();
  assert.equal(s.calls.length, 1);
  s.h.dispose();
});
