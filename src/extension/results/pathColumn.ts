/** Paths as the results protocol carries them (PathColumn): each folder once, the file names in one string. */
import type { PathColumn } from '../../protocol/results';

export function encodePaths(paths: readonly string[]): PathColumn {
  const folders: string[] = [];
  const folderIndex = new Map<string, number>();
  const folderOf = new Uint32Array(paths.length);
  const nameEnds = new Uint32Array(paths.length);
  const names: string[] = [];
  let end = 0;
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
    const name = p.slice(slash + 1);
    names.push(name);
    end += name.length;
    nameEnds[i] = end;
  });
  return { folders, folderOf, names: names.join(''), nameEnds };
}
