/**
 * A label set: what one person (or one task) said about images of a workspace, one entry per image.
 * Entries are keyed by the image's workspace-relative path ('/' separators) and carry the SHA-256 of the
 * bytes that were labelled (the batch store's content hash), so a file replaced under the same name is
 * seen as such instead of silently inheriting a label, and a moved file can be found by its content.
 */
export const LABEL_VALUES = ['normal', 'abnormal', 'unsure'] as const;
export type LabelValue = (typeof LABEL_VALUES)[number];

export interface LabelEntry {
  /** Workspace-relative path, '/' separators, no leading './'. */
  path: string;
  /** Absent when only a note was written. */
  label?: LabelValue;
  note?: string;
  /** SHA-256 (hex) of the file when it was labelled; '' when unknown. */
  sha256: string;
  /** ISO time of the last change. */
  updated: string;
}

/**
 * One change to one image. `label: null` / `note: null` remove them; an absent field stays as it is.
 * An entry left with neither label nor note is removed from the set.
 */
export interface LabelEdit {
  path: string;
  label?: LabelValue | null;
  note?: string | null;
  sha256?: string;
}

export function isLabelValue(v: unknown): v is LabelValue {
  return typeof v === 'string' && (LABEL_VALUES as readonly string[]).includes(v);
}

/** Same content (what a merge compares); the time stamp is not content. */
export function sameEntry(a: LabelEntry | undefined, b: LabelEntry | undefined): boolean {
  if (!a || !b) return a === b;
  return a.label === b.label && (a.note ?? '') === (b.note ?? '') && a.sha256 === b.sha256;
}
