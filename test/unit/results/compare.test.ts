import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyAll, type Cell } from './cells';
import { RowTable } from '../../../src/webview/results/rows';
import {
  averageRanks,
  compareColumns,
  disagreements,
  kendallTauB,
  nearestPoint,
  pairScores,
  pearson,
  scatter,
  spearman,
} from '../../../src/webview/results/compare';

const close = (a: number | undefined, b: number, eps = 1e-12) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= eps, `${a} is not ${b}`);

/** tau-b the plain O(n^2) way, from its definition. */
function kendallBrute(x: number[], y: number[]): number | undefined {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) c++;
      else if (s < 0) d++;
      else if (x[i] !== x[j]) ty++;
      else if (y[i] !== y[j]) tx++;
    }
  const denom = Math.sqrt((c + d + tx) * (c + d + ty));
  return denom === 0 ? undefined : (c - d) / denom;
}

test('average ranks share tied places', () => {
  assert.deepEqual([...averageRanks([10, 30, 20, 30, 5])], [2, 4.5, 3, 4.5, 1]);
  assert.deepEqual([...averageRanks([7, 7, 7])], [2, 2, 2]);
  assert.deepEqual([...averageRanks([])], []);
});

test('Spearman and Kendall: closed-form cases without ties', () => {
  // d = [-1, 1, -1, 1, 0]: rho = 1 - 6 * 4 / (5 * 24) = 0.8; 2 discordant pairs of 10: tau = 0.6.
  const x = [1, 2, 3, 4, 5];
  const y = [2, 1, 4, 3, 5];
  close(spearman(x, y), 0.8);
  close(kendallTauB(x, y), 0.6);
  close(spearman(x, [...x].reverse()), -1);
  close(kendallTauB(x, [...x].reverse()), -1);
  // Any increasing transform keeps the ranks: 1 though the relation is far from linear.
  close(
    spearman(
      x,
      x.map((v) => Math.exp(3 * v)),
    ),
    1,
  );
  assert.ok(
    (pearson(
      x,
      x.map((v) => Math.exp(3 * v)),
    ) ?? 1) < 0.9,
  );
});

test('Spearman and Kendall with ties: closed-form and reference values', () => {
  // Ranks x = [1.5, 1.5, 3], y = [1, 2, 3]: rho = 1.5 / sqrt(1.5 * 2) = sqrt(3)/2; tau-b = 2 / sqrt(2 * 3).
  close(spearman([1, 1, 2], [1, 2, 3]), Math.sqrt(3) / 2);
  close(kendallTauB([1, 1, 2], [1, 2, 3]), Math.sqrt(2 / 3));
  // scipy.stats.spearmanr / kendalltau (tau-b) on the same data: 0.9142388742738977, 0.8185577344976237.
  const x = [1, 2, 2, 3, 4, 5, 5, 5, 6];
  const y = [2, 1, 3, 3, 5, 4, 6, 6, 7];
  close(spearman(x, y), 0.9142388742738977, 1e-12);
  close(kendallTauB(x, y), 0.8185577344976237, 1e-12);
});

test('no correlation is given where none is defined', () => {
  assert.equal(spearman([1], [2]), undefined);
  assert.equal(spearman([1, 2, 3], [4, 4, 4]), undefined);
  assert.equal(kendallTauB([3, 3], [1, 2]), undefined);
  assert.equal(spearman([1, 2], [1, 2, 3]), undefined);
});

const scores = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 2, maxLength: 60 });
const pairsOf = fc
  .tuple(scores, fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 60, maxLength: 60 }))
  .map(([x, y]) => [x, y.slice(0, x.length)] as const);

test('property: Kendall tau-b (O(n log n)) equals the pairwise definition, ties included', () => {
  fc.assert(
    fc.property(pairsOf, ([x, y]) => {
      const fast = kendallTauB(x, y);
      const slow = kendallBrute(x, y);
      if (slow === undefined) assert.equal(fast, undefined);
      else close(fast, slow, 1e-9);
    }),
  );
});

test('property: Spearman is symmetric, bounded, flips with a reversed model and ignores increasing transforms', () => {
  fc.assert(
    fc.property(pairsOf, ([x, y]) => {
      const r = spearman(x, y);
      if (r === undefined) return;
      assert.ok(r >= -1 && r <= 1);
      close(spearman(y, x), r, 1e-12);
      close(
        spearman(
          x.map((v) => -v),
          y,
        ),
        -r,
        1e-12,
      );
      close(
        spearman(
          x.map((v) => v * v * v + 7),
          y,
        ),
        r,
        1e-12,
      );
    }),
  );
});

test('property: without ties Spearman is 1 - 6 sum d^2 / (n (n^2 - 1))', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 2, max: 40 })
        .chain((n) =>
          fc.tuple(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.constant(n)),
        ),
      ([perm, n]) => {
        const x = Array.from({ length: n }, (_, i) => i);
        const d2 = perm.reduce((s, v, i) => s + (v - i) ** 2, 0);
        close(spearman(x, perm), 1 - (6 * d2) / (n * (n * n - 1)), 1e-9);
      },
    ),
  );
});

