// Thumbnails made on demand (extension/results/thumbQueue.ts): one request at a time, the newest asks
// first, a bounded wait list whose overflow goes back to the page as dropped, failures reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThumbQueue, type ThumbResults } from '../../../src/extension/results/thumbQueue';

/** A maker whose requests the test answers one by one. */
function gate() {
  const calls: { paths: string[]; answer(files: (string | undefined)[] | Error): void }[] = [];
  let inFlight = 0;
  let most = 0;
  const make = (paths: string[]) =>
    new Promise<(string | undefined)[]>((resolve, reject) => {
      most = Math.max(most, ++inFlight);
      calls.push({
        paths,
        answer: (f) => {
          inFlight--;
          if (f instanceof Error) reject(f);
          else resolve(f);
        },
      });
    });
  return { calls, make, most: () => most };
}

const settle = () => new Promise((r) => setImmediate(r));
const jobs = (rows: number[]) => rows.map((row) => ({ row, path: `f${row}.png` }));

test('the newest asks go first, one request at a time; made and failed rows are reported', async () => {
  const g = gate();
  const out: ThumbResults[] = [];
  const q = new ThumbQueue(g.make, (r) => out.push(r), { waiting: 10, chunk: 2 });
  q.want(jobs([1, 2, 3]));
  await settle();
  // The first request took the newest two; the next ask waits for it.
  assert.deepEqual(g.calls[0].paths, ['f3.png', 'f2.png']);
  q.want(jobs([4, 2]));
  await settle();
  assert.equal(g.calls.length, 1);
  assert.equal(q.size, 4, 'row 2 is asked once');
  g.calls[0].answer(['t3.webp', undefined]);
  await settle();
  assert.deepEqual(out[0], { made: [{ row: 3, file: 't3.webp' }], failed: [2], dropped: [] });
  assert.deepEqual(g.calls[1].paths, ['f4.png', 'f1.png']);
  // An engine that fails the request (restarting): its rows are failed, not asked again and again.
  g.calls[1].answer(new Error('engine restarting'));
  await settle();
  assert.deepEqual(out[1], { made: [], failed: [4, 1], dropped: [] });
  assert.equal(q.size, 0);
  assert.equal(g.most(), 1);
});

test('a sweep over many rows keeps only the latest few waiting; the rest go back to the page as dropped', async () => {
  const g = gate();
  const out: ThumbResults[] = [];
  const q = new ThumbQueue(g.make, (r) => out.push(r), { waiting: 4, chunk: 2 });
  for (let screen = 0; screen < 50; screen++) q.want(jobs([screen * 3, screen * 3 + 1, screen * 3 + 2]));
  await settle();
  // One request in flight (the first screen's newest two), four rows waiting, every other row dropped.
  assert.equal(g.calls.length, 1);
  assert.equal(q.size, 2 + 4);
  const dropped = out.flatMap((r) => r.dropped);
  assert.equal(dropped.length, 150 - 6);
  assert.equal(new Set(dropped).size, dropped.length);
  g.calls[0].answer(['a', 'b']);
  await settle();
  // What waited is the last screen's rows and the one before it: the rows on screen now, newest first.
  assert.deepEqual(g.calls[1].paths, ['f149.png', 'f148.png']);
  g.calls[1].answer(['c', 'd']);
  await settle();
  assert.deepEqual(g.calls[2].paths, ['f147.png', 'f146.png']);
  q.dispose();
  g.calls[2].answer(['e', 'f']);
  await settle();
  assert.equal(g.calls.length, 3, 'nothing more after dispose');
  assert.equal(out.at(-1)!.made.length, 2, 'the last report before dispose');
});
