import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { IMAGE_EXTENSIONS, scanImages, type ScanFs } from '../../core/dataset/scan';
import { toErrorInfo } from '../../core/errors';
import { emptyFolderMessage } from './plan';
import { Refusal, shortPath } from './refusal';

/** The normal images a fit learns from. */
export interface Source {
  files: string[];
  /** Folder the images were found in (skipped paths are shown relative to it). */
  root?: string;
  /** For messages: the folder, or "N selected images". */
  label: string;
  /** Suggests the model id. */
  baseName: string;
}

/**
 * The images under the chosen folders and files: folders are searched (scanImages: sorted, hidden and
 * model folders skipped), files are kept when their extension is a supported one.
 */
export async function collectImages(paths: string[]): Promise<Source> {
  const exts = new Set(IMAGE_EXTENSIONS);
  const counting = countingFs();
  const files: string[] = [];
  let looseFiles = 0;
  for (const p of paths) {
    const stat = await fsp.stat(p).catch(() => undefined);
    if (!stat) throw new Refusal(vscode.l10n.t('{0} does not exist.', p));
    if (stat.isDirectory()) {
      const found = await scanImages(p, counting.fs, { maxFiles: 200_000 }).catch((err: unknown) => {
        throw new Refusal(vscode.l10n.t('Cannot list the images in {0}: {1}', p, toErrorInfo(err).message));
      });
      files.push(...found.map((rel) => path.join(p, ...rel.split('/'))));
    } else {
      looseFiles++;
      if (exts.has(path.extname(p).toLowerCase())) files.push(p);
    }
  }
  const single = paths.length === 1 ? paths[0] : undefined;
  const label = single ? shortPath(single) : vscode.l10n.t('the {0} selected items', paths.length);
  if (files.length === 0)
    throw new Refusal(
      emptyFolderMessage(label, counting.filesSeen() + looseFiles, single && looseFiles === 0 ? 'folder' : 'selection'),
    );
  const unique = [...new Set(files)];
  const root = single && looseFiles === 0 ? single : commonDir(unique);
  return {
    files: unique,
    root,
    label: single && looseFiles === 0 ? shortPath(single) : selectionLabel(unique.length, root),
    baseName: root ? path.basename(root) : 'images',
  };
}

/** "3 selected images in scans/hands" */
function selectionLabel(n: number, root: string | undefined): string {
  const images = n === 1 ? vscode.l10n.t('1 selected image') : vscode.l10n.t('{0} selected images', n);
  return root ? vscode.l10n.t('{0} in {1}', images, shortPath(root)) : images;
}

/** scanImages' file system, counting every file it sees (the empty-folder message says how many). */
function countingFs(): { fs: ScanFs; filesSeen: () => number } {
  let seen = 0;
  return {
    fs: {
      readdir: async (dir) => {
        const entries = await fsp.readdir(dir, { withFileTypes: true });
        const out = entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() }));
        seen += out.filter((e) => e.isFile).length;
        return out;
      },
    },
    filesSeen: () => seen,
  };
}

function commonDir(files: string[]): string | undefined {
  if (files.length === 0) return undefined;
  let dir = path.dirname(files[0]);
  while (!files.every((f) => f.startsWith(dir + path.sep))) {
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return dir;
}
