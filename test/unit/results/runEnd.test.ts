// How a run's end is told: the panel's status line (webview) and the notification of a run that stopped
// (extension). Both take the batch service's counts: scored in this run, saved in the store, kept from before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunProgress } from '../../../src/protocol/results';
import { runStatusText } from '../../../src/webview/results/runStatus';
import { stopCause, stoppedMessage } from '../../../src/extension/results/stopNotice';

const p = (over: Partial<RunProgress>): RunProgress => ({
  running: false,
  done: 0,
  saved: 0,
  total: 0,
  skipped: 0,
  failed: 0,
  ...over,
});
const DISK_FULL = 'The disk is full (ENOSPC): cannot append to /ws/results.jsonl. Rows written before are kept.';

test('a run stopped by a full disk says how many images it scored and how many reached the store', () => {
  assert.equal(
    runStatusText(p({ ended: 'failed', done: 8, saved: 3, total: 60, skipped: 24, message: DISK_FULL })),
    `Stopped · 8 of 60 images scored, 3 saved · 24 kept from earlier runs · ${DISK_FULL}`,
  );
  assert.equal(
    stoppedMessage(stopCause('ENOSPC', DISK_FULL), { done: 8, saved: 3, total: 60, skipped: 24 }),
    'Disk full, scoring stopped: 3 of 60 saved, 24 kept.',
  );
});

test('cancelled and engine failures give the same counts; nothing kept from before leaves that part out', () => {
  assert.equal(
    runStatusText(p({ ended: 'cancelled', done: 1200, saved: 1200, total: 5000 })),
    'Cancelled · 1,200 of 5,000 images scored, 1,200 saved',
  );
  assert.equal(
    stoppedMessage(stopCause('ENGINE_CRASHED', 'The inference engine stopped 21 times in this batch; giving up.'), {
      done: 40,
      saved: 40,
      total: 100,
      skipped: 0,
    }),
    'Engine failed, scoring stopped: 40 of 100 saved.',
  );
});

test('a store that could not be opened (read-only) scored nothing: said so, not "0 of 0", with the rows it keeps', () => {
  const ro = 'The file system is read-only (EROFS): cannot create the lock /ws/results.jsonl.lock.';
  assert.equal(runStatusText(p({ ended: 'failed', message: ro })), `Stopped · nothing scored or saved · ${ro}`);
  assert.equal(
    runStatusText(p({ ended: 'failed', skipped: 1234, message: ro })),
    `Stopped · nothing scored or saved · 1,234 kept from earlier runs · ${ro}`,
  );
  assert.equal(
    stoppedMessage(stopCause('EROFS', ro), { done: 0, saved: 0, total: 0, skipped: 0 }),
    'Read-only disk, scoring stopped: nothing scored or saved.',
  );
  assert.equal(
    stoppedMessage(stopCause('EROFS', ro), { done: 0, saved: 0, total: 0, skipped: 1234 }),
    'Read-only disk, scoring stopped: nothing saved, 1,234 kept.',
  );
});

test('the notification fits a collapsed toast (the old one was cut after 62 characters; the integration suite checks the real one)', () => {
  for (const code of ['ENOSPC', 'EROFS', 'EDQUOT', 'EIO', 'EBUSY', 'ENGINE_CRASHED'])
    for (const c of [
      { done: 8, saved: 3, total: 60, skipped: 24 },
      { done: 0, saved: 0, total: 0, skipped: 24_000 },
    ]) {
      const text = stoppedMessage(stopCause(code, ''), c);
      assert.ok(text.length <= 62, `${text} (${text.length})`);
    }
  assert.equal(
    stoppedMessage(stopCause('ENOSPC', ''), { done: 9_999, saved: 9_000, total: 10_000, skipped: 5_000 }),
    'Disk full, scoring stopped: 9,000 of 10,000 saved, 5,000 kept.',
  );
  // An unknown error: the start of its own text when short, else a plain word; never the whole message.
  assert.equal(stopCause(undefined, 'The folder /ws/x does not exist.'), 'The folder /ws/x does not exist');
  assert.equal(stopCause(undefined, `Cannot open ${'x'.repeat(80)}: EX`), 'An error');
});

test('running and finished lines are as before', () => {
  assert.equal(
    runStatusText(p({ running: true, done: 120, saved: 100, total: 1624, skipped: 30, imagesPerS: 41.23, etaS: 95 })),
    'Scoring 120 of 1,624 · 41.2 images/s · about 1 min 35 s left · 30 unchanged, skipped',
  );
  assert.equal(
    runStatusText(p({ ended: 'finished', done: 60, saved: 60, total: 60, skipped: 24, failed: 2 })),
    'Done · 60 of 60 images · 24 unchanged, skipped · 2 could not be read',
  );
});
