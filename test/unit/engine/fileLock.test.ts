// The lock shared by the results store and the label files (engine/fileLock.ts), on a real disk with real
// processes: a dead holder on this host is taken over at once, a live one never by age, another host's once
// not refreshed for staleMs, a live holder is waited for, and a release never removes another holder's lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockBusyError, parseHolder, takeLock } from '../../../src/engine/fileLock';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'lock-')), 'x.lock');
const age = (path: string, ms: number) => {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
};
const HOUR = 3_600_000;

test('the lock names its holder; released, it is gone', async () => {
  const path = lockIn();
  const lock = await takeLock(path, { staleMs: HOUR });
  assert.deepEqual(parseHolder(readFileSync(path, 'utf8')), { pid: process.pid, host: hostname() });
  await lock.release();
  assert.equal(existsSync(path), false);
});

test('a dead process on this host: its lock is taken over at once, however fresh', async () => {
  const path = lockIn();
  // Beyond Linux's pid range (2^22): no such process.
  writeFileSync(path, `4194305@${hostname()} t`);
  const lock = await takeLock(path, { staleMs: HOUR });
  assert.equal(parseHolder(readFileSync(path, 'utf8'))?.pid, process.pid);
  await lock.release();
});

test('a live process on this host: never taken over by age; refused with who holds it', async () => {
  const path = lockIn();
  writeFileSync(path, `${process.ppid}@${hostname()}`);
  age(path, 10 * HOUR);
  await assert.rejects(takeLock(path, { staleMs: 1000 }), (err: unknown) => {
    assert.ok(err instanceof LockBusyError);
    assert.deepEqual(err.holder, { pid: process.ppid, host: hostname() });
    assert.equal(err.local, true);
    return true;
  });
  assert.equal(readFileSync(path, 'utf8'), `${process.ppid}@${hostname()}`, 'the holder’s lock is left alone');
});

test('another host, or a lock that names no process: refused while fresh, taken over once older than staleMs', async () => {
  for (const text of ['77@other-node t', '99999\n', '']) {
    const path = lockIn();
    writeFileSync(path, text);
    await assert.rejects(takeLock(path, { staleMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof LockBusyError);
      assert.equal(err.local, false);
      return true;
    });
    age(path, 120_000);
    await (await takeLock(path, { staleMs: 60_000 })).release();
    assert.equal(existsSync(path), false, JSON.stringify(text));
  }
});

test('a live holder is waited for, and the waiter takes the lock once it is released', async () => {
  const path = lockIn();
  const first = await takeLock(path, { staleMs: HOUR });
  let got = false;
  const second = takeLock(path, { staleMs: HOUR, waitMs: HOUR }).then((l) => {
    got = true;
    return l;
  });
  // The waiter has looked at the lock several times and still waits.
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(got, false);
  await first.release();
  const lock = await second;
  assert.equal(parseHolder(readFileSync(path, 'utf8'))?.pid, process.pid);
  await lock.release();
});

test('in one process, concurrent holders take turns', async () => {
  const path = lockIn();
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      const lock = await takeLock(path, { staleMs: HOUR, waitMs: HOUR });
      most = Math.max(most, ++inside);
      await new Promise((r) => setImmediate(r));
      inside--;
      await lock.release();
    }),
  );
  assert.equal(most, 1);
  assert.equal(existsSync(path), false);
});

test('a release leaves alone a lock that another process has taken over meanwhile', async () => {
  const path = lockIn();
  const lock = await takeLock(path, { staleMs: HOUR });
  writeFileSync(path, `4194305@${hostname()} theirs`);
  await lock.release();
  assert.equal(readFileSync(path, 'utf8'), `4194305@${hostname()} theirs`);
});

test('the holder refreshes the lock’s time stamp while it holds it', async () => {
  const path = lockIn();
  const lock = await takeLock(path, { staleMs: HOUR, refreshMs: 10 });
  age(path, HOUR);
  while (Date.now() - statSync(path).mtimeMs > 60_000) await new Promise((r) => setTimeout(r, 10));
  await lock.release();
});

test('a holder in another process: refused while it runs, taken over at once when it is killed', async () => {
  const path = lockIn();
  // A plain node process writing the lock as another window's host would (pid@host token).
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(path)}, process.pid + '@' + require('os').hostname() + ' c', { flag: 'wx' });` +
        `console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  await assert.rejects(
    takeLock(path, { staleMs: HOUR }),
    (err: unknown) => err instanceof LockBusyError && err.holder?.pid === child.pid,
  );
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
  const lock = await takeLock(path, { staleMs: HOUR });
  assert.equal(parseHolder(readFileSync(path, 'utf8'))?.pid, process.pid);
  await lock.release();
});
