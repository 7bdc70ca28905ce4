/**
 * Merging the label file another window (or a person, or a script) wrote with this window's edits:
 * a three-way merge per image against the version both started from. An image changed on one side
 * only takes that side; changed on both sides to the same thing is no conflict; changed on both sides
 * differently is a conflict, resolved for the later edit (by its time stamp) and reported by path, so
 * the user is told which of their labels another window replaced.
 */
import type { Entries } from './labelSet';
import { sameEntry, type LabelEntry } from './types';

export interface Merged {
  entries: Entries;
  /** Images both sides changed differently, and whose edit was kept. */
  conflicts: { path: string; kept: 'ours' | 'theirs' }[];
  /** Whether the merged set differs from theirs (the file must be written again). */
  changedFromTheirs: boolean;
}

export function mergeLabels(base: Entries, ours: Entries, theirs: Entries): Merged {
  const entries: Entries = new Map();
  const conflicts: Merged['conflicts'] = [];
  let changedFromTheirs = false;
  const paths = new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]);
  for (const path of paths) {
    const b = base.get(path);
    const o = ours.get(path);
    const t = theirs.get(path);
    let pick: LabelEntry | undefined;
    if (sameEntry(o, b)) pick = t;
    else if (sameEntry(t, b) || sameEntry(o, t)) pick = o;
    else {
      const oursLater = (o?.updated ?? '') > (t?.updated ?? '');
      pick = oursLater ? o : t;
      conflicts.push({ path, kept: oursLater ? 'ours' : 'theirs' });
    }
    if (pick) entries.set(path, pick);
    if (!sameEntry(pick, t)) changedFromTheirs = true;
  }
  return { entries, conflicts, changedFromTheirs };
}
