/**
 * A label set: what one person (or one task) said about images of a workspace, one entry per image.
 * Entries are keyed by the image's workspace-relative path ('/' separators) and carry the SHA-256 of the
 * bytes that were labelled (the batch store's content hash), so a file replaced under the same name is
 * seen as such instead of silently inheriting a label, and a moved file can be found by its content.
 */
export const LABEL_VALUES = ['normal', 'abnormal', 'unsure'] as const;
export type LabelValue = (typeof LABEL_VALUES)[number];

/** A box marked on the image: image pixel coordinates of the decoded image, top-left origin, integers. */
export interface LabelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LabelEntry {
  /** Workspace-relative path, '/' separators, no leading './'. */
  path: string;
  /** Absent when only a note was written. */
  label?: LabelValue;
  note?: string;
  /** Boxes marked on the image (absent: none). */
  boxes?: LabelBox[];
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
  /** The image's boxes, all of them (null or [] removes them). */
  boxes?: LabelBox[] | null;
  sha256?: string;
}

export function isLabelValue(v: unknown): v is LabelValue {
  return typeof v === 'string' && (LABEL_VALUES as readonly string[]).includes(v);
}

/** Same content (what a merge compares); the time stamp is not content. */
export function sameEntry(a: LabelEntry | undefined, b: LabelEntry | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.label === b.label &&
    (a.note ?? '') === (b.note ?? '') &&
    a.sha256 === b.sha256 &&
    formatBoxes(a.boxes) === formatBoxes(b.boxes)
  );
}

/** Boxes as the label file writes them: `x y w h` each, `;` between boxes ('' for none). */
export function formatBoxes(boxes: readonly LabelBox[] | undefined): string {
  return (boxes ?? []).map((b) => `${b.x} ${b.y} ${b.w} ${b.h}`).join(';');
}

/** The boxes of a label file's cell, or why they cannot be read. */
export function parseBoxes(text: string): LabelBox[] | string {
  const t = text.trim();
  if (!t) return [];
  const out: LabelBox[] = [];
  for (const part of t.split(';')) {
    const n = part.trim().split(/\s+/).map(Number);
    if (n.length !== 4 || !n.every((v) => Number.isInteger(v) && v >= 0 && v <= 1_000_000))
      return `box "${part.trim().slice(0, 40)}" is not four whole numbers "x y w h"`;
    if (n[2] < 1 || n[3] < 1) return `box "${part.trim().slice(0, 40)}" has no width or height`;
    out.push({ x: n[0], y: n[1], w: n[2], h: n[3] });
  }
  return out;
}

/** Most boxes one image keeps (the label file's cell stays a readable length). */
export const MAX_BOXES = 64;

/** Whether a value from a message is usable boxes: whole numbers as parseBoxes accepts them, at most MAX_BOXES. */
export function isLabelBoxList(v: unknown): v is LabelBox[] {
  const whole = (k: unknown): k is number => Number.isInteger(k) && (k as number) >= 0 && (k as number) <= 1_000_000;
  return (
    Array.isArray(v) &&
    v.length <= MAX_BOXES &&
    v.every((b: unknown) => {
      if (typeof b !== 'object' || b === null) return false;
      const { x, y, w, h } = b as Record<string, unknown>;
      return whole(x) && whole(y) && whole(w) && whole(h) && w >= 1 && h >= 1;
    })
  );
}
