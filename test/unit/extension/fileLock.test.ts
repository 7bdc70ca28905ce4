// The label file's lock (extension/labels/fileLock.ts) on a real disk: turns are taken, a crashed window's lock
// is taken over, a lock still held is refused clearly and nothing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLockedError, lockPath, withFileLock } from '../../../src/extension/labels/fileLock';

test('holders take turns: no two run at once, and the lock is gone after each', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lock-')), 'sub', 'set.csv');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 12 }, () =>
      withFileLock(file, async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setImmediate(r));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.equal(existsSync(lockPath(file)), false);
});

test('a lock left by a crashed window is taken over once stale; a fresh one is refused and nothing runs', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lock-')), 'set.csv');
  writeFileSync(lockPath(file), '99999\n');
  const old = new Date(Date.now() - 60 * 60_000);
  utimesSync(lockPath(file), old, old);
  assert.equal(await withFileLock(file, async () => 'ran', { staleMs: 60_000 }), 'ran');
  writeFileSync(lockPath(file), '99999\n');
  let ran = false;
  await assert.rejects(
    withFileLock(
      file,
      async () => {
        ran = true;
      },
      { staleMs: 3_600_000, waitMs: 30 },
    ),
    (err: unknown) => err instanceof FileLockedError && /held by another window/.test(err.message),
  );
  assert.equal(ran, false);
  assert.equal(existsSync(lockPath(file)), true, 'another window’s lock is not removed');
});
