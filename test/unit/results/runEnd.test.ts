// How a run's end is told: the panel's status line (webview) and the notification of a run that stopped
// (extension). Both take the batch service's counts: scored in this run, saved in the store, kept from before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunProgress } from '../../../src/protocol/results';
import { runStatusText } from '../../../src/webview/results/runStatus';
import { stoppedMessage } from '../../../src/extension/results/progressText';

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
    stoppedMessage('chest', 'The disk is full (ENOSPC)', { done: 8, saved: 3, total: 60, skipped: 24 }),
    'Scoring chest stopped: The disk is full (ENOSPC). 8 of 60 images scored, 3 saved; 24 kept from earlier runs.',
  );
});

test('cancelled and engine failures give the same counts; nothing kept from before leaves that part out', () => {
  assert.equal(
    runStatusText(p({ ended: 'cancelled', done: 1200, saved: 1200, total: 5000 })),
    'Cancelled · 1,200 of 5,000 images scored, 1,200 saved',
  );
  assert.equal(
    stoppedMessage('chest', 'The inference engine stopped 21 times in this batch; giving up.', {
      done: 40,
      saved: 40,
      total: 100,
      skipped: 0,
    }),
    'Scoring chest stopped: The inference engine stopped 21 times in this batch; giving up. 40 of 100 images scored, 40 saved.',
  );
});

test('a store that could not be opened (read-only) scored nothing: said so, not "0 of 0"', () => {
  const ro = 'The file system is read-only (EROFS): cannot create the lock /ws/results.jsonl.lock.';
  assert.equal(runStatusText(p({ ended: 'failed', message: ro })), `Stopped · nothing scored or saved · ${ro}`);
  assert.equal(
    stoppedMessage('chest', 'The file system is read-only (EROFS)', { done: 0, saved: 0, total: 0, skipped: 0 }),
    'Scoring chest stopped: The file system is read-only (EROFS). Nothing was scored or saved.',
  );
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