test('paired scores keep only rows both models scored, in the given order', () => {
  const a = [0.1, NaN, 0.3, 0.4, 0.5];
  const b = [1, 2, NaN, 4, 5];
  const p = pairScores(a, b, [4, 3, 2, 1, 0]);
  assert.deepEqual([...p.rows], [4, 3, 0]);
  assert.deepEqual([...p.a], [0.5, 0.4, 0.1]);
  assert.deepEqual([...p.b], [5, 4, 1]);
});

test('disagreements: the images ranked furthest apart come first, with their normalised ranks', () => {
  // Row 7 is A's top image and B's bottom one; row 9 the other way round; the rest agree.
  const p = pairScores([0.9, 0.1, 0.2, 0.3, 0.4], [0.0, 0.9, 0.2, 0.3, 0.4], [0, 1, 2, 3, 4]);
  p.rows = Uint32Array.from([7, 9, 2, 3, 4]);
  const d = disagreements(p, 3);
  assert.deepEqual(
    d.map((e) => [e.row, e.rankA, e.rankB, e.diff]),
    [
      [7, 1, 0, 1],
      [9, 0, 1, -1],
      [2, 0.25, 0.25, 0],
    ],
  );
  assert.deepEqual(disagreements(pairScores([1], [1], [0]), 5), []);
});

test('property: identical rankings never disagree; |diff| is non-increasing', () => {
  fc.assert(
    fc.property(pairsOf, ([x, y]) => {
      const rows = x.map((_, i) => i);
      for (const e of disagreements(pairScores(x, x, rows), x.length)) assert.equal(e.diff, 0);
      const d = disagreements(pairScores(x, y, rows), x.length);
      assert.equal(d.length, x.length);
      for (let i = 1; i < d.length; i++) assert.ok(Math.abs(d[i - 1].diff) >= Math.abs(d[i].diff));
      for (const e of d) assert.ok(e.rankA >= 0 && e.rankA <= 1 && e.rankB >= 0 && e.rankB <= 1);
    }),
  );
});

test('scatter: quadrants around the thresholds and ranges that hold every point', () => {
  const p = pairScores([0.2, 0.7, 0.6, 1.4, -0.1], [0.8, 0.9, 0.1, 0.2, 0.3], [0, 1, 2, 3, 4]);
  const s = scatter(p, 0.5, 0.5);
  assert.deepEqual(s.quadrants, { both: 1, onlyX: 2, onlyY: 1, neither: 1 });
  assert.deepEqual(s.xRange, [-0.1, 1.4]);
  assert.deepEqual(s.yRange, [0, 1]);
});

test('nearest point: within the radius in screen units, else none', () => {
  const s = { x: Float64Array.from([0.1, 0.5, 0.52]), y: Float64Array.from([0.1, 0.5, 0.5]) };
  // 100 px per unit: (0.51, 0.5) is 1 px from both of the last two; the first found wins the tie.
  assert.equal(nearestPoint(s, 0.51, 0.5, 100, 100, 4), 1);
  assert.equal(nearestPoint(s, 0.53, 0.5, 100, 100, 4), 2);
  assert.equal(nearestPoint(s, 0.3, 0.3, 100, 100, 4), -1);
});

test('comparing two columns of the panel table: pending and failed rows left out, filters respected', () => {
  const t = new RowTable(2);
  t.addRows(0, ['a', 'b', 'c', 'd', 'e'], [-1, -1, -1, -1, -1]);
  const cells: Cell[] = [
    [0, 0, 1, 0.1, null],
    [1, 0, 2, 0.3, null],
    [2, 0, 3, 0.6, null],
    [3, 0, 4, 0.9, null],
    [4, 0, null, null, 'CORRUPT'],
    [0, 1, 10, 0.2, null],
    [1, 1, 30, 0.7, null],
    [2, 1, 20, 0.4, null],
    // row 3 is still pending for model 1
  ];
  applyAll(t, cells);
  const c = compareColumns(t, [0, 1, 2, 3, 4], 0, 1, [0.5, 0.5]);
  assert.equal(c.n, 3);
  close(c.spearman, 0.5); // ranks [1,2,3] vs [1,3,2]: 1 - 6 * 2 / 24
  close(c.kendall, 1 / 3);
  assert.deepEqual([...c.scatter.x], [0.1, 0.3, 0.6]);
  assert.deepEqual([...c.scatter.y], [0.2, 0.7, 0.4]);
  assert.deepEqual(c.scatter.quadrants, { both: 0, onlyX: 1, onlyY: 1, neither: 1 });
  assert.deepEqual(
    c.disagreements.map((d) => d.row),
    [1, 2, 0],
  );
  // Filtered to two rows: the correlation is over those only.
  assert.equal(compareColumns(t, [0, 2], 0, 1, [0.5, 0.5]).spearman, 1);
});
