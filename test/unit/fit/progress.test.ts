/** Stage-weighted progress with ETA, coreset selection in chunks (progress, cancellation), and the 'bits' intensity mode fitted models use. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { greedyCoreset } from '../../../src/core/fit/coreset';
import { matrix } from '../../../src/core/fit/compute';
import { ProgressTracker } from '../../../src/core/fit/progress';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { subjectKey } from '../../../src/core/fit/split';
import { XrayError } from '../../../src/core/errors';
import { ortCompute } from '../../../src/engine/ortCompute';

const be = ortCompute({ threads: 1 });
after(() => be.release());

test('progress: time-weighted fraction, ETA from the measured speed, never decreasing', () => {
  let t = 0;
  const p = new ProgressTracker(
    [
      { stage: 'a', expected: 10 },
      { stage: 'b', expected: 30 },
    ],
    () => t * 1000,
  );
  assert.equal(p.update('a', 0).etaS, undefined, 'no ETA before anything ran');
  t = 5;
  let r = p.update('a', 0.5);
  // Stage a runs at its expected speed: 5 s left of it, 30 s of b.
  assert.equal(r.etaS, 35);
  assert.ok(Math.abs(r.fraction - 5 / 40) < 1e-9);
  t = 20;
  r = p.update('b', 0);
  // a took 20 s instead of 10: b is expected to take twice its nominal 30 s.
  assert.equal(r.etaS, 60);
  t = 50;
  r = p.update('b', 0.5);
  // b's own rate now: 30 s for half -> 30 s left.
  assert.equal(r.etaS, 30);
  const before = r.fraction;
  t = 51;
  r = p.update('b', 0.5);
  assert.ok(r.fraction >= before);
  t = 80;
  assert.equal(p.update('b', 1).fraction, 1);
});

test('coreset in chunks equals one long selection; it reports progress and stops on abort', async () => {
  const g = gaussianRng(mulberry32(5));
  const x = matrix(
    400,
    16,
    Float32Array.from({ length: 400 * 16 }, () => g()),
  );
  const one = await greedyCoreset(be, x, 30, { projectTo: 8, seed: 2, chunk: 30 });
  const fractions: number[] = [];
  const chunked = await greedyCoreset(be, x, 30, {
    projectTo: 8,
    seed: 2,
    chunk: 7,
    onProgress: (f) => fractions.push(f),
  });
  assert.deepEqual([...chunked.indices], [...one.indices]);
  assert.deepEqual(fractions, [7 / 30, 14 / 30, 21 / 30, 28 / 30, 1]);
  const ac = new AbortController();
  await assert.rejects(
    greedyCoreset(be, x, 30, { chunk: 5, signal: ac.signal, onProgress: () => ac.abort() }),
    (e: unknown) => e instanceof XrayError && e.code === 'CANCELLED',
  );
});

test('subject keys keep one patient together (chest X-ray names) and otherwise use the file name', () => {
  assert.equal(subjectKey('/d/NORMAL/IM-0553-0001-0002.jpeg'), 'IM-0553');
  assert.equal(subjectKey('NORMAL2-IM-1345-0001.jpeg'), 'NORMAL2-IM-1345');
  assert.equal(subjectKey('C:\\x\\person12_virus_3.jpeg'), 'person12');
  assert.equal(subjectKey('/data/hand_0007.png'), 'hand_0007');
});
