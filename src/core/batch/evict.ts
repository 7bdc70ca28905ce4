/**
 * Which cached thumbnails and heatmaps to delete to bring the media cache under its size cap: least
 * recently used first (by access time, then modification time), down to 90% of the cap so eviction
 * does not run on every write.
 */
export interface CachedFile {
  path: string;
  bytes: number;
  /** Last use in ms (atime where the file system keeps it, else mtime). */
  usedMs: number;
}

export function evictionPlan(files: readonly CachedFile[], capBytes: number): CachedFile[] {
  let total = files.reduce((s, f) => s + f.bytes, 0);
  if (total <= capBytes) return [];
  const target = capBytes * 0.9;
  const out: CachedFile[] = [];
  for (const f of [...files].sort((a, b) => a.usedMs - b.usedMs || (a.path < b.path ? -1 : 1))) {
    if (total <= target) break;
    out.push(f);
    total -= f.bytes;
  }
  return out;
}
