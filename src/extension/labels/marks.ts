/**
 * Which label (and box marks) of a set each row of a panel shows: by the row's workspace path, then, for a row without
 * one, by its content hash (the file was moved or copied: 'moved'). A label whose recorded hash is not
 * the file's hash now is 'stale' (the file was replaced). Pure, so it is unit-tested.
 */
import type { Entries } from '../../core/labels/labelSet';
import type { LabelEntry } from '../../core/labels/types';
import type { RowMark } from '../../protocol/results';

/** Workspace-relative path of a row path under a root that is `prefix` below the workspace folder. */
export function workspacePath(prefix: string, rowPath: string): string {
  return prefix ? `${prefix}/${rowPath}` : rowPath;
}

export function marksFor(
  entries: Entries,
  prefix: string,
  paths: readonly string[],
  hashes: readonly (string | undefined)[],
): RowMark[] {
  let byHash: Map<string, LabelEntry> | undefined;
  const out: RowMark[] = [];
  paths.forEach((p, row) => {
    const hash = hashes[row];
    const e = entries.get(workspacePath(prefix, p));
    if (e) {
      const stale = !!(e.sha256 && hash && e.sha256 !== hash);
      out.push(withBoxes([row, e.label ?? null, e.note ?? null, stale ? 'stale' : 'ok'], e));
      return;
    }
    if (!hash) return;
    byHash ??= new Map([...entries.values()].filter((x) => x.sha256).map((x) => [x.sha256, x]));
    const moved = byHash.get(hash);
    if (moved) out.push(withBoxes([row, moved.label ?? null, moved.note ?? null, 'moved'], moved));
  });
  return out;
}

/** The entry's boxes as the mark's fifth element (left out when it has none, as before boxes existed). */
function withBoxes(m: RowMark, e: LabelEntry): RowMark {
  if (e.boxes?.length) m.push(e.boxes.map((b) => ({ ...b })));
  return m;
}
