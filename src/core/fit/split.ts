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
 * Holds out up to `count` items, whole groups at a time: groups in a seeded random order are taken while
 * they fit, so the count is missed by less than the largest group (met exactly when every group is one
 * item). Output order follows the input order.
 */
export function groupedHoldout<T>(
  items: readonly T[],
  groupOf: (item: T) => string,
  count: number,
  seed: number,
): Holdout<T> {
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

/**
 * Assigns every item to one of `k` folds, whole groups at a time, for cross-fitting: a detector fitted
 * without fold f scores the items of fold f, so no item is scored by a detector that saw its group.
 * Groups go in a seeded random order to the fold with the fewest items so far, which keeps the folds
 * within one group's size of each other. With k = the number of groups each group is its own fold
 * (leave-one-group-out). Returns the fold of each item, in input order.
 */
export function groupFolds<T>(items: readonly T[], groupOf: (item: T) => string, k: number, seed: number): Int32Array {
  const sizes = new Map<string, number>();
  for (const it of items) {
    const g = groupOf(it);
    sizes.set(g, (sizes.get(g) ?? 0) + 1);
  }
  if (!Number.isInteger(k) || k < 2 || k > sizes.size) {
    throw new XrayError('INTERNAL', `cannot split ${sizes.size} groups into ${k} folds (2 to ${sizes.size})`);
  }
  // Larger groups first (then the seeded order) so that balancing by fewest-items-so-far works.
  const order = shuffled([...sizes.keys()].sort(), mulberry32(seed)).sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  const load = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const g of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[best]) best = f;
    foldOf.set(g, best);
    load[best] += sizes.get(g)!;
  }
  return Int32Array.from(items, (it) => foldOf.get(groupOf(it))!);
}
