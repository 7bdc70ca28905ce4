/**
 * The label file's lock: one window's read-merge-write at a time (each window is its own extension host
 * process), so two windows labelling at the same moment cannot both read the old file and the later write drop
 * the earlier one's edit. The lock itself is the engine's (engine/fileLock.ts, shared with the results store);
 * here only where it lives and how long a window waits. A holder is done within a write (milliseconds), so one
 * still there after `waitMs` is reported (the edit is refused, nothing is written).
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeHolder, LockBusyError, takeLock } from '../../engine/fileLock';

export class FileLockedError extends Error {
  /** Who holds the lock, for the user: "process 123", or with its host. */
  readonly holderText: string;

  constructor(
    readonly file: string,
    readonly lock: string,
    busy: LockBusyError,
  ) {
    super(`${basename(lock)} is held by another window (${describeHolder(busy.holder)})`);
    this.holderText = describeHolder(busy.holder);
  }
}

export function lockPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}

export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  { staleMs = 15_000, waitMs = 10_000 } = {},
): Promise<T> {
  const path = lockPath(file);
  await fsp.mkdir(dirname(path), { recursive: true });
  const lock = await takeLock(path, { staleMs, waitMs }).catch((err: unknown) => {
    throw err instanceof LockBusyError ? new FileLockedError(file, path, err) : err;
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
