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

function separateAndJoined(
  steps: PreprocessStep[],
  size: { width: number; height: number },
  phantom = { width: 180, height: 230, border: 12, marker: true, seed: 5 },
) {
  const img = phantomImage(handPhantom(phantom));
  const separate = runPipeline(img, { steps }, size, { onStep: () => {} });
  const joined = runPipeline(img, { steps }, size);
  return { separate, joined };
}

const cases: [string, PreprocessStep[], { width: number; height: number }][] = [
  [
    'clahe then resizePad (shrinking)',
    [
      { op: 'intensity', mode: 'percentile' },
      { op: 'clahe', clipLimit: 3 },
      { op: 'resizePad', size: 64 },
    ],
    { width: 64, height: 64 },
  ],
  [
    'clahe on padded content then resizePad',
    [
      { op: 'intensity', mode: 'minmax' },
      { op: 'resizePad', size: 301 },
      { op: 'clahe', tilesX: 5, tilesY: 3 },
      { op: 'resizePad', size: 97 },
    ],
    { width: 97, height: 97 },
  ],
  [
    'clahe then resize (enlarging)',
    [
      { op: 'intensity', mode: 'minmax' },
      { op: 'clahe', bins: 128 },
      { op: 'resize', width: 250, height: 333 },
    ],
    { width: 250, height: 333 },
  ],
  [
    'full automatic chain',
    [
      { op: 'cropExposed' },
      { op: 'rotatePortrait' },
      { op: 'intensity', mode: 'percentile' },
      { op: 'photometric', invertBrightBackground: true },
      { op: 'maskText', mode: 'inpaint' },
      { op: 'foreground' },
      { op: 'clahe' },
      { op: 'resizePad', size: 48 },
    ],
    { width: 48, height: 48 },
  ],
];

for (const [name, steps, size] of cases) {
  test(`joined CLAHE + resize gives exactly the separate steps' output: ${name}`, () => {
    const { separate, joined } = separateAndJoined(steps, size);
    assert.deepEqual(
      joined.steps.map((s) => s.op),
      separate.steps.map((s) => s.op),
    );
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
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'percentile' },
    { op: 'foreground', components: 2 },
    { op: 'splitHands' },
    { op: 'clahe' },
    { op: 'resizePad', size: 40 },
  ];
  const separate = runPipelineMulti(img, { steps }, { width: 40, height: 40 }, { onStep: () => {} });
  const joined = runPipelineMulti(img, { steps }, { width: 40, height: 40 });
  assert.equal(joined.length, separate.length);
  for (let i = 0; i < joined.length; i++) {
    assert.deepEqual(joined[i].image.data, separate[i].image.data);
    assert.deepEqual(
      joined[i].steps.map((s) => s.op),
      separate[i].steps.map((s) => s.op),
    );
  }
});

test('the pooled CLAHE kernel carries nothing from one image to the next', () => {
  // A large image with content offset (padding), then a small one, then the large one again: the
  // kernel memory reused by the later runs holds the earlier runs' bytes.
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'percentile' },
    { op: 'resizePad', size: 150 },
    { op: 'clahe', tilesX: 3, tilesY: 5 },
    { op: 'resizePad', size: 61 },
  ];
  const big = phantomImage(handPhantom({ width: 260, height: 180, border: 9, marker: true, seed: 21 }));
  const small = phantomImage(handPhantom({ width: 90, height: 120, seed: 22 }));
  const first = runPipeline(big, { steps }, { width: 61, height: 61 });
  runPipeline(small, { steps }, { width: 61, height: 61 });
  const again = runPipeline(big, { steps }, { width: 61, height: 61 });
  assert.deepEqual(again.image.data, first.image.data);
  const separate = runPipeline(big, { steps }, { width: 61, height: 61 }, { onStep: () => {} });
  assert.deepEqual(first.image.data, separate.image.data);
});
