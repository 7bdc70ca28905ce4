// The label file's lock (extension/labels/fileLock.ts, on engine/fileLock.ts) on a real disk: turns are taken,
// a crashed window's lock is taken over, a lock still held is refused clearly (who holds it) and nothing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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

test('a crashed window’s lock is taken over (at once on this host, by age if unnamed); a live one is refused', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lock-')), 'set.csv');
  writeFileSync(lockPath(file), `4194305@${hostname()} t`);
  assert.equal(await withFileLock(file, async () => 'ran', { staleMs: 3_600_000 }), 'ran');
  // An older window's lock names only its pid: judged by its age.
  writeFileSync(lockPath(file), '99999\n');
  const old = new Date(Date.now() - 60 * 60_000);
  utimesSync(lockPath(file), old, old);
  assert.equal(await withFileLock(file, async () => 'ran', { staleMs: 60_000 }), 'ran');
  // Another window's live host on this machine (this test's parent process stands in for it).
  writeFileSync(lockPath(file), `${process.ppid}@${hostname()} t`);
  let ran = false;
  await assert.rejects(
    withFileLock(
      file,
      async () => {
        ran = true;
      },
      { staleMs: 1000, waitMs: 30 },
    ),
    (err: unknown) =>
      err instanceof FileLockedError &&
      err.holderText === `process ${process.ppid}` &&
      /held by another window/.test(err.message),
  );
  assert.equal(ran, false);
  assert.equal(existsSync(lockPath(file)), true, 'another window’s lock is not removed');
});
