/**
 * Applying edits to a label set, with the inverse of every applied batch kept for undo. A bulk label
 * (the same key on a multi-selection) is one batch, so one `u` undoes it whole. Pure: the caller
 * writes the file.
 */
import { sameEntry, type LabelEdit, type LabelEntry } from './types';

export type Entries = Map<string, LabelEntry>;

/** Applies a batch in place; returns the edits that restore what it changed (empty when nothing changed). */
export function applyEdits(entries: Entries, edits: readonly LabelEdit[], now: string): LabelEdit[] {
  const inverse: LabelEdit[] = [];
  for (const e of edits) {
    const path = normalizeLabelPath(e.path);
    const old = entries.get(path);
    const next: LabelEntry = {
      path,
      label: e.label === undefined ? old?.label : (e.label ?? undefined),
      note: e.note === undefined ? old?.note : e.note?.trim() ? e.note.trim() : undefined,
      sha256: e.sha256 ?? old?.sha256 ?? '',
      updated: now,
    };
    const boxes = e.boxes === undefined ? old?.boxes : e.boxes?.length ? e.boxes.map((b) => ({ ...b })) : undefined;
    if (boxes) next.boxes = boxes;
    const empty = next.label === undefined && next.note === undefined && !next.boxes;
    if (old && sameEntry(old, next)) continue;
    if (!old && empty) continue;
    inverse.push({
      path,
      label: old?.label ?? null,
      note: old?.note ?? null,
      boxes: old?.boxes ?? null,
      sha256: old?.sha256 ?? '',
    });
    if (empty) entries.delete(path);
    else entries.set(path, next);
  }
  return inverse.reverse();
}

/** Undo history of applied batches (newest last), bounded. */
export class UndoStack {
  private readonly stack: LabelEdit[][] = [];
  constructor(private readonly limit = 500) {}

  push(inverse: LabelEdit[]): void {
    if (!inverse.length) return;
    this.stack.push(inverse);
    if (this.stack.length > this.limit) this.stack.shift();
  }

  pop(): LabelEdit[] | undefined {
    return this.stack.pop();
  }

  get size(): number {
    return this.stack.length;
  }

  clear(): void {
    this.stack.length = 0;
  }
}

/** '/' separators, no leading './' or '/': the one spelling of a key. */
export function normalizeLabelPath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
}

/** The set's entries in file order: by path, so a diff of two versions of the file is readable. */
export function sortedEntries(entries: Entries): LabelEntry[] {
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
