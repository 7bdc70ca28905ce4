/**
 * A label follows its image when the image is moved inside the workspace: the edits that take each moved
 * file's entry (label, note, boxes, hash) off its old path and put it on the new one. Applied as one batch
 * (labelSet.applyEdits), so one undo puts the labels back where they were. Pure.
 */
import type { Entries } from './labelSet';
import { normalizeLabelPath } from './labelSet';
import type { LabelEdit } from './types';

export interface LabelMove {
  /** Workspace-relative paths, '/' separators. */
  from: string;
  to: string;
}

/** The edits of a batch of moves; a file without an entry needs none. An entry already at `to` is replaced. */
export function labelMoveEdits(entries: Entries, moves: readonly LabelMove[]): LabelEdit[] {
  const edits: LabelEdit[] = [];
  for (const m of moves) {
    const e = entries.get(normalizeLabelPath(m.from));
    if (!e) continue;
    edits.push({ path: m.from, label: null, note: null, boxes: null });
    edits.push({
      path: m.to,
      label: e.label ?? null,
      note: e.note ?? null,
      boxes: e.boxes?.length ? e.boxes : null,
      sha256: e.sha256,
    });
  }
  return edits;
}
