import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  clampWidth,
  COLUMN_MAX,
  COLUMN_MIN,
  KEY_STEP,
  KEY_STEP_BIG,
  widthForKey,
} from '../../../src/webview/results/columnWidth';
import { parseKeyName } from '../../../src/webview/shared/labelKeys';

const key = (name: string) => parseKeyName(name);

test('separator keys: arrows widen and narrow, Shift by more, Home to the narrowest, Enter its own width', () => {
  assert.deepEqual(widthForKey(key('ArrowRight'), 200), { px: 200 + KEY_STEP });
  assert.deepEqual(widthForKey(key('ArrowLeft'), 200), { px: 200 - KEY_STEP });
  assert.deepEqual(widthForKey(key('Shift+ArrowRight'), 200), { px: 200 + KEY_STEP_BIG });
  assert.deepEqual(widthForKey(key('Shift+ArrowLeft'), 200), { px: 200 - KEY_STEP_BIG });
  assert.deepEqual(widthForKey(key('Home'), 200), { px: COLUMN_MIN });
  assert.equal(widthForKey(key('Enter'), 200), 'own');
});

test('other keys and modified arrows are not resizes (Tab moves on; Ctrl/Alt/Meta belong to VS Code)', () => {
  for (const k of ['Tab', 'ArrowUp', 'ArrowDown', 'End', 'a', ' ', 'Ctrl+ArrowRight', 'Alt+ArrowLeft', 'Meta+Enter'])
    assert.equal(widthForKey(key(k), 200), undefined, k);
});

test('widths stay within bounds and whole pixels, however they come', () => {
  assert.deepEqual(widthForKey(key('ArrowLeft'), COLUMN_MIN + 3), { px: COLUMN_MIN });
  assert.deepEqual(widthForKey(key('Shift+ArrowRight'), COLUMN_MAX - 1), { px: COLUMN_MAX });
  assert.equal(clampWidth(99.6), 100);
  assert.equal(clampWidth(-5), COLUMN_MIN);
  fc.assert(
    fc.property(
      fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      fc.constantFrom('ArrowLeft', 'ArrowRight', 'Shift+ArrowLeft', 'Shift+ArrowRight'),
      (w, k) => {
        const c = widthForKey(key(k), w);
        assert.ok(c && c !== 'own');
        assert.ok(Number.isInteger(c.px) && c.px >= COLUMN_MIN && c.px <= COLUMN_MAX);
      },
    ),
  );
});

test('right then left gives the width back (inside the bounds)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: COLUMN_MIN + KEY_STEP_BIG, max: COLUMN_MAX - KEY_STEP_BIG }),
      fc.boolean(),
      (w, big) => {
        const shift = big ? 'Shift+' : '';
        const wider = widthForKey(key(`${shift}ArrowRight`), w) as { px: number };
        assert.deepEqual(widthForKey(key(`${shift}ArrowLeft`), wider.px), { px: w });
      },
    ),
  );
});
