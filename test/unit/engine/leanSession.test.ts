/**
 * Lean sessions in the engine (leanSession.ts, ModelRegistry.leanSession, ModelBatcher): made only when a
 * score-only run asks, from the file on disk, kept on the full session (and logged) where no cut pays or the
 * file changed; the batcher runs score-only inputs on it, with the same scores as the full graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp, utimesSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { checkModelIO, parseManifest } from '../../../src/core/model/validate';
import { EMBEDDING_OUTPUT } from '../../../src/core/similar/tap';
import { ModelBatcher } from '../../../src/engine/batch/batcher';
import { KeyedQueue } from '../../../src/engine/keyedQueue';
import { ModelRegistry } from '../../../src/engine/modelRegistry';
import { ortFactory } from '../../../src/engine/providers';
import { seededInputs, writeAnomalyMapModel, writeTwoHeadModel } from '../../fixtures/models';

const SCORE = ['pred_score', EMBEDDING_OUTPUT];

/** `created.threads`: the intra-op threads of each session made, in order; `released`: releases per session. */
function registry(
  logs: string[],
  created: { n: number; threads?: number[]; released?: Map<ort.InferenceSession, number> },
  threads = { threads: 1, batchThreads: undefined as number | undefined },
) {
  const queue = new KeyedQueue();
  const factory = ortFactory(() => ort);
  const models = new ModelRegistry({
    core: { parseManifest, checkModelIO },
    files: { readFile: (p) => fsp.readFile(p), stat: (p) => fsp.stat(p) },
    factory: {
      supported: () => factory.supported(),
      create: async (bytes, options) => {
        created.n++;
        created.threads?.push(options.intraOpNumThreads ?? 0);
        const s = await factory.create(bytes, options);
        const release = s.release.bind(s);
        s.release = () => {
          created.released?.set(s, (created.released.get(s) ?? 0) + 1);
          return release();
        };
        return s;
      },
    },
    queue,
    platform: process.platform,
    ...threads,
    env: {},
    log: (level, msg) => logs.push(`${level} ${msg}`),
  });
  return { models, queue };
}

const work = mkdtempSync(join(tmpdir(), 'lean-'));

