/**
 * Inference lanes (engine/batch/inferLane.ts): the batcher hands batches to worker threads with sessions of
 * their own, side by side, with the scores the main thread's session gives; a lane that stops (its thread
 * exits, or the model cannot be read again) gives its inputs back, and every input is answered once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { checkModelIO, parseManifest } from '../../../src/core/model/validate';
import { EMBEDDING_OUTPUT } from '../../../src/core/similar/tap';
import { ModelBatcher } from '../../../src/engine/batch/batcher';
import { InferLane, type LaneBytes } from '../../../src/engine/batch/inferLane';
import { KeyedQueue } from '../../../src/engine/keyedQueue';
import { ModelRegistry } from '../../../src/engine/modelRegistry';
import { ortFactory } from '../../../src/engine/providers';
import { seededInputs, writeTwoHeadModel } from '../../fixtures/models';

const SCORE = ['pred_score', EMBEDDING_OUTPUT];
const work = mkdtempSync(join(tmpdir(), 'infer-lane-'));
const laneSource = resolve(__dirname, '../../../src/engine/batch/inferLaneWorker.ts');

/** The lane's worker side, loaded through tsx; `crashOnRun`: the thread exits on that run (1-based). */
function laneWorker(crashOnRun?: number): string {
  const path = join(work, `lane-${crashOnRun ?? 0}.js`);
  writeFileSync(
    path,
    `require(${JSON.stringify(require.resolve('tsx/cjs'))});
const { parentPort } = require('node:worker_threads');
let runs = 0;
${crashOnRun ? `parentPort.on('message', (m) => { if (m.type === 'run' && ++runs === ${crashOnRun}) process.exit(3); });` : ''}
require(${JSON.stringify(laneSource)}).serveInferLane(parentPort, () => require(${JSON.stringify(require.resolve('onnxruntime-node'))}));
`,
  );
  return path;
}

async function setup() {
  const queue = new KeyedQueue();
  const models = new ModelRegistry({
    core: { parseManifest, checkModelIO },
    files: { readFile: (p) => fsp.readFile(p), stat: (p) => fsp.stat(p) },
    factory: ortFactory(() => ort),
    queue,
    platform: process.platform,
    threads: 1,
    env: {},
    log: () => undefined,
  });
  const m = writeTwoHeadModel(join(work, 'model'), { height: 32, width: 32 });
  const info = await models.load(m.manifestPath, 'cpu');
  const session = models.get(info.modelKey).session;
  const inputs = seededInputs(11, 10);
  const dims = [1, 1, 32, 32];
  // What the main thread's session gives for each input alone.
  const expected = await Promise.all(inputs.map((t) => session.run({ input: new ort.Tensor('float32', t, dims) })));
  const bytes: LaneBytes = (kind) => models.batchModelBytes(info.modelKey, kind === 'lean' ? SCORE : undefined);
  const batcher = (lanes: InferLane[]) =>
    new ModelBatcher({
      session,
      inputName: 'input',
      modelId: info.modelId,
      modelKey: info.modelKey,
      queue,
      ort: () => ort,
      maxBatch: 4,
      lean: { outputs: SCORE, session: () => models.leanSession(info.modelKey, SCORE) },
      lanes,
    });
  const check = (outs: Record<string, { data: Float32Array }>[], names: readonly string[]) =>
    outs.forEach((out, i) => {
      for (const name of names)
        assert.deepEqual(out[name].data, expected[i][name].data as Float32Array, `${name} of input ${i}`);
    });
  return { inputs, dims, bytes, batcher, check };
}

test('batches run on every lane at once, with the main thread session scores; score-only runs on the cut graph', async () => {
  const { inputs, dims, bytes, batcher, check } = await setup();
  const lanes = [0, 1].map(() => new InferLane(laneWorker(), 1, bytes, () => undefined));
  const b = batcher(lanes);
  // Nothing else keeps this test's process alive while the lanes' (unref'd) threads work.
  const alive = setInterval(() => undefined, 1000);
  try {
    check(await Promise.all(inputs.map((t) => b.run(t, dims))), ['anomaly_map', ...SCORE]);
    check(await Promise.all(inputs.map((t) => b.run(t, dims, SCORE))), SCORE);
    assert.equal(b.stats.items, 20);
    assert.equal(b.stats.leanItems, 10, 'the score-only runs ran the cut graph');
    // The first two inputs went to the two idle lanes at once.
    assert.ok(
      lanes.every((l) => l.answered > 0),
      `runs per lane: ${lanes.map((l) => l.answered)}`,
    );
  } finally {
    clearInterval(alive);
    b.close();
  }
});

test('a lane that stops mid-run gives its inputs back: each is answered once, by a lane or the main thread', async () => {
  const { inputs, dims, bytes, batcher, check } = await setup();
  const warns: string[] = [];
  const log = (_l: string, msg: string) => warns.push(msg);
  // One lane's thread exits on its second run, the other's model cannot be read: the main thread does the rest.
  const crashing = new InferLane(laneWorker(2), 1, bytes, log);
  const unreadable = new InferLane(laneWorker(), 1, () => Promise.reject(new Error('changed')), log);
  const b = batcher([crashing, unreadable]);
  // Nothing else keeps this test's process alive while the lanes' (unref'd) threads work.
  const alive = setInterval(() => undefined, 1000);
  try {
    let answers = 0;
    const outs = await Promise.all(
      inputs.map((t) =>
        b.run(t, dims).then((o) => {
          answers++;
          return o;
        }),
      ),
    );
    assert.equal(answers, inputs.length);
    check(outs, ['anomaly_map', ...SCORE]);
    assert.equal(crashing.usable, false);
    assert.equal(unreadable.usable, false);
    assert.equal(warns.length, 2, warns.join('\n'));
    assert.match(warns.join('\n'), /exit code 3/);
    assert.match(warns.join('\n'), /cannot be read \(changed\)/);
  } finally {
    clearInterval(alive);
    b.close();
  }
});
