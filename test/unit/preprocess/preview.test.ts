import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine } from '../../../src/core/image/types';
import { runPipelineMulti } from '../../../src/core/preprocess/pipeline';
import { previewPipeline } from '../../../src/core/preprocess/preview';
import { combineRegionScores, composeRegionMaps, maskToImage } from '../../../src/core/preprocess/regions';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';
import { validatePipeline } from '../../../src/core/preprocess/validate';
import { handPhantom } from '../../fixtures/images';
import { makeImage, phantomImage } from './images';

const FULL: PreprocessStep[] = [
  { op: 'cropExposed' },
  { op: 'rotatePortrait' },
  { op: 'intensity', mode: 'percentile' },
  { op: 'photometric', invertBrightBackground: true },
  { op: 'maskText', mode: 'inpaint' },
  { op: 'foreground' },
  { op: 'clahe' },
  { op: 'resizePad', size: 96 },
];

test('previewPipeline shows the input and every step: thumbnails, mask, affine, label, notice', () => {
  const p = handPhantom({ width: 500, height: 400, border: 30, marker: true, seed: 3 });
  const preview = previewPipeline(phantomImage(p), { steps: FULL }, { thumbSize: 64 });
  assert.deepEqual(
    preview.steps.map((s) => s.op),
    ['input', ...FULL.map((s) => s.op)],
  );
  assert.equal(preview.regions, 1);
  for (const s of preview.steps) {
    assert.ok(Math.max(s.thumb.width, s.thumb.height) <= 64 && s.thumb.width >= 1);
    assert.equal(s.thumb.data.length, s.thumb.width * s.thumb.height);
    assert.ok(s.label.length > 0 && s.ms >= 0);
    if (s.mask) assert.equal(s.mask.data.length, s.thumb.width * s.thumb.height);
  }
  const at = (op: string) => preview.steps.find((s) => s.op === op)!;
  assert.deepEqual([at('input').width, at('input').height], [500, 400]);
  assert.deepEqual([at('cropExposed').width, at('cropExposed').height], [440, 340]);
  assert.deepEqual([at('rotatePortrait').width, at('rotatePortrait').height], [340, 440]);
  assert.match(at('rotatePortrait').notice!, /quarter turn/);
  assert.match(at('maskText').notice!, /1 text\/marker mark inpainted/);
  assert.equal(at('photometric').mask, undefined);
  assert.ok(at('foreground').mask!.data.some((v) => v === 1) && at('foreground').mask!.data.some((v) => v === 0));
  // Thumbnails span the grey range (area averaging softens the brightest pixels); the last affine is the pipeline's.
  const last = preview.steps.at(-1)!;
  assert.ok(Math.max(...last.thumb.data) > 200 && Math.min(...last.thumb.data) === 0);
  const run = runPipelineMulti(phantomImage(p), { steps: FULL }, { width: 96, height: 96 });
  assert.deepEqual(last.toImage, run[0].toImage);
  // The crop's affine is a translation by the frame.
  assert.deepEqual(applyAffine(at('cropExposed').toImage, 0, 0), [30, 30]);
});

test('previewPipeline follows each hand after a split', () => {
  const p = handPhantom({ hands: 2, seed: 2, width: 480, height: 400 });
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'percentile' },
    { op: 'foreground', components: 2 },
    { op: 'splitHands' },
    { op: 'resizePad', size: 48 },
  ];
  const preview = previewPipeline(phantomImage(p), { steps });
  assert.equal(preview.regions, 2);
  assert.deepEqual(
    preview.steps.map((s) => s.label),
    [
      'Original',
      'intensity',
      'Foreground mask (2 components)',
      'Split hands (hand 1 of 2)',
      'Split hands (hand 2 of 2)',
      'resizePad (hand 1 of 2)',
      'resizePad (hand 2 of 2)',
    ],
  );
});

test('previewPipeline rejects broken images like the pipeline does', () => {
  const img = makeImage(4, 4, () => 1);
  assert.throws(() => previewPipeline({ ...img, width: 0 }, { steps: FULL }), /no pixels/);
});

