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
import { mulberry32, writeAnomalyMapModel, writeTwoHeadModel } from '../../fixtures/models';

const SCORE = ['pred_score', EMBEDDING_OUTPUT];

function registry(logs: string[], created: { n: number }) {
  const queue = new KeyedQueue();
  const factory = ortFactory(() => ort);
  const models = new ModelRegistry({
    core: { parseManifest, checkModelIO },
    files: { readFile: (p) => fsp.readFile(p), stat: (p) => fsp.stat(p) },
    factory: {
      supported: () => factory.supported(),
      create: (bytes, options) => {
        created.n++;
        return factory.create(bytes, options);
      },
    },
    queue,
    platform: process.platform,
    threads: 1,
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
  const rand = mulberry32(5);
  const inputs = Array.from({ length: 6 }, () => Float32Array.from({ length: 32 * 32 }, () => rand()));
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
