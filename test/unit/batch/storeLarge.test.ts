// A 100,000-row store loads through its index to exactly the table that reading the whole log gives:
// every row, the look-ups by path and by content, the rows of one model, and rows appended after the
// index. Speed is bench:batch's business; the one speed check here is a ratio measured in this run
// (CPU time of loading through the index against parsing the log), never a clock bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRow } from '../../../src/core/batch/jsonl';
import type { BatchRow, ModelRef } from '../../../src/core/batch/types';
import { loadResults, ResultStore } from '../../../src/engine/batch/store';

const N = 100_000;
const A: ModelRef = { id: 'chest', version: '1.0.0', prep: '0123456789abcdef' };
const B: ModelRef = { id: 'hand', version: '2.1', prep: 'fedcba9876543210' };

/** Rows of two models, every optional field present somewhere, non-ASCII paths, errors without stage. */
function rowOf(j: number): BatchRow {
  const m = j % 10 === 0 ? B : A;
  const r: BatchRow = {
    path: j % 997 === 0 ? `étude ${j}/bild-ü-${j}.dcm` : `study${Math.floor(j / 100)}/image-${j}.dcm`,
    modelId: m.id,
    modelVersion: m.version,
    prep: m.prep,
    hash: j % 5003 === 0 ? '' : (j * 2654435761).toString(16).padStart(64, '0'),
    size: 1_000_000 + j,
    mtimeMs: 1.79e12 + j + 0.25,
    ms: j % 50,
    at: `2026-12-06T10:${String(Math.floor(j / 6000) % 60).padStart(2, '0')}:00.000Z`,
  };
  if (j % 37 === 0)
    r.error = j % 74 === 0 ? { code: 'CORRUPT', message: `bad ${j}`, stage: 'decode' } : { code: 'X', message: 'm' };
  else {
    r.score = {
      raw: Math.sin(j),
      normalized: 0.5 + Math.sin(j) / 4,
      threshold: 0.3,
      aboveThreshold: Math.sin(j) > 0.3,
    };
    if (j % 3) r.score.span = 2;
    r.provider = j % 7 ? 'cpu' : 'cuda';
    if (j % 4) r.thumb = `thumbs/${j % 256}/${j}.webp`;
    if (j % 8 === 1) r.heatmap = `heatmaps/m/${j}.webp`;
  }
  return r;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

test('a 100,000-row store loads through its index to the same table as its log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-100k-'));
  try {
    const f = join(dir, 'r.jsonl');
    const s = await ResultStore.open(f);
    for (let i = 0; i < N; i += 10_000) await s.append(Array.from({ length: 10_000 }, (_, k) => rowOf(i + k)));
    // A second pass over some files (re-scored): the table keeps their latest row, in first-seen place.
    await s.append([rowOf(5), { ...rowOf(20), ms: 999 }]);
    await s.close();
    appendFileSync(f, formatRow({ ...rowOf(7), ms: 777 }) + formatRow(rowOf(N))); // another writer, after the index

    // The reference: the log alone, parsed line by line (the index moved aside meanwhile).
    renameSync(`${f}.idx`, `${f}.idx.aside`);
    let c0 = cpuMs();
    const fromLog = await loadResults(f);
    const logCpu = cpuMs() - c0;
    assert.equal(fromLog.info.rebuilt, true);
    renameSync(`${f}.idx.aside`, `${f}.idx`);
    c0 = cpuMs();
    const loaded = await loadResults(f);
    const t = loaded.table;
    assert.ok(t.get('study9/image-999.dcm', A));
    const indexCpu = cpuMs() - c0;

    assert.equal(loaded.info.rebuilt, false);
    assert.equal(loaded.info.indexRows, N);
    assert.equal(loaded.info.tailRows, 2);
    assert.equal(t.size, N + 1);
    assert.deepEqual(t.models(), [B, A]);
    assert.equal(t.get('study0/image-20.dcm', B)?.ms, 999);
    assert.equal(t.get('study0/image-7.dcm', A)?.ms, 777);
    assert.equal(t.get('étude 997/bild-ü-997.dcm', A)?.path, 'étude 997/bild-ü-997.dcm');
    assert.equal(t.get('study0/image-7.dcm', B), undefined);
    assert.equal(t.byContent(rowOf(12).hash, A)?.path, 'study0/image-12.dcm');
    assert.equal(t.byContent(rowOf(37).hash, A), undefined, 'an error row is not a re-usable result');
    const want = fromLog.table.rows;
    assert.deepEqual(
      t.rowsOf([B]).map((r) => r.path),
      want.filter((r) => r.modelId === B.id).map((r) => r.path),
    );
    // Row for row, field for field, key order included (a reader re-serialising gets the same JSON).
    const got = t.rows;
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++)
      if (JSON.stringify(got[i]) !== JSON.stringify(want[i]))
        assert.fail(`row ${i}: ${JSON.stringify(got[i])} != ${JSON.stringify(want[i])}`);
    // The cost is reported, not asserted: a CPU-time ratio in a unit test failed at random with two suites
    // sharing 2 cores (477 vs 993 ms, seed -701360234); speed claims belong to the benchmarks.
    console.log(`100,000 rows: through the index ${indexCpu.toFixed(0)} CPU ms, the log alone ${logCpu.toFixed(0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
