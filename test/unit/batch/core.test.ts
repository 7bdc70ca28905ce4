// The pure core of the batch service: keys, JSON Lines repair, the compact index, planning, merging,
// shards from cluster environments, cache eviction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, modelKey, preprocessingHash } from '../../../src/core/batch/keys';
import { formatRow, parseRows, tailRepair } from '../../../src/core/batch/jsonl';
import { decodeIndex, encodeIndex } from '../../../src/core/batch/rowIndex';
import { ResultTable } from '../../../src/core/batch/table';
import { planBatch } from '../../../src/core/batch/plan';
import { mergeRows } from '../../../src/core/batch/merge';
import { resolveShard } from '../../../src/core/batch/shard';
import { evictionPlan } from '../../../src/core/batch/evict';
import { RateMeter } from '../../../src/core/batch/progress';
import { storeLocation } from '../../../src/core/batch/location';
import { BatchSizer } from '../../../src/core/batch/batchSize';
import type { BatchRow, ModelRef } from '../../../src/core/batch/types';

const A: ModelRef = { id: 'a', version: '1', prep: '0000000000000001' };
const A2: ModelRef = { id: 'a', version: '2', prep: '0000000000000001' };
const B: ModelRef = { id: 'b', version: '1', prep: '0000000000000002' };

function row(path: string, m: ModelRef, over: Partial<BatchRow> = {}): BatchRow {
  return {
    path,
    modelId: m.id,
    modelVersion: m.version,
    prep: m.prep,
    hash: `h-${path}`,
    size: 100,
    mtimeMs: 1000,
    score: { raw: 1.5, normalized: 0.6, threshold: 1, aboveThreshold: true },
    provider: 'cpu',
    ms: 12,
    at: '2026-12-06T10:00:00.000Z',
    ...over,
  };
}

test('preprocessing hash: key order does not matter, content does', () => {
  const m1 = { input: { name: 'x', width: 8, height: 8 }, preprocessing: { steps: [{ op: 'resize', width: 8 }] } };
  const m2 = { preprocessing: { steps: [{ width: 8, op: 'resize' }] }, input: { height: 8, width: 8, name: 'x' } };
  assert.equal(preprocessingHash(m1), preprocessingHash(m2));
  assert.match(preprocessingHash(m1), /^[0-9a-f]{16}$/);
  assert.notEqual(preprocessingHash(m1), preprocessingHash({ ...m1, input: { ...m1.input, width: 9 } }));
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] }), '{"a":[1,{"d":2}],"b":1}');
  assert.notEqual(modelKey(A), modelKey(A2));
});

test('torn tails: a complete row is closed, a torn one cut; damaged lines are skipped and counted', () => {
  const line = formatRow(row('x.png', A));
  assert.equal(tailRepair(''), 'none');
  assert.equal(tailRepair(line.trimEnd()), 'close');
  assert.equal(tailRepair(line.slice(0, 40)), 'truncate');
  assert.equal(tailRepair('{"a":1}'), 'truncate');
  const parsed = parseRows(line + 'garbage\n' + formatRow(row('y.png', A)));
  assert.deepEqual(
    parsed.rows.map((r) => r.path),
    ['x.png', 'y.png'],
  );
  assert.deepEqual(parsed.badLines, [2]);
  // First-format CLI records still read (no hash/prep: never matched, so re-scored).
  const legacy = parseRows('{"path":"p.png","modelId":"a","modelVersion":"1","ms":3,"at":"t"}\n');
  assert.equal(legacy.rows[0].prep, '');
  assert.equal(legacy.rows[0].hash, '');
  // Quality measures are kept when whole and dropped (not the row) when malformed.
  const q = { width: 2, height: 3, mean: 9, p1: 0, p99: 20, entropy: 1.5, sharpness: 3, phash: '00ff00ff00ff00ff' };
  const base = '"path":"q.png","modelId":"a","modelVersion":"1","ms":3,"at":"t"';
  const withQ = parseRows(`{${base},"quality":${JSON.stringify(q)}}\n{${base},"quality":{"mean":"dark"}}\n`);
  assert.deepEqual(withQ.rows[0].quality, q);
  assert.equal(withQ.rows.length, 2);
  assert.equal(withQ.rows[1].quality, undefined);
});

