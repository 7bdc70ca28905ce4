// The side views wait while only the head is shown, then get every change they missed at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldChanges } from '../../../src/webview/results/heldChanges';
import type { Change } from '../../../src/webview/results/state';

const set = (...c: Change[]) => new Set<Change>(c);

test('changes held while the head alone is shown reach the side views with the rows', () => {
  const h = new HeldChanges();
  assert.deepEqual([...h.take(set('init', 'progress'), true)], []);
  assert.deepEqual([...h.take(set('rows'), true)], []);
  assert.deepEqual([...h.take(set('rows'), false)].sort(), ['init', 'progress', 'rows']);
  // Released once: the next frame has its own changes only.
  assert.deepEqual([...h.take(set('threshold'), false)], ['threshold']);
});

test('a panel without a head (a small store) passes every frame through', () => {
  const h = new HeldChanges();
  const f = set('init', 'rows');
  assert.equal(h.take(f, false), f);
});
