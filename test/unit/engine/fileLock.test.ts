// The lock shared by the results store and the label files (engine/fileLock.ts), on a real disk with real
// processes: a dead holder on this host is taken over at once, a live one never by age, another host's once
// not refreshed for staleMs, a live holder is waited for, and a release never removes another holder's lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

test('a lock is never seen without its holder’s name, by a reader in another process, while takers come and go', async () => {
  const path = lockIn();
  // Another process reads the lock as fast as it can; any text it finds must name a holder.
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); let seen = 0, unnamed = 0;` +
        `process.stdin.on('data', () => { console.log(JSON.stringify({ seen, unnamed })); process.exit(0); });` +
        `setInterval(() => { for (let i = 0; i < 200; i++) { try { const t = fs.readFileSync(${JSON.stringify(path)}, 'utf8'); seen++;` +
        ` if (!/^\\d+@\\S+/.test(t)) unnamed++; } catch {} } }, 0); console.log('ready');`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  reader.stdout!.setEncoding('utf8').on('data', (d: string) => lines.push(...d.trim().split('\n')));
  while (!lines.includes('ready')) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 100; i++) await (await takeLock(path, { staleMs: HOUR, waitMs: HOUR })).release();
  reader.stdin!.write('done\n');
  await new Promise((r) => reader.once('exit', r));
  const { seen, unnamed } = JSON.parse(lines.at(-1)!) as { seen: number; unnamed: number };
  assert.equal(unnamed, 0, `${unnamed} of ${seen} reads found an unnamed lock`);
});

test('a full disk: taking the lock fails with ENOSPC and leaves no file behind (a small tmpfs; root only)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('mounting a small file system needs root');
  const dir = mkdtempSync(join(tmpdir(), 'lock-full-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) return t.skip(`mount: ${(mount.stderr || mount.error?.message || '').trim()}`);
  try {
    // Fill it: the last page goes to a file that cannot grow further.
    try {
      for (let i = 0; ; i++) writeFileSync(join(dir, `fill-${i}`), Buffer.alloc(4096, 1));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const before = readdirSync(dir).sort();
    await assert.rejects(takeLock(join(dir, 'x.lock'), { staleMs: HOUR }), { code: 'ENOSPC' });
    assert.deepEqual(readdirSync(dir).sort(), before, 'no lock and no file of its own left');
  } finally {
    spawnSync('umount', ['-l', dir]);
  }
});
