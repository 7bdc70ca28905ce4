/**
 * What a labelled file's name shows wherever VS Code shows it (Explorer, editor tabs, quick open): a badge of at
 * most two characters, the colour of its label, and a tooltip naming the label set, the label and the note.
 * Free of `vscode` so it is unit-tested; labelDecorations.ts hands it to VS Code.
 */
import type { LabelEntry, LabelValue } from '../../core/labels/types';
import { l10n } from '../l10n';

/** The colour ids contributed in package.json (contributes.colors), one per label. */
export const LABEL_COLORS: Record<LabelValue, string> = {
  normal: 'xrayAnomaly.label.normal',
  abnormal: 'xrayAnomaly.label.abnormal',
  unsure: 'xrayAnomaly.label.unsure',
};

export interface LabelDecorationText {
  badge: string;
  tooltip: string;
  /** A colour id of LABEL_COLORS; absent for a note without a label. */
  color?: string;
}

/** The decoration of an entry of the label set `set`, or undefined when it has nothing to show. */
export function labelDecorationText(e: LabelEntry | undefined, set: string): LabelDecorationText | undefined {
  if (!e || (!e.label && !e.note && !e.boxes?.length)) return undefined;
  // VS Code shows at most two characters: the label's letter, the note's pencil when there is no label.
  const badge = e.label ? BADGES[e.label] : e.note ? '✎' : '□';
  const what = e.label ? labelName(e.label) : l10n.t('no label');
  const parts = [l10n.t('Label set "{0}": {1}', set, what)];
  if (e.boxes?.length) parts.push(l10n.t('{0} box mark(s)', e.boxes.length));
  if (e.note) parts.push(l10n.t('Note: {0}', e.note.length > 200 ? `${e.note.slice(0, 199)}…` : e.note));
  return { badge, tooltip: parts.join(' · '), color: e.label ? LABEL_COLORS[e.label] : undefined };
}

const BADGES: Record<LabelValue, string> = { normal: 'N', abnormal: 'A', unsure: '?' };

function labelName(v: LabelValue): string {
  return v === 'normal' ? l10n.t('normal') : v === 'abnormal' ? l10n.t('abnormal') : l10n.t('unsure');
}

/** The decoration's identity: a file whose key did not change needs no new decoration. */
export function decorationKey(e: LabelEntry | undefined, set: string): string {
  const d = labelDecorationText(e, set);
  return d ? `${d.badge}|${d.color ?? ''}|${d.tooltip}` : '';
}

/**
 * Paths whose decoration changed between two snapshots (path -> decorationKey), so VS Code is asked to
 * redraw those names only.
 */
export function changedPaths(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [p, k] of after) if (before.get(p) !== k) out.push(p);
  for (const p of before.keys()) if (!after.has(p)) out.push(p);
  return out;
}
