// The prep pool hands each worker several files ahead (so workers keep busy while the engine's main
// thread is blocked in a session run), never more than `depth`; a worker that dies fails only the file
// it was running, and the files queued behind it are run by its replacement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { PrepPool } from '../../../src/engine/batch/prepPool';
import type { PrepCore, PrepJob } from '../../../src/engine/batch/prepJob';

// A stand-in worker speaking the pool's protocol: it runs jobs in order, reports how many it held at
// once (in `size`), and exits on a path containing "crash" (as a decoder crashing the thread would).
const WORKER = `
const { parentPort } = require('node:worker_threads');
const held = [];
let busy = false, most = 0, busyMs = 0;
const born = performance.now();
function next() {
  if (busy || held.length === 0) return;
  busy = true;
  const msg = held.shift();
  if (msg.job.path.includes('crash')) process.exit(3);
  const t0 = performance.now();
  setTimeout(() => {
    busy = false;
    busyMs += performance.now() - t0;
    const result = { hash: msg.job.path, size: most, mtimeMs: 0, ms: 0 };
    parentPort.postMessage({ id: msg.id, result, time: { busyMs, lifeMs: performance.now() - born } });
    next();
  }, 5);
}
parentPort.on('message', (msg) => { held.push(msg); most = Math.max(most, held.length + (busy ? 1 : 0)); next(); });
`;

const job = (path: string): PrepJob => ({ path, limits: DEFAULT_DECODE_LIMITS, preps: [] });
const noInline = {} as PrepCore;

test('workers get up to depth files ahead; a crash fails only the running file, the queued ones go on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prep-pool-'));
  const warns: string[] = [];
  const pool = new PrepPool(1, writeWorker(dir), noInline, (_l, m) => warns.push(m), 3);
  // The pool's workers do not keep a process alive (the engine's IPC channel does): this test's timer does.
  const alive = setInterval(() => undefined, 1000);
  try {
    const paths = ['a', 'b', 'c', 'crash', 'd', 'e', 'f', 'g'];
    const results = await Promise.all(paths.map((p) => pool.run(job(p))));
    const byPath = new Map(paths.map((p, i) => [p, results[i]]));
    assert.equal(byPath.get('crash')?.error?.code, 'INTERNAL');
    assert.match(byPath.get('crash')?.error?.message ?? '', /stopped its worker/);
    for (const p of paths.filter((x) => x !== 'crash')) {
      assert.equal(byPath.get(p)?.error, undefined, p);
      assert.equal(byPath.get(p)?.hash, p);
      // `size` carries the most files the worker held at once: never more than the depth.
      assert.ok(byPath.get(p)!.size <= 3, `${p}: worker held ${byPath.get(p)!.size}`);
    }
    assert.ok(
      results.some((r) => r.size > 1),
      'the worker was handed more than one file at a time',
    );
    assert.equal(warns.length, 1);
    assert.equal(pool.pending, 0);
    const t = pool.time();
    assert.ok(t.busyMs > 0 && t.lifeMs >= t.busyMs, JSON.stringify(t));
  } finally {
    clearInterval(alive);
    pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

function writeWorker(dir: string): string {
  const p = join(dir, 'worker.cjs');
  writeFileSync(p, WORKER);
  return p;
}
