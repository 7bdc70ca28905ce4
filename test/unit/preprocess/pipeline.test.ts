import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XrayError } from '../../../src/core/errors';
import { applyAffine } from '../../../src/core/image/types';
import { IMPLICIT_RESIZE_OP, initialState, prepareInput, runPipeline } from '../../../src/core/preprocess/pipeline';
import { opDefinition } from '../../../src/core/preprocess/ops';
import type { PipelineState } from '../../../src/core/preprocess/state';
import { resizePadGeometry } from '../../../src/core/preprocess/ops/geometry';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';
import { materialize, rasterFromImage } from '../../../src/core/preprocess/raster';
import { makeImage, makeManifest, phantom, phantomImage } from './images';
import { handPhantom } from '../../fixtures/images';
import { sideBySide } from '../timing';

const PAPER: PreprocessStep[] = [
  { op: 'intensity', mode: 'percentile' },
  { op: 'photometric', invertBrightBackground: true },
  { op: 'resizePad', size: 64 },
];

test('prepareInput lays out NCHW, replicates grey into 3 channels and normalises per channel', () => {
  const img = phantom(120, 90);
  const grey = prepareInput(img, makeManifest(PAPER));
  assert.deepEqual(grey.dims, [1, 1, 64, 64]);
  const rgb = prepareInput(
    img,
    makeManifest(PAPER, {
      input: {
        name: 'input',
        channels: 3,
        height: 64,
        width: 64,
        normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      },
    }),
  );
  assert.deepEqual(rgb.dims, [1, 3, 64, 64]);
  const plane = 64 * 64;
  for (const i of [0, 2000, 2080, plane - 1]) {
    assert.ok(Math.abs(rgb.tensor[i] - (grey.tensor[i] - 0.485) / 0.229) < 1e-5);
    assert.ok(Math.abs(rgb.tensor[plane + i] - (grey.tensor[i] - 0.456) / 0.224) < 1e-5);
    assert.ok(Math.abs(rgb.tensor[2 * plane + i] - (grey.tensor[i] - 0.406) / 0.225) < 1e-5);
  }
  assert.deepEqual(
    rgb.steps.map((s) => s.op),
    ['intensity', 'photometric', 'resizePad', 'tensor'],
  );
  assert.ok(rgb.steps.every((s) => s.ms >= 0));
});

test('resizePad keeps the aspect ratio within one pixel and its affine maps content corners onto image corners', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 1, max: 1024 }),
      (w, h, size) => {
        const g = resizePadGeometry(w, h, size);
        assert.ok(g.width <= size && g.height <= size && g.width >= 1 && g.height >= 1);
        assert.equal(Math.max(g.width, g.height), size);
        // Aspect within one pixel: the short side is what the ratio says, rounded.
        if (w >= h) assert.ok(Math.abs(g.height - (g.width * h) / w) <= 1, `${g.height} vs ${(g.width * h) / w}`);
        else assert.ok(Math.abs(g.width - (g.height * w) / h) <= 1);
        // Centred.
        assert.ok(Math.abs(size - g.width - 2 * g.x) <= 1 && Math.abs(size - g.height - 2 * g.y) <= 1);
      },
    ),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 1, max: 96 }),
      (w, h, size) => {
        const img = makeImage(w, h, (x, y) => 1 + ((x + y) % 5), { type: 'u8' });
        const r = runPipeline(img, { steps: [{ op: 'resizePad', size }] }, { width: size, height: size });
        const c = r.content;
        const tol = 1e-9 * Math.max(w, h);
        const [x0, y0] = applyAffine(r.toImage, c.x, c.y);
        const [x1, y1] = applyAffine(r.toImage, c.x + c.width, c.y + c.height);
        assert.ok(Math.abs(x0) < tol && Math.abs(y0) < tol, `top-left -> ${x0},${y0}`);
        assert.ok(Math.abs(x1 - w) < tol && Math.abs(y1 - h) < tol, `bottom-right -> ${x1},${y1} for ${w}x${h}`);
        // Every content pixel is foreground (the image has no zero values); padding is not.
        let fg = 0;
        for (const v of r.foreground) fg += v;
        assert.equal(fg, c.width * c.height);
      },
    ),
  );
});

