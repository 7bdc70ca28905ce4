import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { groupFolds, groupedHoldout } from '../../../src/core/fit/split';

test('grouped hold-out: exact count, no group on both sides, deterministic, order-independent', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }),
      fc.integer(),
      (groups, seed) => {
        const items = groups.map((g, i) => ({ i, g: `p${g}` }));
        const count = Math.floor(items.length / 3);
        const a = groupedHoldout(items, (x) => x.g, count, seed);
        assert.equal(a.held.length + a.rest.length, items.length);
        assert.ok(a.held.length <= count);
        const heldGroups = new Set(a.held.map((x) => x.g));
        assert.ok(a.rest.every((x) => !heldGroups.has(x.g)));
        const b = groupedHoldout([...items].reverse(), (x) => x.g, count, seed);
        assert.deepEqual(new Set(b.held.map((x) => x.i)), new Set(a.held.map((x) => x.i)));
      },
    ),
  );
});

test('grouped hold-out of singleton groups is exact', () => {
  const items = Array.from({ length: 100 }, (_, i) => `x${i}`);
  const h = groupedHoldout(items, (x) => x, 30, 7);
  assert.equal(h.held.length, 30);
  assert.notDeepEqual(groupedHoldout(items, (x) => x, 30, 8).held, h.held);
});

test('grouped folds: every fold used, no group split, sizes within one group of each other, deterministic', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 2, maxLength: 150 }),
      fc.integer({ min: 2, max: 30 }),
      fc.integer(),
      (groups, kWanted, seed) => {
        const items = groups.map((g, i) => ({ i, g: `p${g}` }));
        const sizes = new Map<string, number>();
        for (const it of items) sizes.set(it.g, (sizes.get(it.g) ?? 0) + 1);
        if (sizes.size < 2) return;
        const k = Math.min(kWanted, sizes.size);
        const folds = groupFolds(items, (x) => x.g, k, seed);
        const foldOf = new Map<string, number>();
        const load = new Array<number>(k).fill(0);
        items.forEach((it, j) => {
          assert.ok(folds[j] >= 0 && folds[j] < k);
          assert.equal(foldOf.get(it.g) ?? folds[j], folds[j], 'a group stays in one fold');
          foldOf.set(it.g, folds[j]);
          load[folds[j]]++;
        });
        assert.ok(
          load.every((l) => l > 0),
          `every fold has items: ${load}`,
        );
        assert.ok(Math.max(...load) - Math.min(...load) <= Math.max(...sizes.values()), `balanced: ${load}`);
        assert.deepEqual(
          groupFolds(items, (x) => x.g, k, seed),
          folds,
        );
      },
    ),
  );
  assert.throws(() => groupFolds(['a', 'b'], (x) => x, 3, 0), /2 groups into 3 folds/);
});
