import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { groupFolds, groupedHoldout } from '../../../src/core/fit/split';

test('grouped hold-out: never over the count and short of it by less than one group, no group on both sides, deterministic, order-independent', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }),
      fc.integer(),
      (groups, seed) => {
        const items = groups.map((g, i) => ({ i, g: `p${g}` }));
        const count = Math.floor(items.length / 3);
        const a = groupedHoldout(items, (x) => x.g, count, seed);
        assert.equal(a.held.length + a.rest.length, items.length);
        assert.ok(a.held.length <= count, `held ${a.held.length} > ${count}`);
        // Whole groups are taken while they fit, so every group left out is larger than the room left:
        // the count is missed by less than the largest group (exactly met when every group is one item).
        const sizes = new Map<string, number>();
        for (const it of items) sizes.set(it.g, (sizes.get(it.g) ?? 0) + 1);
        const room = count - a.held.length;
        const heldGroups = new Set(a.held.map((x) => x.g));
        for (const [g, n] of sizes)
          if (!heldGroups.has(g)) assert.ok(n > room, `group ${g} (${n}) fits the room ${room}`);
        assert.ok(room < Math.max(...sizes.values()));
        assert.ok(a.rest.every((x) => !heldGroups.has(x.g)));
        const b = groupedHoldout([...items].reverse(), (x) => x.g, count, seed);
        assert.deepEqual(new Set(b.held.map((x) => x.i)), new Set(a.held.map((x) => x.i)));
      },
    ),
  );
});

test('grouped hold-out of single-item groups holds out exactly the count', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer(),
      (n, f, seed) => {
        const items = Array.from({ length: n }, (_, i) => `x${i}`);
        const count = Math.floor(f * n);
        assert.equal(groupedHoldout(items, (x) => x, count, seed).held.length, count);
      },
    ),
  );
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
