/**
 * The results panel's head (its first screenful, sent ahead of the rows) when the host sends it before the page
 * asks: the order a fresh page shows first, and whether a head made for one request serves another. Shared by the
 * host, which sends it as soon as the store is read (the page's `ready` would cost a round trip through the
 * workbench first), and the page, which shows it only if it is what it would ask for (a restored page may keep
 * another order: it then gets its own head when it says `ready`).
 */
import type { HeadWanted } from './results';

/**
 * What a page with no saved state asks for: the first model's raw score, highest first (webview/results/query.ts
 * DEFAULT_QUERY; a unit test keeps them equal), and more rows than a screenful of any window (32 px rows).
 */
export const FRESH_HEAD: HeadWanted = { model: 0, key: 'raw', descending: true, rows: 120 };

/** A head made for `made` shows the first rows of a page that asked for `asked`. */
export function headAnswers(made: HeadWanted, asked: HeadWanted | undefined): boolean {
  return (
    asked !== undefined &&
    made.model === asked.model &&
    made.key === asked.key &&
    made.descending === asked.descending &&
    made.rows >= asked.rows
  );
}
