import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { components, type Component } from '../../../src/core/preprocess/morphology';

/** The definition: a flood fill from each unlabelled foreground pixel in raster order, 8 neighbours. */
function reference(m: Uint8Array, w: number, h: number): { labels: Int32Array; list: Component[] } {
  const labels = new Int32Array(w * h);
  const list: Component[] = [];
  for (let start = 0; start < m.length; start++) {
    if (!m[start] || labels[start]) continue;
    const c: Component = { label: list.length + 1, area: 0, x0: w, y0: h, x1: 0, y1: 0 };
    const stack = [start];
    labels[start] = c.label;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      c.area++;
      c.x0 = Math.min(c.x0, x);
      c.y0 = Math.min(c.y0, y);
      c.x1 = Math.max(c.x1, x + 1);
      c.y1 = Math.max(c.y1, y + 1);
      for (let yy = y - 1; yy <= y + 1; yy++)
        for (let xx = x - 1; xx <= x + 1; xx++) {
          const j = yy * w + xx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && m[j] && !labels[j]) {
            labels[j] = c.label;
            stack.push(j);
          }
        }
    }
    list.push(c);
  }
  return { labels, list };
}

test('components equal the flood-fill definition: labels in raster order, areas and boxes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer(),
      (w, h, density, seed) => {
        // Masks from sparse dots to nearly full, with U shapes, spirals and diagonals from the hash.
        const m = new Uint8Array(w * h);
        for (let i = 0; i < m.length; i++)
          m[i] = (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0 < density * 0x1c71c71c ? 1 : 0;
        const got = components(m, w, h);
        const want = reference(m, w, h);
        assert.deepEqual(got.list, want.list);
        assert.deepEqual(got.labels, want.labels);
      },
    ),
  );
});

test('shapes that join late (U, W, spiral) get one label, numbered by their first pixel', () => {
  const rows = [
    '#.#.#..#', //
    '#.#.#.#.',
    '#####.#.',
    '......#.',
    '.#######',
  ];
  const w = rows[0].length;
  const m = Uint8Array.from(rows.join(''), (ch) => (ch === '#' ? 1 : 0));
  const got = components(m, w, rows.length);
  assert.deepEqual(got.list, reference(m, w, rows.length).list);
  assert.equal(got.list.length, 2);
  assert.deepEqual(got.list[0], { label: 1, area: 11, x0: 0, y0: 0, x1: 5, y1: 3 });
  assert.deepEqual(got.list[1], { label: 2, area: 11, x0: 1, y0: 0, x1: 8, y1: 5 });
});
