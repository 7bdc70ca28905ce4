/**
 * The pipeline runs CLAHE followed by a resize as one pass (the resize reads CLAHE's rows as they are
 * made). That is a speed-up only: the output must be exactly what the separate steps give. A run with
 * onStep sees every intermediate raster, so it takes the separate path and serves as the reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, runPipelineMulti } from '../../../src/core/preprocess/pipeline';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';
import { handPhantom } from '../../fixtures/images';
import { phantomImage } from './images';

function separateAndJoined(steps: PreprocessStep[], size: { width: number; height: number }, phantom = { width: 180, height: 230, border: 12, marker: true, seed: 5 }) {
  const img = phantomImage(handPhantom(phantom));
  const separate = runPipeline(img, { steps }, size, { onStep: () => {} });
  const joined = runPipeline(img, { steps }, size);
  return { separate, joined };
}

const cases: [string, PreprocessStep[], { width: number; height: number }][] = [
  ['clahe then resizePad (shrinking)', [{ op: 'intensity', mode: 'percentile' }, { op: 'clahe', clipLimit: 3 }, { op: 'resizePad', size: 64 }], { width: 64, height: 64 }],
  [
    'clahe on padded content then resizePad',
    [{ op: 'intensity', mode: 'minmax' }, { op: 'resizePad', size: 301 }, { op: 'clahe', tilesX: 5, tilesY: 3 }, { op: 'resizePad', size: 97 }],
    { width: 97, height: 97 },
  ],
  ['clahe then resize (enlarging)', [{ op: 'intensity', mode: 'minmax' }, { op: 'clahe', bins: 128 }, { op: 'resize', width: 250, height: 333 }], { width: 250, height: 333 }],
  [
    'full automatic chain',
    [{ op: 'cropExposed' }, { op: 'rotatePortrait' }, { op: 'intensity', mode: 'percentile' }, { op: 'photometric', invertBrightBackground: true }, { op: 'maskText', mode: 'inpaint' }, { op: 'foreground' }, { op: 'clahe' }, { op: 'resizePad', size: 48 }],
    { width: 48, height: 48 },
  ],
];

for (const [name, steps, size] of cases) {
  test(`joined CLAHE + resize gives exactly the separate steps' output: ${name}`, () => {
    const { separate, joined } = separateAndJoined(steps, size);
    assert.deepEqual(joined.steps.map((s) => s.op), separate.steps.map((s) => s.op));
    assert.equal(joined.image.width, separate.image.width);
    assert.deepEqual(joined.image.data, separate.image.data);
    assert.deepEqual(joined.foreground, separate.foreground);
    assert.deepEqual(joined.toImage, separate.toImage);
    assert.deepEqual(joined.content, separate.content);
    // Not a vacuous comparison: CLAHE changed the values.
    assert.ok(joined.image.data.some((v) => v > 0 && v < 1));
  });
}

test('joined CLAHE + resize in a multi-output run matches the separate steps per hand', () => {
  const img = phantomImage(handPhantom({ width: 400, height: 260, hands: 2, seed: 3 }));
  const steps: PreprocessStep[] = [{ op: 'intensity', mode: 'percentile' }, { op: 'foreground', components: 2 }, { op: 'splitHands' }, { op: 'clahe' }, { op: 'resizePad', size: 40 }];
  const separate = runPipelineMulti(img, { steps }, { width: 40, height: 40 }, { onStep: () => {} });
  const joined = runPipelineMulti(img, { steps }, { width: 40, height: 40 });
  assert.equal(joined.length, separate.length);
  for (let i = 0; i < joined.length; i++) {
    assert.deepEqual(joined[i].image.data, separate[i].image.data);
    assert.deepEqual(joined[i].steps.map((s) => s.op), separate[i].steps.map((s) => s.op));
  }
});
