// Thumbnails on demand (engine/batch/thumbnails.ts) on the real engine: files of a folder scored without
// media (as the CLI does by default) get their thumbnails written where a run would put them, by content
// hash; an evicted one is written again; unreadable files have none; nothing is scored or stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { thumbPath } from '../../../src/core/batch/mediaPaths';
import type { EngineClient } from '../../../src/engine/client';
import { makeThumbnails } from '../../../src/engine/batch/thumbnails';
import { buildOnce, makeDataset, newEngine, workDir } from './helpers';

let work: string;
let data: string;
let engine: EngineClient;

before(async () => {
  buildOnce();
  work = workDir('batch-thumbs');
  data = await makeDataset(work, 4);
  engine = newEngine();
});
after(() => engine.dispose());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('thumbnails are made for files that have none, by content hash; unreadable files have none', async () => {
  const media = join(work, 'media');
  const paths = ['a/img001.png', 'b/IM0001', 'a/broken.png', 'a/gone.png'];
  const made = await makeThumbnails(engine, data, paths, media);
  assert.deepEqual(made, [
    thumbPath(sha(join(data, 'a/img001.png'))),
    thumbPath(sha(join(data, 'b/IM0001'))),
    undefined,
    undefined,
  ]);
  for (const rel of made.slice(0, 2)) assert.equal(readFileSync(join(media, rel!)).subarray(8, 12).toString(), 'WEBP');
  // Only thumbnails: no store, no heatmap.
  assert.deepEqual(readdirSync(media), ['thumbs']);
  // Evicted from the cache: asked again, written again.
  rmSync(join(media, made[0]!));
  assert.deepEqual(await makeThumbnails(engine, data, paths.slice(0, 1), media), made.slice(0, 1));
  assert.ok(existsSync(join(media, made[0]!)));
});
