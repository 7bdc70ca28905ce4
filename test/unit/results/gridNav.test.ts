import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gridColumns, gridStep } from '../../../src/webview/results/gridNav';

test('grid keys: one image sideways, one row up or down, a page, the ends', () => {
  // 10 images in rows of 4: 0 1 2 3 / 4 5 6 7 / 8 9
  assert.equal(gridStep('ArrowRight', 1, 10, 4, 2), 2);
  assert.equal(gridStep('j', 3, 10, 4, 2), 4, 'j wraps to the next row, as the order goes');
  assert.equal(gridStep('k', 4, 10, 4, 2), 3);
  assert.equal(gridStep('ArrowDown', 1, 10, 4, 2), 5);
  assert.equal(gridStep('ArrowDown', 6, 10, 4, 2), 9, 'below the last row: the last image');
  assert.equal(gridStep('ArrowUp', 2, 10, 4, 2), 0);
  assert.equal(gridStep('PageDown', 0, 10, 4, 2), 8);
  assert.equal(gridStep('Home', 7, 10, 4, 2), 0);
  assert.equal(gridStep('End', 0, 10, 4, 2), 9);
  assert.equal(gridStep('ArrowDown', -1, 10, 4, 2), 0, 'no cursor yet: the first image');
  assert.equal(gridStep('x', 1, 10, 4, 2), undefined);
  assert.equal(gridStep('ArrowRight', 0, 0, 4, 2), undefined);
});

test('columns that fit a width', () => {
  assert.equal(gridColumns(0, 148, 8), 1);
  assert.equal(gridColumns(148, 148, 8), 1);
  assert.equal(gridColumns(304, 148, 8), 2);
  assert.equal(gridColumns(303, 148, 8), 1);
});

test('property: every step lands on an image; right then left comes back', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 1, max: 12 }),
      fc.nat(),
      fc.constantFrom('ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'j', 'k'),
      (count, cols, at, key) => {
        const i = at % count;
        const next = gridStep(key, i, count, cols, 3)!;
        assert.ok(next >= 0 && next < count);
        if (key === 'ArrowRight' && i < count - 1) assert.equal(gridStep('ArrowLeft', next, count, cols, 3), i);
        if (key === 'ArrowDown' && i + cols < count) assert.equal(gridStep('ArrowUp', next, count, cols, 3), i);
      },
    ),
  );
});
