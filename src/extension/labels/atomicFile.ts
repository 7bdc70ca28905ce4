/**
 * Crash-safe file replacement: the new text goes to a temporary file beside the target, is flushed to the
 * disk, then renamed over the target (rename is atomic within a folder on POSIX and NTFS), and the folder
 * is flushed so the rename itself survives a power cut. A crash at any point leaves the old or the new
 * file whole, never a mix.
 */
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  // Unique even for two writes of one process in the same millisecond.
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}.tmp`);
  const h = await fsp.open(tmp, 'w');
  try {
    await h.writeFile(text, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  // Flushing a folder is not possible on Windows (EISDIR/EPERM): the rename is still atomic there.
  const d = await fsp.open(dir, 'r').catch(() => undefined);
  if (d) await d.sync().catch(() => undefined);
  await d?.close();
}

/** The file's text, or undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
