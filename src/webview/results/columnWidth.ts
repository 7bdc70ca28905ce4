/**
 * A table column's width as the user sets it, by mouse or by keys on the column's separator (the WAI-ARIA
 * window-splitter keys: arrows move it, Home to its least width; Enter gives the column its own width back,
 * as a double click does). Pure: the table applies, saves and announces the result.
 */
import type { KeyLike } from '../shared/labelKeys';

/** Bounds of a resized column in CSS pixels (saved widths outside them are not read back). */
export const COLUMN_MIN = 24;
export const COLUMN_MAX = 4000;
/** Pixels per arrow key; with Shift, a bigger step. */
export const KEY_STEP = 10;
export const KEY_STEP_BIG = 50;

export function clampWidth(px: number): number {
  return Math.round(Math.min(COLUMN_MAX, Math.max(COLUMN_MIN, px)));
}

/** A new width for the column (`own`: back to the width its track gives it), or undefined: not a resize key. */
export type WidthChange = { px: number } | 'own' | undefined;

export function widthForKey(e: KeyLike & { shiftKey?: boolean }, current: number): WidthChange {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const step = e.shiftKey ? KEY_STEP_BIG : KEY_STEP;
  switch (e.key) {
    case 'ArrowRight':
      return { px: clampWidth(current + step) };
    case 'ArrowLeft':
      return { px: clampWidth(current - step) };
    case 'Home':
      return { px: COLUMN_MIN };
    case 'Enter':
      return 'own';
  }
  return undefined;
}
