/**
 * Thumbnails on demand for the results panel (rows whose thumbnail was never written, or was evicted): a
 * batch request with no model, so the engine's prep workers read, decode and write each file's thumbnail
 * by content hash, as a run would, and nothing is scored or stored. Never on the caller's thread.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fnv64, modelKey } from '../../core/batch/keys';
import { heatmapPath } from '../../core/batch/mediaPaths';
import { DEFAULT_DECODE_LIMITS } from '../../core/image/types';
import type { BatchModelSpec } from '../../protocol/engine';
import type { EngineClient } from '../client';
import { modelRefOf } from './service';

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

/**
 * Heatmaps on demand (the results panel's rows on screen that have none: a store written without them, by
 * the CLI or by a run that left them to be drawn when seen): a batch request for one model with heatmaps
 * on, so the engine reads, decodes, runs the model's whole graph and writes each file's heatmap by model
 * and content hash, as a run with heatmaps would; nothing is stored. One already in the cache is not made
 * again.
 *
 * @param items files relative to `root` ('/' separators) with their content hash
 * @returns each file's heatmap relative to `mediaDir`, or undefined when it cannot be made
 */
export async function makeHeatmaps(
  engine: Pick<EngineClient, 'batchScore'>,
  root: string,
  items: readonly { path: string; hash: string }[],
  mediaDir: string,
  model: BatchModelSpec,
  size?: number,
): Promise<(string | undefined)[]> {
  const ref = await modelRefOf(model.manifestPath);
  const dir = fnv64(modelKey(ref));
  const cached = await Promise.all(
    items.map(({ hash }) =>
      fsp.access(join(mediaDir, heatmapPath(dir, hash))).then(
        () => heatmapPath(dir, hash),
        () => undefined,
      ),
    ),
  );
  const make = items.filter((_, i) => !cached[i]);
  if (make.length === 0) return cached;
  const r = await engine.batchScore({
    models: [model],
    items: make.map((it) => ({ path: join(root, ...it.path.split('/')), models: [0] })),
    limits: DEFAULT_DECODE_LIMITS,
    media: { dir: mediaDir, size, heatmaps: true },
    quality: false,
  });
  let k = 0;
  return cached.map((c) => c ?? r.items[k++]?.models[0]?.heatmap);
}
