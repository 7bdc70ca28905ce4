/** The node:fs side of dataset scanning and model discovery (src/core/dataset/scan.ts and model/registry.ts inject it). */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { DatasetFs } from '../../core/dataset/scan';
import type { ModelFs } from '../../core/model/registry';

/**
 * A symbolic link to a file counts as that file (a data split made of links scans like the real thing);
 * links to folders are not followed, so there are no cycles.
 */
export const nodeDatasetFs: DatasetFs = {
  readdir: async (d) =>
    Promise.all(
      (await fsp.readdir(d, { withFileTypes: true })).map(async (e) => {
        if (e.isSymbolicLink()) {
          const target = await fsp.stat(join(d, e.name)).catch(() => undefined);
          return { name: e.name, isDirectory: false, isFile: target?.isFile() ?? false };
        }
        return { name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() };
      }),
    ),
  stat: async (p) => {
    const s = await fsp.stat(p);
    return { size: s.size, mtimeMs: s.mtimeMs };
  },
  readHead: async (p, n) => {
    const fh = await fsp.open(p, 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    } finally {
      await fh.close();
    }
  },
};

export const nodeModelFs: ModelFs = {
  readdir: (d) => fsp.readdir(d),
  readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
  exists: async (p) => existsSync(p),
  isDirectory: async (p) => (await fsp.stat(p)).isDirectory(),
};
