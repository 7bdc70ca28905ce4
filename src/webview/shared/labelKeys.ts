/**
 * The labelling keys, one table for the results panel, its grid and the X-ray viewer, so the same key does
 * the same thing wherever an image is shown: j/k or the arrows move, 1 normal, 2 abnormal, 3 unsure,
 * 0 clears the label, n writes a note, u undoes the last label change. Pure: the views act on the result.
 */
export type LabelKeyAction =
  | { kind: 'label'; label: 'normal' | 'abnormal' | 'unsure' | null }
  | { kind: 'note' }
  | { kind: 'undo' }
  | { kind: 'move'; delta: 1 | -1 };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export function labelKeyAction(e: KeyLike, { arrows = true } = {}): LabelKeyAction | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  switch (e.key) {
    case '1':
      return { kind: 'label', label: 'normal' };
    case '2':
      return { kind: 'label', label: 'abnormal' };
    case '3':
      return { kind: 'label', label: 'unsure' };
    case '0':
      return { kind: 'label', label: null };
    case 'n':
    case 'N':
      return { kind: 'note' };
    case 'u':
    case 'U':
      return { kind: 'undo' };
    case 'j':
      return { kind: 'move', delta: 1 };
    case 'k':
      return { kind: 'move', delta: -1 };
    case 'ArrowDown':
      return arrows ? { kind: 'move', delta: 1 } : undefined;
    case 'ArrowUp':
      return arrows ? { kind: 'move', delta: -1 } : undefined;
  }
  return undefined;
}

/** A key as a test or a bench names it ('j', '2', 'shift+ArrowDown') as the event fields. */
export function parseKeyName(name: string): KeyLike & { shiftKey: boolean } {
  const parts = name.split('+');
  const key = parts.pop() ?? '';
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  return {
    key,
    shiftKey: mods.has('shift'),
    ctrlKey: mods.has('ctrl'),
    metaKey: mods.has('meta'),
    altKey: mods.has('alt'),
  };
}
