// How many prep workers and batch intra-op threads the engine's batch pipeline gets (engine/batch/setup.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_THREADS_ENV, BATCH_WORKERS_ENV, batchThreads, batchWorkers } from '../../../src/engine/batch/setup';

test('batch sessions get a quarter of the cores, 1 to 4, unless the env says otherwise', () => {
  assert.deepEqual(
    [1, 2, 4, 8, 16, 64].map((c) => batchThreads(c, {})),
    [1, 1, 1, 2, 4, 4],
  );
  assert.equal(batchThreads(2, { [BATCH_THREADS_ENV]: '2' }), 2);
  for (const bad of ['0', '-1', '1.5', 'two', '']) assert.equal(batchThreads(2, { [BATCH_THREADS_ENV]: bad }), 1, bad);
});

test('one prep worker per core unless the env says otherwise (0: the main thread)', () => {
  assert.equal(batchWorkers(2, {}), 2);
  assert.equal(batchWorkers(2, { [BATCH_WORKERS_ENV]: '0' }), 0);
  assert.equal(batchWorkers(2, { [BATCH_WORKERS_ENV]: 'x' }), 2);
});