const arbRow = fc.record({
  path: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\n')),
  m: fc.constantFrom(A, A2, B),
  ok: fc.boolean(),
  raw: fc.double({ noNaN: true, noDefaultInfinity: true }),
  size: fc.integer({ min: 0, max: 2 ** 40 }),
  mtimeMs: fc.double({ min: 0, max: 2e12, noNaN: true }),
  thumb: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
  msg: fc.string({ unit: 'binary', maxLength: 30 }),
  quality: fc.option(
    fc
      .record({
        width: fc.nat(),
        height: fc.nat(),
        mean: fc.double({ min: 0, max: 255, noNaN: true }),
        p1: fc.nat(255),
        p99: fc.nat(255),
        entropy: fc.double({ min: 0, max: 8, noNaN: true }),
        sharpness: fc.double({ min: 0, max: 1e5, noNaN: true }),
        phash: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => v.toString(16).padStart(16, '0')),
      })
      // fast-check's records have no prototype; rows read back are plain objects.
      .map((q) => ({ ...q })),
    { nil: undefined },
  ),
});

test('the index decodes to exactly the rows it encoded, with its coverage', () => {
  fc.assert(
    fc.property(fc.array(arbRow, { maxLength: 60 }), (specs) => {
      const rows = specs.map((s) =>
        row(s.path, s.m, {
          size: s.size,
          mtimeMs: s.mtimeMs,
          ...(s.ok
            ? { score: { raw: s.raw, normalized: 0.25, threshold: 2, aboveThreshold: false } }
            : { score: undefined, error: { code: 'CORRUPT', message: s.msg, stage: 'decode' } }),
          ...(s.thumb ? { thumb: s.thumb } : {}),
          ...(s.quality ? { quality: s.quality } : {}),
        }),
      );
      for (const r of rows) if (!r.score) delete r.score;
      const d = decodeIndex(encodeIndex(rows, { coveredBytes: 1234, headHash: 'abc' }));
      assert.equal(d.coveredBytes, 1234);
      assert.equal(d.headHash, 'abc');
      assert.deepEqual(
        Array.from({ length: d.rows.size }, (_, i) => d.rows.row(i)),
        rows,
      );
    }),
  );
  assert.throws(() => decodeIndex(new Uint8Array(20)), /not a results index/);
  const good = encodeIndex([row('a', A)], { coveredBytes: 1, headHash: 'x' });
  assert.throws(() => decodeIndex(good.subarray(0, good.length - 1)), /wrong size/);
});

test('table: the latest row per file and model wins; results are found by content', () => {
  const t = new ResultTable([row('x', A, { score: { raw: 1, normalized: 0.1, threshold: 1, aboveThreshold: false } })]);
  t.add(row('x', A, { score: { raw: 9, normalized: 0.9, threshold: 1, aboveThreshold: true } }));
  t.add(row('x', B));
  assert.equal(t.size, 2);
  assert.equal(t.get('x', A)?.score?.raw, 9);
  assert.equal(t.byContent('h-x', A)?.path, 'x');
  assert.equal(t.byContent('h-x', A2), undefined);
  assert.deepEqual(t.models(), [A, B]);
});

test('plan: unchanged skipped, touched re-hashed, changed and new scored, a new model version only its rows', () => {
  const t = new ResultTable([
    row('same.png', A),
    row('touched.png', A, { mtimeMs: 5 }),
    row('grown.png', A, { size: 1 }),
    row('failed.png', A, { score: undefined, error: { code: 'CORRUPT', message: 'bad' } }),
    row('crashed.png', A, { score: undefined, error: { code: 'ENGINE_CRASHED', message: 'x' } }),
  ]);
  const files = ['same.png', 'touched.png', 'grown.png', 'failed.png', 'crashed.png', 'new.png'].map((path) => ({
    path,
    size: 100,
    mtimeMs: 1000,
  }));
  const p = planBatch(files, t, [A]);
  assert.deepEqual(
    p.items.map((i) => i.path),
    ['touched.png', 'grown.png', 'crashed.png', 'new.png'],
  );
  assert.equal(p.items[0].knownHash, 'h-touched.png');
  assert.equal(p.items[1].knownHash, 'h-grown.png');
  assert.equal(p.items[3].knownHash, undefined);
  assert.equal(p.upToDate, 2);
  assert.deepEqual(p.reasons, { new: 1, changed: 2, retry: 1, newModel: 0 });
  assert.deepEqual(
    planBatch(files, t, [A], { rescoreErrors: true }).items.map((i) => i.path),
    ['touched.png', 'grown.png', 'failed.png', 'crashed.png', 'new.png'],
  );
  // A new version of the model: every file needs it, and nothing of version 1 is touched.
  const p2 = planBatch(files.slice(0, 1), t, [A, A2]);
  assert.deepEqual(p2.items[0].models, [A2]);
  assert.equal(p2.reasons.newModel, 1);
  assert.equal(p2.upToDate, 1);
});