test('composeRegionMaps puts each region map back where its affine says, taking the maximum where they overlap', () => {
  // Image 100x50; two 10x10 maps covering the left and right halves (5 image pixels per map pixel).
  const left = {
    width: 10,
    height: 10,
    data: new Float32Array(100).fill(0.2),
    toImage: [5, 0, 0, 0, 5, 0] as [number, number, number, number, number, number],
  };
  const right = {
    width: 10,
    height: 10,
    data: new Float32Array(100).fill(0.7),
    toImage: [5, 0, 50, 0, 5, 0] as [number, number, number, number, number, number],
  };
  right.data[0] = 0.9;
  const out = composeRegionMaps([left, right], 100, 50, 100);
  assert.deepEqual([out.width, out.height], [100, 50]);
  assert.equal(out.data[10 * 100 + 20], Math.fround(0.2));
  assert.ok(Math.abs(out.data[40 * 100 + 80] - 0.7) < 1e-6);
  assert.ok(out.data[0 * 100 + 50] > 0.8, 'right map top-left corner');
  assert.equal(combineRegionScores([0.3, 0.8, 0.1]), 0.8);
  // Overlap: the larger value wins.
  const both = composeRegionMaps([left, { ...left, data: new Float32Array(100).fill(0.5) }], 100, 50, 100);
  assert.equal(both.data[10 * 100 + 20], 0.5);
  assert.equal(both.data[10 * 100 + 70], 0, 'nothing covers the right half');
});

test('maskToImage draws a rotated, scaled mask back onto the image grid', () => {
  // 4x2 mask of a region that is the image's 2x4 left part turned clockwise.
  const mask = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
  // Output (x', y') came from input (y', 4 - x') for a clockwise turn of a 2x4 image.
  const out = maskToImage(mask, 4, 2, [0, 1, 0, -1, 0, 4], 2, 4);
  // Mask pixel (0,0) covers output centre (0.5,0.5) -> image (0.5, 3.5): pixel (0,3).
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0, 1, 0]);
});

test('new steps are validated with clear messages', () => {
  const problems = (steps: unknown[]) => {
    const p: string[] = [];
    validatePipeline({ steps }, 'preprocessing', p);
    return p;
  };
  assert.deepEqual(problems(FULL), []);
  assert.deepEqual(
    problems([
      { op: 'splitHands', axis: 'x', margin: 0.05 },
      { op: 'clahe', clipLimit: 2, tilesX: 4, tilesY: 6, bins: 128 },
    ]),
    [],
  );
  assert.deepEqual(problems([{ op: 'maskText' }]), ['preprocessing.steps[0].mode is required']);
  assert.deepEqual(problems([{ op: 'foreground', components: 3 }]), [
    'preprocessing.steps[0].components must be 1 or 2 (got 3)',
  ]);
  assert.deepEqual(problems([{ op: 'rotatePortrait', direction: 'left' }]), [
    `preprocessing.steps[0].direction must be 'cw', 'ccw', 'auto' or 'upright' (got "left")`,
  ]);
  assert.match(
    problems([{ op: 'cropExposed', tolerance: 2 }])[0],
    /tolerance must be a number from 0\.001 to 0\.5 \(got 2\)/,
  );
  assert.match(
    problems([{ op: 'clahe', clip: 3 }])[0],
    /clip is not a known field; known fields: op, clipLimit, tilesX, tilesY, bins/,
  );
  assert.match(
    problems([{ op: 'clahe', tilesX: 64, tilesY: 64, bins: 65536 }])[0],
    /\(clahe\): tilesX \* tilesY \* bins is 268435456; at most 16777216/,
  );
  assert.match(
    problems([{ op: 'deskew' }])[0],
    /'deskew' is not known; known: cropExposed, rotatePortrait, intensity, photometric, maskText, foreground, splitHands, histogramEqualize, clahe/,
  );
});
