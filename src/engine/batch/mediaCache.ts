/** Keeps a batch media cache (thumbnails, heatmaps) under its size cap; see src/core/batch/evict.ts. */
import { promises as fsp } from 'node:fs';
import { join, relative } from 'node:path';
import { evictionPlan, type CachedFile } from '../../core/batch/evict';

export const DEFAULT_MEDIA_CAP_BYTES = 256 * 1024 * 1024;

/**
 * Deletes least-recently-used files until the folder is under 90% of `capBytes`; returns how many went and
 * how many files the folder held (a caller walking it during a run spaces the walks by that, so that a
 * 100,000-file cache is not walked every few thousand rows).
 */
export async function evictMedia(
  dir: string,
  capBytes: number,
): Promise<{ removed: number; bytes: number; files: number }> {
  const files: CachedFile[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.webp')) {
        const s = await fsp.stat(p).catch(() => undefined);
        if (s) files.push({ path: relative(dir, p), bytes: s.size, usedMs: Math.max(s.atimeMs, s.mtimeMs) });
      }
    }
  };
  await walk(dir);
  const plan = evictionPlan(files, capBytes);
  let bytes = 0;
  for (const f of plan) {
    await fsp.unlink(join(dir, f.path)).catch(() => undefined);
    bytes += f.bytes;
  }
  return { removed: plan.length, bytes, files: files.length };
}
