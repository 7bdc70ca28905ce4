/**
 * Cross-fitted scores are what their definitions say, checked against plain JavaScript references: the
 * Gaussian refitted without each group, the nearest patch of another group when the bank holds every
 * patch, and the repaired coreset (bank less the group's rows, re-covered and extended farthest-first)
 * when it does not.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix, selectRows } from '../../../src/core/fit/compute';
import { greedyCoreset } from '../../../src/core/fit/coreset';
import { crossFittedScores } from '../../../src/core/fit/crossfit';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { bankRowCount, buildMemoryBank } from '../../../src/core/fit/patchcore';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';

const be = ortBackend(1);
after(() => be.release());

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const g = gaussianRng(mulberry32(seed));
  return matrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => g()),
  );
}

function dist2(x: Matrix, a: number, y: Matrix, b: number): number {
  let s = 0;
  for (let k = 0; k < x.cols; k++) s += (x.data[a * x.cols + k] - y.data[b * y.cols + k]) ** 2;
  return s;
}

// 9 images, 7 patient groups (two patients with two images each).
const GROUPS = ['a', 'b', 'b', 'c', 'd', 'e', 'e', 'f', 'g'];
const HW = 8;

test('global part, one fold per group: each image scored by the Gaussian fitted without its group', async () => {
  const pooled = randomMatrix(GROUPS.length, 5, 1);
  const cf = await crossFittedScores(be, { pooled, patchesPerImage: HW, groups: GROUPS, seed: 0 });
  assert.equal(cf.folds, 7);
  assert.equal(cf.groups, 7);
  assert.deepEqual(
    [...cf.images],
    GROUPS.map((_, i) => i),
  );
  for (let i = 0; i < GROUPS.length; i++) {
    const others = GROUPS.map((g, j) => (g === GROUPS[i] ? -1 : j)).filter((j) => j >= 0);
    const model = await fitGaussian(be, selectRows(pooled, others));
    const [ref] = await gaussianScores(be, model, selectRows(pooled, [i]));
    assert.ok(Math.abs(cf.global![i] - ref) < 1e-4 * ref, `image ${i}: ${cf.global![i]} vs ${ref}`);
  }
  const three = await crossFittedScores(be, { pooled, patchesPerImage: HW, groups: GROUPS, seed: 0 }, { maxFolds: 3 });
  assert.equal(three.folds, 3);
  await assert.rejects(
    crossFittedScores(be, { pooled, patchesPerImage: HW, groups: GROUPS.map(() => 'one'), seed: 0 }),
    /at least 2 groups/,
  );
});

test('local part, bank of every patch: the nearest patch of another group, exactly', async () => {
  const patches = randomMatrix(GROUPS.length * HW, 6, 2);
  const opts = { coresetRatio: 0.1, minRows: 1000 };
  const bank = await buildMemoryBank(be, patches, { ...opts, keepSelection: true });
  assert.equal(bank.bank.rows, patches.rows);
  const cf = await crossFittedScores(be, {
    patches,
    bank,
    bankOptions: opts,
    patchesPerImage: HW,
    groups: GROUPS,
    seed: 0,
  });
  for (let r = 0; r < patches.rows; r++) {
    let best = Infinity;
    for (let o = 0; o < patches.rows; o++)
      if (GROUPS[Math.floor(o / HW)] !== GROUPS[Math.floor(r / HW)])
        best = Math.min(best, dist2(patches, r, patches, o));
    assert.ok(Math.abs(cf.maps![r] - Math.sqrt(best)) < 1e-4, `patch ${r}: ${cf.maps![r]} vs ${Math.sqrt(best)}`);
  }
  const mean0 = cf.maps!.subarray(0, HW).reduce((a, b) => a + b, 0) / HW;
  assert.ok(Math.abs(cf.local![0] - mean0) < 1e-5);
});

for (const [label, groups, hw, ratio, minRows, projectTo] of [
  ['a small fit', GROUPS, HW, 0.25, 0, 0],
  // 640 rows and a 40-row bank (its minimum): the refill searches only the rows farthest from the bank
  // (and checks that it may).
  ['a bigger fit', Array.from({ length: 40 }, (_, i) => `p${Math.floor(i / 2)}`), 16, 0.01, 40, 0],
  // The selection measures distances in a random projection (PatchCore's), the search in full width.
  ['a projected selection', Array.from({ length: 40 }, (_, i) => `p${Math.floor(i / 2)}`), 16, 0.01, 40, 4],
] as const) {
  test(`local part, greedy coreset (${label}): the bank less the group's rows, repaired farthest-first to the size of a fit without it`, async () => {
    const patches = randomMatrix(groups.length * hw, 6, 3);
    const opts = { coresetRatio: ratio, minRows };
    const bank = await buildMemoryBank(be, patches, {
      ...opts,
      selectionProjectTo: projectTo,
      seed: 4,
      keepSelection: true,
    });
    assert.ok(bank.selection && bank.bank.rows === bankRowCount(patches.rows, opts));
    assert.equal(bank.selection.projection?.cols, projectTo || undefined);
    const cf = await crossFittedScores(be, { patches, bank, bankOptions: opts, patchesPerImage: hw, groups, seed: 0 });
    // The selection's space: the rows themselves, or their projection.
    const w = bank.selection.projection;
    const sel = w
      ? matrix(
          patches.rows,
          w.cols,
          Float32Array.from({ length: patches.rows * w.cols }, (_, i) => {
            const [r, c] = [Math.floor(i / w.cols), i % w.cols];
            let v = 0;
            for (let k = 0; k < patches.cols; k++) v += patches.data[r * patches.cols + k] * w.data[k * w.cols + c];
            return v;
          }),
        )
      : patches;
    const src = [...bank.sourceRows!];
    const groupOfRow = (r: number) => groups[Math.floor(r / hw)];
    let repaired = 0;
    for (const g of new Set(groups)) {
      // Reference: the rows kept, then farthest-first over the other groups' rows from their distances to them.
      const groupRows = Array.from({ length: patches.rows }, (_, r) => r).filter((r) => groupOfRow(r) === g);
      const kept = src.filter((r) => groupOfRow(r) !== g);
      const target = bankRowCount(patches.rows - groupRows.length, opts);
      const mind = Array.from({ length: patches.rows }, (_, r) =>
        groupOfRow(r) === g ? -Infinity : Math.min(...kept.map((k) => dist2(sel, r, sel, k))),
      );
      const added: number[] = [];
      while (kept.length + added.length < target) {
        const next = mind.indexOf(Math.max(...mind));
        added.push(next);
        for (let r = 0; r < mind.length; r++)
          if (mind[r] !== -Infinity) mind[r] = Math.min(mind[r], dist2(sel, r, sel, next));
      }
      for (const r of groupRows) {
        const minus = Math.sqrt(Math.min(...kept.map((k) => dist2(patches, r, patches, k))));
        const ref = Math.sqrt(Math.min(...[...kept, ...added].map((k) => dist2(patches, r, patches, k))));
        assert.ok(
          Math.abs(cf.maps![r] - ref) < 1e-4,
          `group ${g}, patch ${r}: ${cf.maps![r]} vs ${ref} (bank less the group: ${minus})`,
        );
        if (ref < minus - 1e-3) repaired++;
      }
    }
    assert.ok(repaired > 0, 'the repair changed some distances (the test would not notice a missing repair otherwise)');
  });
}

test("the greedy selection keeps each row's nearest selected row", async () => {
  const x = randomMatrix(120, 5, 6);
  const cs = await greedyCoreset(be, x, 15, { projectTo: 0, seed: 2 });
  for (let r = 0; r < x.rows; r++) {
    let best = -1;
    for (const s of cs.indices) if (best < 0 || dist2(x, r, x, s) < dist2(x, r, x, best)) best = s;
    assert.equal(cs.assign[r], best, `row ${r}`);
    assert.ok(Math.abs(cs.coverage2[r] - dist2(x, r, x, best)) < 1e-4);
  }
});

test('big folders: at most maxImages images are scored, whole groups, the model still fitted on all', async () => {
  const groups = Array.from({ length: 40 }, (_, i) => `p${Math.floor(i / 2)}`);
  const pooled = randomMatrix(40, 4, 7);
  const cf = await crossFittedScores(
    be,
    { pooled, patchesPerImage: HW, groups, seed: 0 },
    { maxImages: 10, maxFolds: 4 },
  );
  assert.equal(cf.images.length, 10);
  assert.equal(cf.global!.length, 10);
  const chosen = new Set([...cf.images].map((i) => groups[i]));
  assert.equal(chosen.size, 5, 'whole patients');
  assert.equal(cf.folds, 4);
});
