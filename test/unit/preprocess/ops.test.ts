import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { XrayImage } from '../../../src/core/image/types';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';
import { initialState } from '../../../src/core/preprocess/pipeline';
import { opDefinition } from '../../../src/core/preprocess/ops';
import { invertValues } from '../../../src/core/preprocess/ops/photometric';
import { materialize, rasterFromImage } from '../../../src/core/preprocess/raster';
import type { PipelineState } from '../../../src/core/preprocess/state';
import { makeImage } from './images';

function run(image: XrayImage, steps: PreprocessStep[]): { values: Float32Array; state: PipelineState } {
  let state = initialState(image);
  for (const s of steps) state = opDefinition(s).apply(state, s);
  return { values: materialize(state.raster).data, state };
}

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('window mode applies the DICOM LINEAR function of the first preset in modality units', () => {
  // Stored 0..4095, modality = stored * 2 - 1024; window centre 0, width 2001 in modality units.
  const img = makeImage(4096, 1, (x) => x, {
    slope: 2,
    intercept: -1024,
    windows: [
      { center: 0, width: 2001, label: 'a' },
      { center: 9999, width: 1, label: 'b' },
    ],
  });
  const { values } = run(img, [{ op: 'intensity', mode: 'window' }]);
  const at = (modality: number) => values[(modality + 1024) / 2];
  close(at(0), (0 - (0 - 0.5)) / 2000 + 0.5);
  assert.equal(at(-1024), 0);
  assert.equal(at(1000 + 2 * 200), 1);
  close(at(-2), (-2 + 0.5) / 2000 + 0.5);
});

test('window mode honours LINEAR_EXACT and SIGMOID', () => {
  const img = (fn: 'LINEAR_EXACT' | 'SIGMOID') =>
    makeImage(201, 1, (x) => x, { windows: [{ center: 100, width: 50, label: 'w', fn }] });
  const exact = run(img('LINEAR_EXACT'), [{ op: 'intensity', mode: 'window' }]).values;
  close(exact[100], 0.5);
  close(exact[75], 0);
  close(exact[110], 0.7);
  const sig = run(img('SIGMOID'), [{ op: 'intensity', mode: 'window' }]).values;
  close(sig[100], 0.5);
  close(sig[125], 1 / (1 + Math.exp(-2)));
});

test('window mode falls back to min/max when the image has no preset', () => {
  const { values } = run(
    makeImage(11, 1, (x) => 100 + x * 10),
    [{ op: 'intensity', mode: 'window' }],
  );
  close(values[0], 0);
  close(values[10], 1);
  close(values[5], 0.5);
});

test('an unusable window preset falls back to min/max instead of producing NaN', () => {
  for (const fn of ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'] as const) {
    const { values } = run(
      makeImage(3, 1, (x) => x * 10, { windows: [{ center: 10, width: 0, label: 'broken', fn }] }),
      [{ op: 'intensity', mode: 'window' }],
    );
    assert.deepEqual(Array.from(values), [0, 0.5, 1]);
  }
});

test('percentile mode clips to the 0.5th and 99.5th percentiles by default', () => {
  // 1000 pixels 0..999: numpy.percentile gives 4.995 and 994.005.
  const { values, state } = run(
    makeImage(1000, 1, (x) => x),
    [{ op: 'intensity', mode: 'percentile' }],
  );
  close(values[0], 0);
  close(values[4], 0);
  close(values[500], (500 - 4.995) / (994.005 - 4.995), 1e-5);
  close(values[999], 1);
  assert.deepEqual(state.domain, { min: 0, max: 1 });
});

test('signed 16-bit samples and a flat image are handled', () => {
  const signed = run(
    makeImage(3, 1, (x) => [-1000, 0, 1000][x], { type: 'i16' }),
    [{ op: 'intensity', mode: 'minmax' }],
  ).values;
  assert.deepEqual(Array.from(signed), [0, 0.5, 1]);
  const flat = run(
    makeImage(4, 4, () => 77),
    [{ op: 'intensity', mode: 'percentile' }],
  ).values;
  assert.ok(flat.every((v) => v === 0));
});

function framed(background: number, subject: number, photometric: XrayImage['photometric'] = 'MONOCHROME2'): XrayImage {
  return makeImage(200, 160, (x, y) => (x > 60 && x < 140 && y > 40 && y < 120 ? subject : background), {
    photometric,
  });
}

