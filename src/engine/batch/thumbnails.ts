/**
 * Thumbnails on demand for the results panel (rows whose thumbnail was never written, or was evicted): a
 * batch request with no model, so the engine's prep workers read, decode and write each file's thumbnail
 * by content hash, as a run would, and nothing is scored or stored. Never on the caller's thread.
 */
import { join } from 'node:path';
import { DEFAULT_DECODE_LIMITS } from '../../core/image/types';
import type { EngineClient } from '../client';

/**
 * @param root the scored folder; `paths` are relative to it ('/' separators)
 * @returns each file's thumbnail relative to `mediaDir`, or undefined when it cannot be read or decoded
 */
export async function makeThumbnails(
  engine: Pick<EngineClient, 'batchScore'>,
  root: string,
  paths: readonly string[],
  mediaDir: string,
  size?: number,
): Promise<(string | undefined)[]> {
  const r = await engine.batchScore({
    models: [],
    items: paths.map((p) => ({ path: join(root, ...p.split('/')), models: [] })),
    limits: DEFAULT_DECODE_LIMITS,
    media: { dir: mediaDir, size },
  });
  return paths.map((_, i) => r.items[i]?.thumb);
}
