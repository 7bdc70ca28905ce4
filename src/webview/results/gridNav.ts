/**
 * Where a key moves the grid's cursor: pure, so the grid's keyboard is unit-tested without a DOM. Left and
 * right (and j/k, as in the table) step one image in the panel's order; up and down one grid row; Page
 * keys one screen of rows; Home and End the ends. Undefined: the key does not move.
 */
export function gridStep(
  key: string,
  index: number,
  count: number,
  columns: number,
  pageRows: number,
): number | undefined {
  if (count <= 0) return undefined;
  const cols = Math.max(1, columns);
  const at = index < 0 ? -1 : Math.min(index, count - 1);
  let next: number;
  switch (key) {
    case 'ArrowRight':
    case 'j':
      next = at + 1;
      break;
    case 'ArrowLeft':
    case 'k':
      next = at < 0 ? 0 : at - 1;
      break;
    case 'ArrowDown':
      next = at < 0 ? 0 : at + cols;
      break;
    case 'ArrowUp':
      next = at < 0 ? 0 : at - cols;
      break;
    case 'PageDown':
      next = at < 0 ? 0 : at + cols * Math.max(1, pageRows);
      break;
    case 'PageUp':
      next = at < 0 ? 0 : at - cols * Math.max(1, pageRows);
      break;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
  // A step past either end stops at it (down from the last row goes to the last image).
  return Math.max(0, Math.min(count - 1, next));
}

/** Columns of tiles that fit a width: at least one. */
export function gridColumns(width: number, tile: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (tile + gap)));
}
