// The prep workers' nice level: read from XRAY_ANOMALY_PREP_NICE (0-19, whole numbers), else the default;
// lowering a thread's priority is done on Linux only (elsewhere the call would lower the whole process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PREP_NICE, lowerThisThread, PREP_NICE_ENV, prepNice } from '../../../src/engine/batch/priority';

test('prepNice takes whole numbers 0-19 from the environment, else the default', () => {
  assert.equal(prepNice({}), DEFAULT_PREP_NICE);
  assert.equal(prepNice({ [PREP_NICE_ENV]: '0' }), 0);
  assert.equal(prepNice({ [PREP_NICE_ENV]: '7' }), 7);
  assert.equal(prepNice({ [PREP_NICE_ENV]: '40' }), 19);
  for (const bad of ['', ' ', '-1', '2.5', 'low'])
    assert.equal(prepNice({ [PREP_NICE_ENV]: bad }), DEFAULT_PREP_NICE, bad);
});

test('lowerThisThread does nothing for 0 or off Linux', () => {
  assert.equal(lowerThisThread(0), false);
  assert.equal(lowerThisThread(3, 'darwin'), false);
  assert.equal(lowerThisThread(3, 'win32'), false);
});

test(
  'on Linux, lowerThisThread lowers the calling worker thread only, not the process',
  { skip: process.platform !== 'linux' },
  async () => {
    const before = getPriority();
    const module = join(__dirname, '../../../src/engine/batch/priority.ts');
    // An eval'd worker does not get tsx's loader: it registers tsx's require hook itself.
    const src = `
    const { parentPort } = require('node:worker_threads');
    const os = require('node:os');
    require('tsx/cjs/api').register();
    const m = require(${JSON.stringify(module)});
    const start = os.getPriority();
    const done = m.lowerThisThread(2);
    parentPort.postMessage({ start, done, now: os.getPriority() });`;
    const seen = await new Promise<{ start: number; done: boolean; now: number }>((resolve, reject) => {
      const w = new Worker(src, { eval: true });
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.equal(seen.done, true);
    assert.equal(seen.now, Math.min(19, seen.start + 2));
    assert.equal(getPriority(), before, 'the main thread keeps its priority');
  },
);