test('a bright spot lands where the affine says', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 40, max: 700 }),
      fc.integer({ min: 40, max: 700 }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      (w, h, fx, fy) => {
        const sx = Math.floor(fx * w);
        const sy = Math.floor(fy * h);
        const r = Math.max(3, Math.round(Math.max(w, h) / 40));
        const img = makeImage(w, h, (x, y) => (Math.abs(x - sx) <= r && Math.abs(y - sy) <= r ? 1000 : 10));
        const out = runPipeline(
          img,
          {
            steps: [
              { op: 'intensity', mode: 'minmax' },
              { op: 'resizePad', size: 64 },
            ],
          },
          { width: 64, height: 64 },
        );
        let best = 0;
        out.image.data.forEach((v, i) => {
          if (v > out.image.data[best]) best = i;
        });
        const [ix, iy] = applyAffine(out.toImage, (best % 64) + 0.5, Math.floor(best / 64) + 0.5);
        const modelPixel = Math.max(w, h) / 64;
        assert.ok(
          Math.abs(ix - (sx + 0.5)) <= r + modelPixel && Math.abs(iy - (sy + 0.5)) <= r + modelPixel,
          `spot at ${sx},${sy}; found ${ix},${iy}`,
        );
      },
    ),
    { numRuns: 40 },
  );
});

test('foreground excludes padding and black content; it follows the black level through scale', () => {
  // 40x20 image whose left quarter is black after windowing.
  const img = makeImage(40, 20, (x) => (x < 10 ? 0 : 500 + x));
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'minmax' },
    { op: 'resizePad', size: 40 },
  ];
  for (const extra of [[], [{ op: 'scale', scale: 2, offset: -1 }]] as PreprocessStep[][]) {
    const r = runPipeline(img, { steps: [...steps, ...extra] }, { width: 40, height: 40 });
    assert.deepEqual(r.content, { x: 0, y: 10, width: 40, height: 20 });
    assert.equal(r.foreground[5 * 40 + 20], 0, 'padding');
    assert.equal(r.foreground[20 * 40 + 5], 0, 'black content');
    assert.equal(r.foreground[20 * 40 + 30], 1, 'content');
  }
});

test('a spec without a resizing step is resized to the model input, and says so', () => {
  const img = phantom(50, 30);
  const p = prepareInput(
    img,
    makeManifest([{ op: 'intensity', mode: 'minmax' }], { input: { name: 'x', channels: 1, width: 25, height: 15 } }),
  );
  assert.deepEqual(p.dims, [1, 1, 15, 25]);
  assert.ok(p.steps.some((s) => s.op === IMPLICIT_RESIZE_OP));
  assert.deepEqual(p.toImage, [2, 0, 0, 0, 2, 0]);
});

test('integer and float sources give the same pipeline output', () => {
  const f = (x: number, y: number) => (x * 37 + y * 11) % 3000;
  const steps: PreprocessStep[] = [
    { op: 'intensity', mode: 'percentile', low: 1, high: 99 },
    { op: 'photometric', invertBrightBackground: true },
    { op: 'histogramEqualize', bins: 64 },
    { op: 'resizePad', size: 48 },
  ];
  const a = runPipeline(makeImage(300, 200, f, { type: 'u16' }), { steps }, { width: 48, height: 48 });
  const b = runPipeline(makeImage(300, 200, f, { type: 'f32' }), { steps }, { width: 48, height: 48 });
  a.image.data.forEach((v, i) => assert.ok(Math.abs(v - b.image.data[i]) < 1e-4));
});

test('onStep sees every step in order', () => {
  const seen: string[] = [];
  runPipeline(
    phantom(30, 30),
    { steps: PAPER },
    { width: 64, height: 64 },
    { onStep: (i, op, state) => seen.push(`${i}:${op}:${state.raster.width}`) },
  );
  assert.deepEqual(seen, ['0:intensity:30', '1:photometric:30', '2:resizePad:64']);
});

test('broken images give clear errors', () => {
  const good = phantom(10, 10);
  const cases = [
    { ...good, width: 0 },
    { ...good, data: new Uint16Array(5) },
    { ...good, rescale: { slope: Number.NaN, intercept: 0 } },
  ];
  for (const img of cases) {
    assert.throws(
      () => prepareInput(img, makeManifest(PAPER)),
      (e: unknown) => e instanceof XrayError && e.code === 'CORRUPT' && e.message.length > 10,
    );
  }
});

