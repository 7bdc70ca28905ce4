/** The paths of a `data` message back from the protocol's PathColumn; a malformed one is refused whole. */
import type { PathColumn } from '../../protocol/results';

export function decodePaths(c: PathColumn): string[] {
  const n = c.folderOf.length;
  if (c.nameEnds.length !== n) throw new Error(`${n} folders but ${c.nameEnds.length} names`);
  const dec = new TextDecoder();
  const text = dec.decode(c.names);
  // All ASCII (the usual case): byte offsets are character offsets, so names are slices of one string.
  const ascii = text.length === c.names.length;
  const out = new Array<string>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = c.nameEnds[i];
    const folder = c.folders[c.folderOf[i]];
    if (typeof folder !== 'string' || end < start || end > c.names.length)
      throw new Error(`path ${i} points outside its folders or names`);
    const name = ascii ? text.slice(start, end) : dec.decode(c.names.subarray(start, end));
    out[i] = folder ? `${folder}/${name}` : name;
    start = end;
  }
  return out;
}
