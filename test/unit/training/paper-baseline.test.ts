// The paper's baseline shipped in models/ (trained by training/, `npm run paper -- chest ...`) loads unchanged
// in the product's engine and scores an image the way its manifest says: a map when its score is a
// reconstruction score, none when it is a discriminator score (the viewer then says so).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { parseManifest } from '../../../src/core/model/validate';
import { bundleEngine, encodePng, LIMITS, newClient, pattern16 } from '../engine/helpers';

const MODELS = resolve(__dirname, '../../../models');
const files = readdirSync(MODELS).filter((f) => /^paper-.*\.model\.json$/.test(f));
let engine: Awaited<ReturnType<typeof bundleEngine>>;

before(async () => {
  engine = await bundleEngine();
});
after(() => engine.cleanup());

test('exactly one paper baseline is shipped, with the data attribution', () => {
  assert.equal(files.length, 1, `models/paper-*.model.json: ${files.join(', ')}`);
  const m = parseManifest(readFileSync(join(MODELS, files[0]), 'utf8'), files[0]);
  assert.match(m.license ?? '', /CC BY 4\.0.*Kermany/);
  assert.match(m.description ?? '', /test-dev/);
});

test('the engine loads the paper baseline and scores a generated image through it', async () => {
  const manifestPath = join(MODELS, files[0]);
  const manifest: ModelManifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const { client } = newClient(engine.enginePath);
  try {
    const scores: number[] = [];
    for (const seed of [1, 2]) {
      const d = await client.decode({ bytes: encodePng(300, 260, pattern16(300, 260, seed)), fileName: 'p.png', limits: LIMITS });
      const loaded = await client.loadModel({ manifestPath, provider: 'cpu' });
      const a = await client.analyze({ imageId: d.imageId, modelKey: loaded.modelKey });
      assert.ok(Number.isFinite(a.score.raw) && a.score.normalized >= 0 && a.score.normalized <= 1, JSON.stringify(a.score));
      if (manifest.outputs.anomalyMap) {
        assert.ok(a.map, 'a reconstruction score comes with its map');
        assert.deepEqual([a.map.width, a.map.height], [manifest.input.width, manifest.input.height]);
      } else assert.equal(a.map, undefined, 'a discriminator score has no map');
      scores.push(a.score.raw);
    }
    assert.notEqual(scores[0], scores[1], 'different images, different scores');
  } finally {
    client.dispose();
  }
});
