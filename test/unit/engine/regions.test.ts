// A spec that splits two hands gives one network input per hand: the engine scores each, reports the
// highest as the image score, and returns one map on the original image's grid.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../../../src/core/decode';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInputs } from '../../../src/core/preprocess/pipeline';
import { scoreOutputs } from '../../../src/core/scoring/postprocess';
import { handPhantomPng } from '../../fixtures/images';
import { writeReconstructionModel } from '../../fixtures/models';
import { bundleEngine, LIMITS, newClient, tempDir } from './helpers';

let cleanups: (() => void)[] = [];
let enginePath: string;
let dir: string;

before(async () => {
  const b = await bundleEngine();
  const t = tempDir('regions');
  enginePath = b.enginePath;
  dir = t.dir;
  cleanups = [b.cleanup, t.cleanup];
});
after(() => cleanups.forEach((c) => c()));

test('two hands: scored per hand, image score is the highest, one map over the whole image', async () => {
  const model = writeReconstructionModel(dir, {
    name: 'split',
    kind: 'blur',
    manifest: {
      preprocessing: {
        steps: [{ op: 'intensity', mode: 'minmax' }, { op: 'splitHands' }, { op: 'resizePad', size: 64 }],
      },
    },
  });
  const png = await handPhantomPng({ width: 640, height: 400, hands: 2, seed: 5 });
  const image = await decodeImage(png, 'two.png');
  const manifest = parseManifest(readFileSync(model.manifestPath, 'utf8'), model.manifestPath);
  const regions = prepareInputs(image, manifest);
  assert.equal(regions.length, 2, 'the phantom holds two hands');
  const expected = Math.max(...regions.map((p) => scoreOutputs(model.expected(p.tensor), p, manifest).score.raw));

  const { client } = newClient(enginePath);
  try {
    const d = await client.decode({ bytes: png, fileName: 'two.png', limits: LIMITS });
    const m = await client.loadModel({ manifestPath: model.manifestPath, provider: 'cpu' });
    const a = await client.analyze({ imageId: d.imageId, modelKey: m.modelKey });
    assert.ok(Math.abs(a.score.raw - expected) <= 1e-6 * Math.max(1, expected), `${a.score.raw} vs ${expected}`);
    assert.ok(a.map, 'a combined map');
    // The combined grid covers the whole image: its affine maps the far corner onto the image corner.
    const [sx, , , , sy] = a.map.toImage;
    assert.ok(Math.abs(sx * a.map.width - image.width) < 1e-6 && Math.abs(sy * a.map.height - image.height) < 1e-6);
  } finally {
    client.dispose();
  }
});
