/** Paths as the results protocol carries them (PathColumn): each folder once, the file names in one UTF-8 block. */
import type { PathColumn } from '../../protocol/results';

export function encodePaths(paths: readonly string[]): PathColumn {
  const folders: string[] = [];
  const folderIndex = new Map<string, number>();
  const folderOf = new Uint32Array(paths.length);
  const nameEnds = new Uint32Array(paths.length);
  const names: string[] = [];
  let lastFolder = '';
  let lastIndex = -1;
  paths.forEach((p, i) => {
    const slash = p.lastIndexOf('/');
    const folder = slash < 0 ? '' : p.slice(0, slash);
    // Files of a folder come together: look it up only when it changes.
    if (folder !== lastFolder || lastIndex < 0) {
      let f = folderIndex.get(folder);
      if (f === undefined) {
        f = folders.length;
        folders.push(folder);
        folderIndex.set(folder, f);
      }
      lastFolder = folder;
      lastIndex = f;
    }
    folderOf[i] = lastIndex;
    names.push(p.slice(slash + 1));
  });
  const joined = names.join('');
  const bytes = new TextEncoder().encode(joined);
  // All ASCII (the usual case): byte offsets are character offsets.
  const ascii = bytes.length === joined.length;
  let end = 0;
  names.forEach((name, i) => {
    end += ascii ? name.length : utf8Length(name);
    nameEnds[i] = end;
  });
  return {
    folders,
    folderOf: folders.length <= 0x10000 ? Uint16Array.from(folderOf) : folderOf,
    names: bytes,
    nameEnds,
  };
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;
  }
  return n;
}
