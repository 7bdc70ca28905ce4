/**
 * One writer at a time for a file that several processes write: the results store (a run of the extension, the
 * CLI, an array task on another machine) and a label file (each VS Code window is its own extension host). The
 * lock is a file created exclusively, holding `pid@host token`; its time stamp is refreshed while it is held, so
 * its age says whether its holder still acts.
 *
 * Taken over when the holder is gone: a process of this host that no longer runs, at once; a holder on another
 * host (or a lock naming none: another tool's, or an older version's) once not refreshed for `staleMs`. A live holder is waited
 * for up to `waitMs` (0: not at all), then LockBusyError. A lock of this host's live process is never taken by
 * age: its holder may be slow, and two writers would lose data.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  pid: number;
  host: string;
}

export interface LockOptions {
  /** A holder not on this host (or unnamed) is gone once its lock has not been refreshed for this long. */
  staleMs: number;
  /** How long to wait for a live holder before LockBusyError; 0 gives up at once. */
  waitMs?: number;
  /** How often the lock's time stamp is refreshed while held (default staleMs / 4). */
  refreshMs?: number;
}

export class LockBusyError extends Error {
  constructor(
    readonly lock: string,
    /** Who holds it, as the lock says; undefined when it names no process. */
    readonly holder: LockHolder | undefined,
    /** How long ago the lock was last refreshed. */
    readonly ageMs: number,
  ) {
    super(`${lock} is held by ${describeHolder(holder)} (refreshed ${Math.round(ageMs / 1000)} s ago)`);
    this.name = 'LockBusyError';
  }

  /** Whether the holder is a process on this host (else another machine, or unknown). */
  get local(): boolean {
    return this.holder?.host === hostname();
  }
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'an unknown process';
  return holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
}

export interface HeldLock {
  readonly path: string;
  /** Stops the refresh and removes the lock, unless another process has taken it over meanwhile. */
  release(): Promise<void>;
}

/** Parses a lock's text: `pid@host token` (or the older `pid@host`, or `pid` alone: its host unknown). */
export function parseHolder(text: string): LockHolder | undefined {
  const m = /^(\d+)@(\S+)/.exec(text.trim());
  return m && Number(m[1]) > 0 ? { pid: Number(m[1]), host: m[2] } : undefined;
}

/** Whether a lock with this holder and age belongs to no one any more. */
export function isStale(holder: LockHolder | undefined, ageMs: number, staleMs: number): boolean {
  if (holder?.host === hostname()) return !processRuns(holder.pid);
  return ageMs > staleMs;
}

export async function takeLock(path: string, opts: LockOptions): Promise<HeldLock> {
  const token = `${process.pid}@${hostname()} ${randomBytes(6).toString('hex')}`;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await createNamed(path, token)) return held(path, token, opts.refreshMs ?? opts.staleMs / 4);
    const [text, st] = await Promise.all([
      fsp.readFile(path, 'utf8').catch(() => undefined),
      fsp.stat(path).catch(() => undefined),
    ]);
    if (text === undefined || !st) continue; // released meanwhile: try again at once
    const holder = parseHolder(text);
    const age = Date.now() - st.mtimeMs;
    if (isStale(holder, age, opts.staleMs)) {
      // Only the lock judged stale goes: a fresh one another process took meanwhile stays.
      if ((await fsp.readFile(path, 'utf8').catch(() => undefined)) === text) await fsp.rm(path, { force: true });
      continue;
    }
    if (Date.now() - started >= (opts.waitMs ?? 0)) throw new LockBusyError(path, holder, age);
    // Short waits with jitter: a label file's holder is done within a write (milliseconds).
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2) + Math.random() * 5));
  }
}

/**
 * Creates the lock with its holder's name already in it, or returns false when it exists. The name is written
 * to a file of our own first and hard-linked into place (atomic, and refused when the lock exists), so no
 * reader ever finds an empty lock: not while it is being written, not after a kill between create and write,
 * not on a disk that fills up (or turns read-only) in between, which would leave an unnamed lock in the way
 * of every run until it is stale. File systems without hard links get an exclusive create, then the write.
 */
async function createNamed(path: string, token: string): Promise<boolean> {
  const own = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(own, token, { flag: 'wx' });
    await fsp.link(own, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP')
      return createThenWrite(path, token);
    throw err;
  } finally {
    await fsp.rm(own, { force: true }).catch(() => undefined);
  }
}

async function createThenWrite(path: string, token: string): Promise<boolean> {
  let file: fsp.FileHandle;
  try {
    file = await fsp.open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  // Created, so ours: a token that cannot be written must not leave an unnamed lock behind.
  await file
    .writeFile(token)
    .finally(() => file.close())
    .catch(async (err: unknown) => {
      await fsp.rm(path, { force: true });
      throw err;
    });
  return true;
}

function held(path: string, token: string, refreshMs: number): HeldLock {
  const timer = setInterval(() => {
    const now = new Date();
    void fsp.utimes(path, now, now).catch(() => undefined);
  }, refreshMs);
  timer.unref();
  return {
    path,
    async release() {
      clearInterval(timer);
      if ((await fsp.readFile(path, 'utf8').catch(() => undefined)) === token) await fsp.rm(path, { force: true });
    },
  };
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
