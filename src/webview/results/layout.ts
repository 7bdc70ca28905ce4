/** The table's row height in CSS pixels (results.css --row-height says the same): the virtual list's step. */
export const ROW_HEIGHT = 32;

/** The least width of a CSS track as the columns write them (`6em`, `40px`, `minmax(13em, 3fr)`), in pixels. */
export function minimumOf(track: string, em: number): number {
  const m = /(\d+(?:\.\d+)?)(px|em)/.exec(track);
  if (!m) return 0;
  return m[2] === 'px' ? Number(m[1]) : Number(m[1]) * em;
}
