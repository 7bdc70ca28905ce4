import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { groupedHoldout } from '../../../src/core/fit/split';

test('grouped hold-out: exact count, no group on both sides, deterministic, order-independent', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }), fc.integer(), (groups, seed) => {
      const items = groups.map((g, i) => ({ i, g: `p${g}` }));
      const count = Math.floor(items.length / 3);
      const a = groupedHoldout(items, (x) => x.g, count, seed);
      assert.equal(a.held.length + a.rest.length, items.length);
      assert.ok(a.held.length <= count);
      const heldGroups = new Set(a.held.map((x) => x.g));
      assert.ok(a.rest.every((x) => !heldGroups.has(x.g)));
      const b = groupedHoldout([...items].reverse(), (x) => x.g, count, seed);
      assert.deepEqual(new Set(b.held.map((x) => x.i)), new Set(a.held.map((x) => x.i)));
    }),
  );
});

test('grouped hold-out of singleton groups is exact', () => {
  const items = Array.from({ length: 100 }, (_, i) => `x${i}`);
  const h = groupedHoldout(items, (x) => x, 30, 7);
  assert.equal(h.held.length, 30);
  assert.notDeepEqual(groupedHoldout(items, (x) => x, 30, 8).held, h.held);
});
