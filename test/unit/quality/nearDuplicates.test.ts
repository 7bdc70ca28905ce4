// Near-duplicate grouping by perceptual hash: multi-index hashing must find exactly the groups that
// comparing all pairs finds, and stay near linear on 100,000 hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkBounds, nearDuplicateGroups } from '../../../src/core/quality/nearDuplicates';
import { hamming } from '../../../src/core/quality/phash';
import { rng } from './images';

/** All pairs + transitive closure: the reference. */
function bruteForce(hashes: (string | undefined)[], bits: number): number[][] {
  const parent = hashes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++)
      if (hashes[i] && hashes[j] && hamming(hashes[i]!, hashes[j]!) <= bits)
        parent[Math.max(find(i), find(j))] = Math.min(find(i), find(j));
  const groups = new Map<number, number[]>();
  hashes.forEach((h, i) => {
    if (!h) return;
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  return [...groups.values()].filter((g) => g.length > 1).sort((a, b) => a[0] - b[0]);
}

function flip(hash: string, bit: number): string {
  const i = bit >> 2;
  const nib = parseInt(hash[i], 16) ^ (8 >> (bit & 3));
  return hash.slice(0, i) + nib.toString(16) + hash.slice(i + 1);
}

/** Clusters of hashes: random centres, members a few bits off them; some entries missing. */
const clustered = fc
  .record({
    centres: fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 8 }),
    members: fc.array(
      fc.record({
        centre: fc.nat(),
        flips: fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 6 }),
        missing: fc.boolean(),
      }),
      { maxLength: 60 },
    ),
  })
  .map(({ centres, members }) =>
    members.map((m) =>
      m.missing && m.flips.length === 0
        ? undefined
        : m.flips.reduce(flip, centres[m.centre % centres.length].toString(16).padStart(16, '0')),
    ),
  );

test('near-duplicate groups equal the all-pairs reference, for every distance 0-8', () => {
  fc.assert(
    fc.property(clustered, fc.integer({ min: 0, max: 8 }), (hashes, bits) => {
      assert.deepEqual(nearDuplicateGroups(hashes, bits), bruteForce(hashes, bits));
    }),
  );
});

test('chunks cover the 64 bits, sizes within one', () => {
  for (let m = 1; m <= 20; m++) {
    const c = chunkBounds(m);
    assert.equal(c.length, m);
    assert.equal(c[0][0], 0);
    assert.equal(c[m - 1][1], 64);
    for (let i = 1; i < m; i++) assert.equal(c[i][0], c[i - 1][1]);
    const sizes = c.map(([a, b]) => b - a);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
});

test('groups are transitive and keyed by their first member; bad distances refused', () => {
  const a = '0000000000000000';
  const b = flip(flip(a, 1), 2);
  const c = flip(flip(b, 40), 41);
  assert.deepEqual(nearDuplicateGroups([c, 'ffffffffffffffff', a, b, 'not a hash'], 2), [[0, 2, 3]]);
  assert.deepEqual(nearDuplicateGroups([a, c], 2), []);
  assert.throws(() => nearDuplicateGroups([a], 64), /0 to 63/);
  assert.throws(() => nearDuplicateGroups([a], NaN), /0 to 63/);
});

test('100,000 hashes with 1,000 planted pairs and 2,000 identical blanks: every planted group found', () => {
  const r = rng(9);
  const word = () =>
    Math.floor(r() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const hashes: string[] = [];
  for (let i = 0; i < 97_000; i++) hashes.push(word() + word());
  for (let i = 0; i < 1000; i++) hashes.push(flip(flip(hashes[i * 50], (i * 7) % 64), (i * 13 + 5) % 64));
  for (let i = 0; i < 2000; i++) hashes.push('8000000000000000');
  const groups = nearDuplicateGroups(hashes, 2);
  const planted = groups.filter((g) => g.length === 2 && g[1] >= 97_000);
  assert.ok(planted.length >= 1000 - 5, `${planted.length}`);
  assert.ok(groups.some((g) => g.length === 2000));
});
