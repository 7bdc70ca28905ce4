/** The table's row height in CSS pixels (results.css --row-height says the same): the virtual list's step. */
export const ROW_HEIGHT = 32;