test('NaN samples in float images do not poison the output', () => {
  const img = makeImage(20, 20, (x, y) => (x === 3 && y === 4 ? Number.NaN : x + y), { type: 'f32' });
  const p = prepareInput(img, makeManifest(PAPER));
  assert.ok(p.tensor.every(Number.isFinite));
});

test('a 2048x2500 16-bit radiograph is prepared in a few passes over its pixels', async (t) => {
  const img = makeImage(
    2048,
    2500,
    (x, y) => (Math.sin(x / 50) * Math.cos(y / 70) * 1500 + 2000 + ((x * 7 + y * 13) % 97)) | 0,
  );
  const manifest = makeManifest([...PAPER.slice(0, 2), { op: 'resizePad', size: 256 }], {
    input: { name: 'input', channels: 1, width: 256, height: 256 },
  });
  // One plain pass over the pixels through a lookup table, measured side by side in CPU time
  // (test/unit/timing.ts), so the bound scales with however loaded the machine is.
  const { work: prepare, reference: onePass } = await sideBySide(
    () => prepareInput(img, manifest),
    () => materialize(rasterFromImage(img)),
    5,
  );
  t.diagnostic(
    `prepareInput 2048x2500 u16 -> 256: best ${prepare.toFixed(1)} CPU ms; one full-resolution pass: ${onePass.toFixed(1)} CPU ms`,
  );
  // Budget 50 ms on an idle machine (about 3 passes). A per-pixel sort or closure chain costs tens of passes.
  assert.ok(
    prepare < 8 * onePass + 15,
    `prepareInput took ${prepare.toFixed(1)} ms = ${(prepare / onePass).toFixed(1)} passes`,
  );
});

test('a subject mask set by a step is carried through resizing into the foreground', () => {
  const img = makeImage(40, 20, () => 500);
  // Left half of the image marked as subject, as a foreground-finding step would.
  const setMask = (state: PipelineState): PipelineState => ({
    ...state,
    mask: Uint8Array.from({ length: 800 }, (_, i) => (i % 40 < 20 ? 1 : 0)),
  });
  let state = setMask(initialState(img));
  state = opDefinition({ op: 'resizePad', size: 20 }).apply(state, { op: 'resizePad', size: 20 });
  assert.deepEqual(state.content, { x: 0, y: 5, width: 20, height: 10 });
  const mask = state.mask!;
  assert.equal(mask[10 * 20 + 5], 1);
  assert.equal(mask[10 * 20 + 15], 0);
  assert.equal(mask[2 * 20 + 5], 0, 'padding');
  let ones = 0;
  for (const v of mask) ones += v;
  assert.equal(ones, 10 * 10);
});

test('steps that overwrite pixels in place never touch the decoded image or a state an observer kept', () => {
  // maskText rewrites the marks' pixels: in place on the crop's own copy when nobody observes, on a
  // copy otherwise. Either way the same result, and the caller's image is never written.
  const img = phantomImage(handPhantom({ width: 260, height: 200, border: 14, marker: true, text: 'R 3', seed: 41 }));
  const before = img.data.slice();
  const steps: PreprocessStep[] = [
    { op: 'cropExposed' },
    { op: 'intensity', mode: 'percentile' },
    { op: 'maskText', mode: 'mask' },
    { op: 'foreground', zeroBackground: true },
    { op: 'resizePad', size: 64 },
  ];
  const seen: { op: string; state: PipelineState; then: Float32Array }[] = [];
  const observed = runPipeline(
    img,
    { steps },
    { width: 64, height: 64 },
    {
      onStep: (_i, op, state) => seen.push({ op, state, then: materialize(state.raster).data }),
    },
  );
  const unobserved = runPipeline(img, { steps }, { width: 64, height: 64 });
  assert.ok(
    observed.notices.some((n) => /masked/.test(n)),
    'marks were found (the test exercises the write)',
  );
  assert.deepEqual(unobserved.image.data, observed.image.data);
  assert.deepEqual(img.data, before, 'the decoded image is untouched');
  // Every observed state still holds the pixels the observer saw, after both runs.
  assert.equal(seen.length, steps.length);
  for (const s of seen) assert.deepEqual(materialize(s.state.raster).data, s.then, `${s.op} state unchanged`);
});
