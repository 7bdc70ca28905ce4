/**
 * The panel's dataset-quality verdicts by row (the host's `quality` notification: flags, duplicate group
 * and measures), what the Quality column shows for a row, the quality filter, and the sort key that puts
 * each duplicate group together. Pure: no DOM.
 */
import type { QUALITY_FLAG_NAMES as HOST_FLAG_NAMES, QualityCell, QualityFilter } from '../../protocol/results';
import { l10n } from '../shared/l10n';

export type QualityFlagName = (typeof HOST_FLAG_NAMES)[number];

/** The flags in bit order: the webview imports no protocol values, so a copy, checked equal to the host's. */
export const QUALITY_FLAG_NAMES = [
  'unreadable',
  'exactDuplicate',
  'nearDuplicate',
  'dark',
  'bright',
  'lowInformation',
  'blurry',
  'oddSize',
  'oddAspect',
] as const;
const sameOrder: typeof QUALITY_FLAG_NAMES extends typeof HOST_FLAG_NAMES
  ? typeof HOST_FLAG_NAMES extends typeof QUALITY_FLAG_NAMES
    ? true
    : never
  : never = true;
void sameOrder;
export type { QualityFilter };

export const QUALITY_FILTERS: readonly QualityFilter[] = ['all', 'any', 'none', 'duplicates', ...QUALITY_FLAG_NAMES];

/** Measures per row in a QualityCell, after row, flags and group. */
const M = 7;

const bit = (f: QualityFlagName) => 1 << QUALITY_FLAG_NAMES.indexOf(f);
const DUPLICATES = bit('exactDuplicate') | bit('nearDuplicate');

export class QualityTable {
  private flags = new Uint16Array(0);
  private group = new Int32Array(0);
  /** mean, p1, p99, entropy, sharpness, width, height per row (NaN: not measured). */
  private measures = new Float64Array(0);
  private groupSize = new Map<number, number>();
  /** Whether the host has sent verdicts at all (before that the column is empty, not "no problem"). */
  known = false;

  /** The duplicate group of a row (its first row), or undefined. */
  groupOf(row: number): number | undefined {
    const g = this.group[row];
    return g !== undefined && g >= 0 && (this.flags[row] & DUPLICATES) !== 0 ? g : undefined;
  }

  /** Replaces every verdict (the host always sends all rows). */
  apply(items: readonly QualityCell[]): void {
    const n = items.reduce((m, c) => Math.max(m, c[0] + 1), 0);
    this.flags = new Uint16Array(n);
    this.group = new Int32Array(n).fill(-1);
    this.measures = new Float64Array(n * M).fill(NaN);
    this.groupSize = new Map();
    for (const [row, flags, group, ...m] of items) {
      if (!(row >= 0)) continue;
      this.flags[row] = flags;
      this.group[row] = group;
      for (let k = 0; k < M; k++) this.measures[row * M + k] = m[k] ?? NaN;
      if (group >= 0) this.groupSize.set(group, (this.groupSize.get(group) ?? 0) + 1);
    }
    this.known = true;
  }

  /** The decoded image's size in pixels, when it was measured (box marks are drawn on its thumbnail by it). */
  size(row: number): [number, number] | undefined {
    const w = this.measures[row * M + 5];
    const h = this.measures[row * M + 6];
    return w >= 1 && h >= 1 ? [w, h] : undefined;
  }

  flagsOf(row: number): QualityFlagName[] {
    const f = this.flags[row] ?? 0;
    return QUALITY_FLAG_NAMES.filter((_, i) => f & (1 << i));
  }

  passes(row: number, filter: QualityFilter): boolean {
    if (filter === 'all') return true;
    const f = this.flags[row] ?? 0;
    if (filter === 'any') return f !== 0;
    if (filter === 'none') return f === 0 && row < this.flags.length;
    if (filter === 'duplicates') return (f & DUPLICATES) !== 0;
    return (f & bit(filter)) !== 0;
  }

  /**
   * Sort key: duplicate groups first, each together (keyed by the group's first row), then other flagged
   * rows by how many flags they have, then the rest; NaN (no verdict yet) last.
   */
  sortKey(row: number): number {
    if (row >= this.flags.length) return NaN;
    const g = this.group[row];
    if (g >= 0 && (this.flags[row] & DUPLICATES) !== 0) return g;
    const f = this.flags[row];
    return f ? 0x40000000 - popcount(f) : 0x7fffffff;
  }

  /** The cell's text: each flag with its value, for people. */
  describe(row: number): string {
    return this.flagsOf(row)
      .map((f) => this.flagText(row, f))
      .join(' · ');
  }

  /** Rows per flag. */
  counts(): Record<QualityFlagName, number> {
    const out = Object.fromEntries(QUALITY_FLAG_NAMES.map((f) => [f, 0])) as Record<QualityFlagName, number>;
    for (const f of this.flags) QUALITY_FLAG_NAMES.forEach((name, i) => (out[name] += (f >> i) & 1));
    return out;
  }

  private flagText(row: number, f: QualityFlagName): string {
    const m = (k: number) => this.measures[row * M + k];
    const one = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '?');
    const size = this.groupSize.get(this.group[row]) ?? 1;
    switch (f) {
      case 'unreadable':
        return l10n.t('Unreadable');
      case 'exactDuplicate':
        return l10n.t('Exact duplicate ({0} files)', size);
      case 'nearDuplicate':
        return l10n.t('Near duplicate ({0} files)', size);
      case 'dark':
        return l10n.t('Too dark (99% below {0}, mean {1})', m(2), one(m(0)));
      case 'bright':
        return l10n.t('Too bright (99% above {0}, mean {1})', m(1), one(m(0)));
      case 'lowInformation':
        return l10n.t('Low information ({0} bits)', one(m(3)));
      case 'blurry':
        return l10n.t('Blurry (sharpness {0})', one(m(4)));
      case 'oddSize':
        return l10n.t('Odd size ({0} × {1})', m(5), m(6));
      case 'oddAspect':
        return l10n.t('Odd aspect ratio ({0} × {1})', m(5), m(6));
    }
  }
}

/** The filter's name in the quality filter's list. */
export function qualityFilterLabel(f: QualityFilter): string {
  switch (f) {
    case 'all':
      return l10n.t('Any quality');
    case 'any':
      return l10n.t('Quality: any flag');
    case 'none':
      return l10n.t('Quality: no flag');
    case 'duplicates':
      return l10n.t('Duplicates (exact or near)');
    case 'unreadable':
      return l10n.t('Unreadable');
    case 'exactDuplicate':
      return l10n.t('Exact duplicates');
    case 'nearDuplicate':
      return l10n.t('Near duplicates');
    case 'dark':
      return l10n.t('Too dark');
    case 'bright':
      return l10n.t('Too bright');
    case 'lowInformation':
      return l10n.t('Low information');
    case 'blurry':
      return l10n.t('Blurry');
    case 'oddSize':
      return l10n.t('Odd size');
    case 'oddAspect':
      return l10n.t('Odd aspect ratio');
  }
}

function popcount(v: number): number {
  let n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}