test('merge: latest row per file and model, sorted, independent of the order of the sources', () => {
  fc.assert(
    fc.property(fc.array(arbRow, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (specs, n) => {
      const rows = specs.map((s, i) =>
        row(s.path, s.m, { at: `2026-12-06T10:00:${String(i % 60).padStart(2, '0')}Z` }),
      );
      const shards: BatchRow[][] = Array.from({ length: n }, () => []);
      rows.forEach((r, i) => shards[i % n].push(r));
      const merged = mergeRows(shards);
      assert.deepEqual(mergeRows([...shards].reverse()).map(formatRow), merged.map(formatRow));
      assert.equal(new Set(merged.map((r) => `${r.modelVersion}${r.modelId}\u0000${r.path}`)).size, merged.length);
      for (let i = 1; i < merged.length; i++) assert.ok(merged[i - 1].path <= merged[i].path);
    }),
  );
});

test('shard: --shard wins, then Kubernetes Indexed Job, then Slurm array; bad values are explained', () => {
  assert.deepEqual(resolveShard('1/3', { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '2' }), {
    shard: { index: 1, count: 3 },
    from: '--shard',
  });
  assert.deepEqual(resolveShard(undefined, { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '4' }).shard, {
    index: 2,
    count: 4,
  });
  assert.deepEqual(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }).shard, {
    index: 3,
    count: 4,
  });
  assert.deepEqual(
    resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }).shard,
    { index: 3, count: 4 },
  );
  assert.equal(resolveShard(undefined, {}).from, 'none');
  assert.throws(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '1' }), /JOB_COMPLETIONS is not/);
  assert.throws(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' }), /0 <= i < n/);
  assert.throws(() => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }), /whole/);
});

test('eviction: least recently used first, down to 90% of the cap', () => {
  const files = [
    { path: 'a', bytes: 40, usedMs: 3 },
    { path: 'b', bytes: 40, usedMs: 1 },
    { path: 'c', bytes: 40, usedMs: 2 },
  ];
  assert.deepEqual(evictionPlan(files, 200), []);
  assert.deepEqual(
    evictionPlan(files, 100).map((f) => f.path),
    ['b'],
  );
  assert.deepEqual(
    evictionPlan(files, 70).map((f) => f.path),
    ['b', 'c'],
  );
});

test('rate meter: items per second over the recent window, and the ETA from it', () => {
  let t = 0;
  const m = new RateMeter(() => t, 5000);
  m.mark(0);
  assert.equal(m.rate(), undefined);
  t = 1000;
  m.mark(10);
  assert.equal(m.rate(), 10);
  assert.equal(m.eta(50), 5);
  for (t = 2000; t <= 20000; t += 1000) m.mark(10 + (t / 1000 - 1) * 20);
  assert.ok(Math.abs(m.rate()! - 20) < 1e-9);
});

test('store location: one folder per scored folder, readable and unique', () => {
  const a = storeLocation('/ws', 'data/cxr');
  assert.match(a.store, /^\/ws\/\.xray-anomaly\/batch\/data-cxr-[0-9a-f]{8}\/results\.jsonl$/);
  assert.equal(a.media, a.store.replace('/results.jsonl', '/media'));
  assert.equal(storeLocation('/ws/', '/data/cxr/').store, a.store);
  assert.notEqual(storeLocation('/ws', 'data-cxr').store, a.store);
  assert.match(storeLocation('/ws', '').store, /batch\/workspace-/);
});

test('batch size: doubled while it pays (15% less time per input), kept at the first doubling that does not', () => {
  // Per-input cost by batch size: batching pays up to 4 here, then stops paying.
  const cost: Record<number, number> = { 1: 10, 2: 6, 4: 4, 8: 3.9, 16: 3 };
  const s = new BatchSizer(16, 4);
  let guard = 0;
  while (s.chosen === undefined && guard++ < 100) s.record(s.target, cost[s.target] * s.target);
  assert.equal(s.chosen, 4);
  // A model that gets slower per input in batches (PatchCore's distance matrix) stays at 1.
  const slow = new BatchSizer(16, 4);
  while (slow.chosen === undefined) slow.record(slow.target, slow.target === 1 ? 10 : 30 * slow.target);
  assert.equal(slow.chosen, 1);
  // Part batches are not evidence; a fixed batch dimension never probes.
  const part = new BatchSizer(16, 2);
  part.record(1, 10);
  part.record(1, 10);
  assert.equal(part.target, 2);
  part.record(1, 1);
  assert.equal(part.target, 2);
  assert.equal(new BatchSizer(1).chosen, 1);
  // Always improving: it stops at the maximum.
  const up = new BatchSizer(8, 1);
  while (up.chosen === undefined) up.record(up.target, 10);
  assert.equal(up.chosen, 8);
});
