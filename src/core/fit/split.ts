/**
 * Seeded, group-aware hold-out: images of one patient (group) never land on both sides, so a held-out
 * normal is never "remembered" through a sibling image in the memory bank.
 */
import { XrayError } from '../errors';
import { mulberry32, shuffled } from './random';

export interface Holdout<T> {
  held: T[];
  rest: T[];
}

/**
 * Holds out exactly `count` items (when group sizes allow; otherwise as close below as possible),
 * whole groups at a time, chosen in a seeded random order. Output order follows the input order.
 */
export function groupedHoldout<T>(items: readonly T[], groupOf: (item: T) => string, count: number, seed: number): Holdout<T> {
  if (!Number.isInteger(count) || count < 0 || count > items.length) {
    throw new XrayError('INTERNAL', `cannot hold out ${count} of ${items.length} items`);
  }
  const groups = new Map<string, number>();
  for (const it of items) {
    const g = groupOf(it);
    groups.set(g, (groups.get(g) ?? 0) + 1);
  }
  // Sorting the keys first makes the result independent of the input order.
  const order = shuffled([...groups.keys()].sort(), mulberry32(seed));
  const heldGroups = new Set<string>();
  let n = 0;
  for (const g of order) {
    if (n === count) break;
    const size = groups.get(g)!;
    if (n + size <= count) {
      heldGroups.add(g);
      n += size;
    }
  }
  const held: T[] = [];
  const rest: T[] = [];
  for (const it of items) (heldGroups.has(groupOf(it)) ? held : rest).push(it);
  return { held, rest };
}

/**
 * The subject (patient) an image file belongs to, from its name, so that a calibration hold-out never
 * splits one patient's images: the chest X-ray data set's names (IM-0553-0001-0002 -> IM-0553,
 * NORMAL2-IM-1345-0001 -> NORMAL2-IM-1345, person12_virus_3 -> person12); any other file is its own
 * subject (its name without folder and extension).
 */
export function subjectKey(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const m = /^((?:NORMAL2-)?IM-\d+)|^(person\d+)/.exec(base);
  return m ? (m[1] ?? m[2]) : base.replace(/\.[^.]*$/, '');
}
