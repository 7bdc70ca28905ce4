/**
 * Lists the images of a dataset folder, deterministically (sorted relative paths), so that runs are
 * reproducible, resumable and shardable across machines: shard i of n takes the paths whose stable
 * hash falls in its bucket, whatever order the file system lists them in.
 */
import { join } from 'node:path';
import { pathSelector, type SelectOptions } from './select';
import type { ScannedFile } from '../batch/plan';

export const IMAGE_EXTENSIONS = ['.dcm', '.dicom', '.png', '.jpg', '.jpeg', '.tif', '.tiff'];

export interface ScanFs {
  /** Entries of a folder with their kind; symbolic links are not followed (no cycles). */
  readdir(dir: string): Promise<{ name: string; isDirectory: boolean; isFile: boolean }[]>;
}

export interface ScanOptions {
  extensions?: string[];
  /** Stop with an error beyond this many files (protects against scanning a whole disk by mistake). */
  maxFiles?: number;
  /** Folder names never entered. */
  skipDirs?: string[];
}

export interface DatasetFs extends ScanFs {
  stat(path: string): Promise<{ size: number; mtimeMs: number }>;
  /** Up to `n` first bytes of a file (fewer when it is shorter). */
  readHead(path: string, n: number): Promise<Uint8Array>;
}

export interface DatasetScanOptions extends SelectOptions {
  /** Stop with an error beyond this many files (default 1,000,000). */
  maxFiles?: number;
  /** Folder names never entered (default node_modules, .git, .xray-anomaly). */
  skipDirs?: string[];
  /** Look at extension-less files for the DICOM preamble (default true). */
  sniffDicom?: boolean;
}

/** DICOM Part 10: a 128-byte preamble, then the letters DICM. */
export function looksLikeDicom(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

/**
 * The files of a batch, sorted by path, with size and modification time: include/exclude globs and
 * files.exclude applied (excluded folders are not entered), hidden folders and `skipDirs` skipped,
 * extension-less files taken when they carry the DICOM preamble. A file that vanishes between the
 * listing and its stat is left out.
 */
export async function scanDataset(root: string, fs: DatasetFs, opts: DatasetScanOptions = {}): Promise<ScannedFile[]> {
  const sel = pathSelector(opts);
  const skip = new Set(opts.skipDirs ?? ['node_modules', '.git', '.xray-anomaly']);
  const max = opts.maxFiles ?? 1_000_000;
  const sniff = opts.sniffDicom ?? true;
  const out: ScannedFile[] = [];
  const take = async (rel: string) => {
    const st = await fs.stat(join(root, rel)).catch(() => undefined);
    if (!st) return;
    out.push({ path: rel, size: st.size, mtimeMs: st.mtimeMs });
    if (out.length > max)
      throw new Error(`More than ${max} images under ${root}; narrow the folder or raise the limit.`);
  };
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(rel ? join(root, rel) : root);
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (!skip.has(e.name) && !e.name.startsWith('.') && sel.enterDir(child)) await walk(child);
      } else if (e.isFile) {
        if (sel.includeFile(child)) await take(child);
        else if (sniff && !e.name.includes('.') && !sel.excludedFile(child)) {
          const head = await fs.readHead(join(root, child), 132).catch(() => new Uint8Array(0));
          if (looksLikeDicom(head)) await take(child);
        }
      }
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function scanImages(root: string, fs: ScanFs, opts: ScanOptions = {}): Promise<string[]> {
  const exts = new Set((opts.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
  const skip = new Set(opts.skipDirs ?? ['node_modules', '.git', '.xray-anomaly']);
  const max = opts.maxFiles ?? 1_000_000;
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(rel ? join(root, rel) : root);
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (!skip.has(e.name) && !e.name.startsWith('.')) await walk(child);
      } else if (e.isFile) {
        const dot = e.name.lastIndexOf('.');
        const ext = dot >= 0 ? e.name.slice(dot).toLowerCase() : '';
        if (exts.has(ext)) {
          out.push(child);
          if (out.length > max)
            throw new Error(`More than ${max} images under ${root}; narrow the folder or raise the limit.`);
        }
      }
    }
  };
  await walk('');
  return out.sort();
}

/** FNV-1a 32-bit of the UTF-16 code units: stable across machines and Node versions. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`Shard must look like i/n (e.g. 0/4), got "${text}".`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`Shard ${text}: need 0 <= i < n.`);
  return { index, count };
}

export function inShard(relPath: string, shard: Shard | undefined): boolean {
  return !shard || stableHash(relPath) % shard.count === shard.index;
}
