/**
 * One writer at a time for a label file shared by several windows (each its own extension host process):
 * a lock file beside it (`.<name>.lock`, created exclusively) held around each read-merge-write, so two
 * windows labelling at the same moment cannot both read the old file and the later write drop the earlier
 * one's edit. A lock left by a crashed window is taken over once it is older than `staleMs`; a lock still
 * held after `waitMs` is reported as such (the edit is refused, nothing is written).
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class FileLockedError extends Error {
  constructor(readonly lock: string) {
    super(`${basename(lock)} is held by another window`);
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
  const lock = lockPath(file);
  await fsp.mkdir(dirname(lock), { recursive: true });
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await fsp.open(lock, 'wx');
      await h.writeFile(`${process.pid}\n`);
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await fsp.stat(lock).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > staleMs) {
      await fsp.rm(lock, { force: true });
      continue;
    }
    if (Date.now() - started > waitMs) throw new FileLockedError(lock);
    // Short waits with jitter: a holder is done within a write (milliseconds).
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2) + Math.random() * 5));
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}