test('photometric inverts MONOCHROME1 always, and a bright background only when asked', () => {
  const steps = (invertBrightBackground: boolean): PreprocessStep[] => [
    { op: 'intensity', mode: 'minmax' },
    { op: 'photometric', invertBrightBackground },
  ];
  // MONOCHROME1 with dense (low stored) subject on a high stored background: inverted to dark background.
  const m1 = run(framed(1000, 10, 'MONOCHROME1'), steps(false));
  assert.equal(m1.values[0], 0);
  assert.equal(m1.state.photometric, 'MONOCHROME2');
  // MONOCHROME2 exported with a bright background: the heuristic inverts it; without it, left alone.
  assert.equal(run(framed(1000, 10), steps(true)).values[0], 0);
  assert.equal(run(framed(1000, 10), steps(false)).values[0], 1);
  // Dark background: never inverted.
  assert.equal(run(framed(10, 1000), steps(true)).values[0], 0);
});

test('photometric corner squares are clamped to tiny images', () => {
  // 5x5 with cornerSize 50: each corner square is the whole image, mostly bright, so it is inverted.
  const { values } = run(
    makeImage(5, 5, (x, y) => (x === 2 && y === 2 ? 0 : 100)),
    [
      { op: 'intensity', mode: 'minmax' },
      { op: 'photometric', invertBrightBackground: true, cornerSize: 50 },
    ],
  );
  assert.deepEqual(
    Array.from(values),
    Array.from({ length: 25 }, (_, i) => (i === 12 ? 1 : 0)),
  );
});

test('photometric is idempotent: a normalised image is not flipped back', () => {
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'minmax' },
    { op: 'photometric', invertBrightBackground: true },
  ];
  const once = run(framed(900, 20, 'MONOCHROME1'), steps).values;
  const twice = run(framed(900, 20, 'MONOCHROME1'), [...steps, steps[1]]).values;
  assert.deepEqual(twice, once);
});

test('inverting values twice is the identity (within float32 rounding)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64 }),
      fc.float({ min: -100, max: 100, noNaN: true }),
      fc.float({ min: Math.fround(0.001), max: 100, noNaN: true }),
      (values, lo, span) => {
        const domain = { min: lo, max: lo + span };
        const r = rasterFromImage(makeImage(values.length, 1, (x) => domain.min + values[x] * span, { type: 'f32' }));
        const back = materialize(invertValues(invertValues(r, domain), domain)).data;
        const orig = materialize(r).data;
        orig.forEach((v, i) =>
          assert.ok(Math.abs(back[i] - v) <= 1e-6 * Math.max(1, Math.abs(lo) + span), `${back[i]} vs ${v}`),
        );
      },
    ),
  );
});

test('histogram equalisation is monotonic, spans [0,1] and flattens a skewed histogram', () => {
  // Skewed: 71% of the pixels are below mid-range before equalisation.
  const img = makeImage(100, 100, (x, y) => Math.floor(((x + 100 * y) / 10000) ** 2 * 60000));
  const { values } = run(img, [{ op: 'intensity', mode: 'minmax' }, { op: 'histogramEqualize' }]);
  const stored = img.data;
  const order = Array.from(stored.keys()).sort((a, b) => stored[a] - stored[b]);
  for (let i = 1; i < order.length; i++) assert.ok(values[order[i]] >= values[order[i - 1]]);
  assert.equal(Math.min(...values), 0);
  assert.equal(Math.max(...values), 1);
  // After equalisation about half of the pixels are below 0.5.
  const below = values.filter((v) => v < 0.5).length / values.length;
  assert.ok(Math.abs(below - 0.5) < 0.05, `fraction below 0.5: ${below}`);
});

test('histogram equalisation ignores padding', () => {
  const img = makeImage(40, 10, (x) => 100 + x);
  const direct = run(img, [
    { op: 'intensity', mode: 'minmax' },
    { op: 'resize', width: 40, height: 10 },
    { op: 'histogramEqualize' },
  ]).values;
  const padded = run(img, [
    { op: 'intensity', mode: 'minmax' },
    { op: 'resizePad', size: 40 },
    { op: 'histogramEqualize' },
  ]);
  // The content rows of the padded result equal the unpadded result; padding stays black.
  const { content } = padded.state;
  assert.deepEqual(content, { x: 0, y: 15, width: 40, height: 10 });
  for (let y = 0; y < 10; y++) for (let x = 0; x < 40; x++) close(padded.values[(y + 15) * 40 + x], direct[y * 40 + x]);
  assert.equal(padded.values[0], 0);
});

test('scale maps values, the domain and the black level', () => {
  const { values, state } = run(
    makeImage(3, 1, (x) => x),
    [
      { op: 'intensity', mode: 'minmax' },
      { op: 'scale', scale: 2, offset: -1 },
    ],
  );
  assert.deepEqual(Array.from(values), [-1, 0, 1]);
  assert.deepEqual(state.domain, { min: -1, max: 1 });
  assert.equal(state.black, -1);
});
