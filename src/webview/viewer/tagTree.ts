/**
 * The DICOM attribute tree as the tags panel shows it: which rows are visible for the expanded
 * sequences and the search text. Pure, so search and expansion are unit-tested without a DOM. Rows are
 * identified by their index path ("3.0.1"), stable for one file's attribute list.
 */
import type { ViewerTag } from './types';

export interface TagRow {
  id: string;
  tag: ViewerTag;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
  /** The row itself matches the search (not just one of its descendants). */
  match: boolean;
}

export interface VisibleRows {
  rows: TagRow[];
  /** Attributes matching the search anywhere in the tree (all attributes without a search). */
  matches: number;
  /** Rows not listed because of the row limit. */
  hidden: number;
}

export function countTags(tags: readonly ViewerTag[]): number {
  let n = 0;
  for (const t of tags) n += 1 + (t.children ? countTags(t.children) : 0);
  return n;
}

export interface TagQuery {
  text: string;
  /** Hex digits of a tag-like query ("0010,0010" -> "00100010"), when it looks like one. */
  hex?: string;
  /** The text without spaces, so "patient name" finds PatientName. */
  compact: string;
}

export function parseQuery(raw: string): TagQuery | undefined {
  const text = raw.trim().toLowerCase();
  if (!text) return undefined;
  const stripped = text.replace(/[(),\s]/g, '');
  // Only digit-bearing queries are read as tags, so words like "face" search names and values only.
  const hex = /^[0-9a-f]{2,8}$/.test(stripped) && /\d/.test(stripped) ? stripped : undefined;
  return { text, hex, compact: text.replace(/\s+/g, '') };
}

export function tagMatches(t: ViewerTag, q: TagQuery): boolean {
  if (
    q.hex &&
    t.tag
      .replace(/[^0-9a-f]/gi, '')
      .toLowerCase()
      .includes(q.hex)
  )
    return true;
  const kw = t.keyword.toLowerCase();
  if (kw.includes(q.text) || kw.includes(q.compact)) return true;
  if (t.vr.toLowerCase() === q.text) return true;
  return t.value.toLowerCase().includes(q.text);
}

/**
 * Rows to show. Without a search: the top level plus the children of expanded sequences. With one:
 * every matching attribute and the sequences that lead to it (opened), and below a matching sequence
 * only what the user expands.
 */
export function visibleRows(
  tags: readonly ViewerTag[],
  expanded: ReadonlySet<string>,
  rawQuery: string,
  limit = 1500,
): VisibleRows {
  const q = parseQuery(rawQuery);
  if (!q) {
    const rows: TagRow[] = [];
    const walk = (list: readonly ViewerTag[], prefix: string, depth: number) => {
      list.forEach((t, i) => {
        const id = prefix ? `${prefix}.${i}` : String(i);
        const hasChildren = Boolean(t.children?.length);
        const open = hasChildren && expanded.has(id);
        rows.push({ id, tag: t, depth, hasChildren, expanded: open, match: false });
        if (open) walk(t.children!, id, depth + 1);
      });
    };
    walk(tags, '', 0);
    return { rows: rows.slice(0, limit), matches: countTags(tags), hidden: Math.max(0, rows.length - limit) };
  }

  let matches = 0;

  // A subtree's rows in document order; `showAll`: every attribute of `list` is listed (the user
  // opened a matching sequence), not only the matching ones.
  const walk = (list: readonly ViewerTag[], prefix: string, depth: number, showAll: boolean): TagRow[] => {
    const out: TagRow[] = [];
    list.forEach((t, i) => {
      const id = prefix ? `${prefix}.${i}` : String(i);
      const self = tagMatches(t, q);
      if (self) matches++;
      const hasChildren = Boolean(t.children?.length);
      const userOpen = hasChildren && expanded.has(id);
      const below = hasChildren ? walk(t.children!, id, depth + 1, userOpen && (self || showAll)) : [];
      if (self || showAll || below.length > 0) {
        out.push({ id, tag: t, depth, hasChildren, expanded: below.length > 0, match: self });
        for (const r of below) out.push(r);
      }
    });
    return out;
  };
  const all = walk(tags, '', 0, false);
  return { rows: all.slice(0, limit), matches, hidden: Math.max(0, all.length - limit) };
}