test('the lean session is made on first ask only, once, and is the graph cut to the score; scores equal the full run', async () => {
  const logs: string[] = [];
  const created = { n: 0 };
  const { models, queue } = registry(logs, created);
  const m = writeTwoHeadModel(join(work, 'two'), { height: 32, width: 32 });
  const info = await models.load(m.manifestPath, 'cpu');
  assert.equal(created.n, 1, 'loading makes the full session only');
  const entry = models.get(info.modelKey);
  const batcher = new ModelBatcher({
    session: entry.session,
    inputName: 'input',
    modelId: info.modelId,
    modelKey: info.modelKey,
    queue,
    ort: () => ort,
    maxBatch: 4,
    lean: { outputs: SCORE, session: () => models.leanSession(info.modelKey, SCORE) },
  });
  const inputs = seededInputs(5, 6);
  const dims = [1, 1, 32, 32];
  const full = await Promise.all(inputs.map((t) => batcher.run(t, dims)));
  assert.equal(created.n, 1, 'runs that want every output never make the lean session');
  assert.equal(batcher.stats.leanItems, 0);
  const lean = await Promise.all(inputs.map((t) => batcher.run(t, dims, SCORE)));
  assert.equal(created.n, 2);
  assert.equal(batcher.stats.leanItems, 6);
  lean.forEach((out, i) => {
    assert.deepEqual(Object.keys(out).sort(), [...SCORE].sort());
    for (const name of SCORE) assert.deepEqual(out[name].data, full[i][name].data, `${name} of input ${i}`);
  });
  assert.equal(await models.leanSession(info.modelKey, SCORE), await models.leanSession(info.modelKey, SCORE));
  assert.equal(created.n, 2, 'made once');
  const line = logs.find((l) => l.includes('runs fetching only'));
  assert.match(line ?? '', /^info .*twohead.*use the graph cut to them \(\d+ of \d+ nodes/);
});

test('a model whose score reads its map keeps the full session for score-only runs, and says so', async () => {
  const logs: string[] = [];
  const created = { n: 0 };
  const { models } = registry(logs, created);
  const m = writeAnomalyMapModel(join(work, 'amap'), { height: 32, width: 32 });
  const info = await models.load(m.manifestPath, 'cpu');
  const s = await models.leanSession(info.modelKey, ['pred_score']);
  assert.equal(s, models.get(info.modelKey).session);
  assert.equal(created.n, 1);
  assert.match(logs.find((l) => l.includes('runs fetching only')) ?? '', /use the full graph: the cut keeps/);
});

test('an ONNX file changed since the load is not cut: the full session stays', async () => {
  const logs: string[] = [];
  const created = { n: 0 };
  const { models } = registry(logs, created);
  const m = writeTwoHeadModel(join(work, 'changed'));
  const info = await models.load(m.manifestPath, 'cpu');
  utimesSync(m.onnxPath, new Date(), new Date(Date.now() + 60_000));
  const s = await models.leanSession(info.modelKey, SCORE);
  assert.equal(s, models.get(info.modelKey).session);
  assert.match(logs.find((l) => l.includes('runs fetching only')) ?? '', /^warn .*changed since it was loaded/);
});

test('batch runs get sessions of their own thread count, made once on first ask; equal counts share the viewer sessions', async () => {
  const logs: string[] = [];
  const created = { n: 0, threads: [] as number[], released: new Map<ort.InferenceSession, number>() };
  const { models, queue } = registry(logs, created, { threads: 2, batchThreads: 1 });
  const m = writeTwoHeadModel(join(work, 'batch-threads'), { height: 32, width: 32 });
  const info = await models.load(m.manifestPath, 'cpu');
  const entry = models.get(info.modelKey);
  assert.deepEqual(created.threads, [2], 'loading makes the viewer session only');
  const full = await models.batchSession(info.modelKey);
  const lean = await models.batchSession(info.modelKey, SCORE);
  assert.deepEqual(created.threads, [2, 1, 1], 'a full and a cut session, one thread each');
  assert.notEqual(full, entry.session);
  assert.notEqual(lean, full);
  assert.equal(await models.batchSession(info.modelKey), full, 'made once');
  assert.equal(await models.batchSession(info.modelKey, SCORE), lean);
  assert.equal(created.n, 3);
  // The batcher runs on them, with the viewer session's scores.
  const batcher = new ModelBatcher({
    session: entry.session,
    full: () => models.batchSession(info.modelKey),
    inputName: 'input',
    modelId: info.modelId,
    modelKey: info.modelKey,
    queue,
    ort: () => ort,
    maxBatch: 4,
    lean: { outputs: SCORE, session: () => models.batchSession(info.modelKey, SCORE) },
  });
  const inputs = seededInputs(7, 5);
  const dims = [1, 1, 32, 32];
  const viewer = await Promise.all(inputs.map((t) => entry.session.run({ input: new ort.Tensor('float32', t, dims) })));
  const all = await Promise.all(inputs.map((t) => batcher.run(t, dims)));
  const scoreOnly = await Promise.all(inputs.map((t) => batcher.run(t, dims, SCORE)));
  assert.equal(batcher.stats.leanItems, 5, 'only the cut session counts as lean');
  inputs.forEach((_, i) => {
    for (const name of SCORE) {
      assert.deepEqual(all[i][name].data, viewer[i][name].data, `${name} of input ${i}, all outputs`);
      assert.deepEqual(scoreOnly[i][name].data, viewer[i][name].data, `${name} of input ${i}, score only`);
    }
  });
  // An edited model supersedes them all: each distinct session is released once.
  utimesSync(m.manifestPath, new Date(), new Date(Date.now() + 60_000));
  await models.load(m.manifestPath, 'cpu');
  await queue.run(info.modelKey, async () => undefined);
  for (let i = 0; i < 50 && created.released.size < 3; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    [entry.session, full, lean].map((s) => created.released.get(s)),
    [1, 1, 1],
  );

  // Equal thread counts: the viewer's sessions.
  const same = registry(logs, { n: 0 }, { threads: 1, batchThreads: 1 }).models;
  const k = (await same.load(m.manifestPath, 'cpu')).modelKey;
  assert.equal(await same.batchSession(k), same.get(k).session);
  assert.equal(await same.batchSession(k, SCORE), await same.leanSession(k, SCORE));
});

test('a model whose cut does not pay runs its score-only batches on the batch full session', async () => {
  const logs: string[] = [];
  const created = { n: 0, threads: [] as number[] };
  const { models } = registry(logs, created, { threads: 2, batchThreads: 1 });
  const m = writeAnomalyMapModel(join(work, 'amap-batch'), { height: 32, width: 32 });
  const info = await models.load(m.manifestPath, 'cpu');
  const lean = await models.batchSession(info.modelKey, ['pred_score']);
  assert.equal(lean, await models.batchSession(info.modelKey));
  assert.notEqual(lean, models.get(info.modelKey).session);
  assert.deepEqual(created.threads, [2, 1]);
});
