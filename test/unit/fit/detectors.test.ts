/** Pooling, patch rows, memory bank and score combination on generated feature maps. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { combineScores, standardiser } from '../../../src/core/fit/combine';
import { type FeatureMaps, meanStdPool, patchRows } from '../../../src/core/fit/features';
import { bankRowCount, buildMemoryBank, meanPerImage, patchDistances } from '../../../src/core/fit/patchcore';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';

const be = ortBackend(1);
after(() => be.release());

function randomMaps(n: number, c: number, h: number, w: number, seed: number): FeatureMaps {
  const g = gaussianRng(mulberry32(seed));
  return { data: Float32Array.from({ length: n * c * h * w }, () => Math.abs(g())), n, c, h, w };
}
const at = (m: FeatureMaps, i: number, c: number, y: number, x: number) => m.data[((i * m.c + c) * m.h + y) * m.w + x];

test('meanStdPool: per-channel mean then std over positions (optionally of log1p)', async () => {
  const m = randomMaps(3, 4, 5, 6, 1);
  for (const log1p of [false, true]) {
    const p = await meanStdPool(be, m, { log1p });
    assert.deepEqual([p.rows, p.cols], [3, 8]);
    for (let i = 0; i < 3; i++)
      for (let c = 0; c < 4; c++) {
        const vals: number[] = [];
        for (let y = 0; y < 5; y++)
          for (let x = 0; x < 6; x++) vals.push(log1p ? Math.log1p(at(m, i, c, y, x)) : at(m, i, c, y, x));
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
        assert.ok(Math.abs(p.data[i * 8 + c] - mean) < 1e-5);
        assert.ok(Math.abs(p.data[i * 8 + 4 + c] - sd) < 1e-4);
      }
  }
});

test('patchRows: image-major, row-major positions, 3x3 average without padding', async () => {
  const m = randomMaps(2, 3, 4, 5, 2);
  const rows = await patchRows(be, m);
  assert.deepEqual([rows.rows, rows.cols], [2 * 4 * 5, 3]);
  for (const [i, y, x] of [
    [0, 0, 0],
    [1, 2, 3],
    [1, 3, 4],
  ]) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let k = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < 4 && xx >= 0 && xx < 5) {
            s += at(m, i, c, yy, xx);
            k++;
          }
        }
      assert.ok(Math.abs(rows.data[((i * 4 + y) * 5 + x) * 3 + c] - s / k) < 1e-5);
    }
  }
  const raw = await patchRows(be, m, { aggregate: false });
  assert.equal(raw.data[((1 * 4 + 2) * 5 + 3) * 3 + 1], at(m, 1, 1, 2, 3));
});

test('memory bank: a planted odd patch is the farthest from the bank; bank rows score ~0', async () => {
  const normal = randomMaps(20, 16, 6, 6, 3);
  const bankSrc = await patchRows(be, normal);
  for (const [sampling, projectTo] of [
    ['greedy', 0],
    ['greedy', 8],
    ['random', 0],
  ] as const) {
    const mb = await buildMemoryBank(be, bankSrc, { coresetRatio: 0.25, sampling, projectTo, seed: 1 });
    assert.equal(mb.bank.rows, Math.round(bankSrc.rows * 0.25));
    const test = randomMaps(1, 16, 6, 6, 4);
    for (let c = 0; c < 16; c++) test.data[(c * 6 + 2) * 6 + 3] += 8; // one bright position
    const d = await patchDistances(be, mb, await patchRows(be, test, { aggregate: false }));
    const argmax = d.indexOf(Math.max(...d));
    assert.equal(argmax, 2 * 6 + 3, `${sampling}/${projectTo}: the planted position ranks first`);
  }
  const full = await buildMemoryBank(be, bankSrc, { coresetRatio: 1 });
  const self = await patchDistances(be, full, bankSrc);
  assert.equal(Math.max(...self), 0, 'a bank row is at exactly 0 from itself');
  assert.deepEqual([...meanPerImage(new Float32Array([1, 2, 3, 4, 5, 6]), 3)], [2, 5]);
});

test('memory bank minimum size: all rows below it, the ratio above it, and the greedy selection is only extended', async () => {
  const opts = { coresetRatio: 0.01, minRows: 1000 };
  assert.equal(bankRowCount(640, opts), 640, 'a small fit keeps every patch');
  assert.equal(bankRowCount(60_000, opts), 1000);
  // The shipped chest model: 885 images x 196 patches at 1% is 1,735 rows, above the minimum: unchanged.
  assert.equal(bankRowCount(885 * 196, opts), 1735);
  assert.equal(bankRowCount(885 * 196, { coresetRatio: 0.01 }), 1735);
  assert.throws(() => bankRowCount(10, { coresetRatio: 0.5, minRows: -1 }), /whole number/);

  const rows = await patchRows(be, randomMaps(30, 16, 6, 6, 6)); // 1080 rows
  const byRatio = await buildMemoryBank(be, rows, { coresetRatio: 0.05, seed: 2 });
  const belowRatio = await buildMemoryBank(be, rows, { coresetRatio: 0.05, minRows: 20, seed: 2 });
  const aboveRatio = await buildMemoryBank(be, rows, { coresetRatio: 0.05, minRows: 200, seed: 2 });
  assert.equal(byRatio.bank.rows, 54);
  assert.deepEqual(belowRatio.bank.data, byRatio.bank.data, 'a minimum under the ratio changes nothing');
  assert.equal(aboveRatio.bank.rows, 200);
  assert.deepEqual(
    aboveRatio.bank.data.subarray(0, 54 * 16),
    byRatio.bank.data,
    'a larger minimum continues the same greedy sequence',
  );
});

test('memory bank rejects a ratio outside (0, 1]', async () => {
  const rows = await patchRows(be, randomMaps(1, 2, 2, 2, 5));
  await assert.rejects(buildMemoryBank(be, rows, { coresetRatio: 0 }), /coreset ratio/);
});

test('combineScores: calibration-standardised weighted sum', () => {
  const a = standardiser([1, 2, 3]);
  const b = standardiser([10, 10, 10]); // constant: sd falls back to 1
  assert.deepEqual(a, { mean: 2, sd: 1 });
  assert.deepEqual(b, { mean: 10, sd: 1 });
  assert.deepEqual(
    [
      ...combineScores([
        { scores: [3, 1], std: a },
        { scores: [12, 10], std: b, weight: 0.5 },
      ]),
    ],
    [2, -1],
  );
});
