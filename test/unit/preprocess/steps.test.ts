// The automatic steps (crop, rotation, text markers, subject mask, two-hand split, CLAHE) on generated
// images with known geometry, plus their properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyAffine, type XrayImage } from '../../../src/core/image/types';
import {
  initialState,
  prepareInputs,
  prepareInput,
  runPipeline,
  runPipelineMulti,
} from '../../../src/core/preprocess/pipeline';
import { opDefinition } from '../../../src/core/preprocess/ops';
import { findExposedField } from '../../../src/core/preprocess/ops/crop';
import { findTextMarks } from '../../../src/core/preprocess/ops/text';
import { claheValues } from '../../../src/core/preprocess/ops/clahe';
import { materialize, rasterFromImage } from '../../../src/core/preprocess/raster';
import type { PreprocessStep } from '../../../src/core/preprocess/spec';
import type { PipelineState } from '../../../src/core/preprocess/state';
import { maskToImage } from '../../../src/core/preprocess/regions';
import { handPhantom, type HandPhantomOptions } from '../../fixtures/images';
import { boxIoU, makeImage, makeManifest, maskIoU, phantomImage } from './images';

function run(image: XrayImage, steps: PreprocessStep[]): PipelineState {
  let state = initialState(image);
  for (const s of steps) state = opDefinition(s).apply(state, s);
  return state;
}

const rectBox = (r: { x: number; y: number; width: number; height: number }) => ({
  x0: r.x,
  y0: r.y,
  x1: r.x + r.width,
  y1: r.y + r.height,
});
const NORMALISE: PreprocessStep[] = [
  { op: 'intensity', mode: 'percentile' },
  { op: 'photometric', invertBrightBackground: true },
];

test('cropExposed finds the exposed field inside a collimation frame, scanner padding and an inverted export', () => {
  const cases: HandPhantomOptions[] = [
    { border: 30, marker: true, seed: 1 },
    { border: 40, pad: 12, seed: 2, width: 600, height: 480, hands: 2 },
    { border: 25, invert: true, seed: 3 },
    { border: 35, noise: 0.04, seed: 4 },
    { border: 30, rotate: 90, text: 'R 12', seed: 5 },
  ];
  for (const o of cases) {
    const p = handPhantom(o);
    const f = findExposedField(rasterFromImage(phantomImage(p)));
    assert.ok(f.rect, `${JSON.stringify(o)}: ${f.why}`);
    const iou = boxIoU(rectBox(f.rect), p.field);
    assert.ok(
      iou > 0.98,
      `${JSON.stringify(o)}: IoU ${iou.toFixed(3)} for ${JSON.stringify(f.rect)} vs ${JSON.stringify(p.field)}`,
    );
  }
});

test('cropExposed leaves an unframed image whole: empty background above fingertips is not a border', () => {
  for (const seed of [1, 2, 3]) {
    const p = handPhantom({ seed, hands: seed === 2 ? 2 : 1 });
    const state = run(phantomImage(p), [{ op: 'cropExposed' }]);
    assert.equal(state.raster.width, p.width);
    assert.equal(state.raster.height, p.height);
  }
});

test('cropExposed is never empty, and falls back to the whole image with a notice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 1, max: 90 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom('noise', 'flat', 'frame', 'stripes'),
      (w, h, seed, kind) => {
        let s = seed;
        const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
        const bx = Math.floor(rnd() * w * 0.45);
        const by = Math.floor(rnd() * h * 0.45);
        const img = makeImage(w, h, (x, y) => {
          if (kind === 'flat') return 500;
          if (kind === 'stripes') return x % 3 === 0 ? 4000 : 100;
          if (kind === 'frame' && (x < bx || y < by || x >= w - bx || y >= h - by)) return 30000;
          return Math.floor(rnd() * 3000);
        });
        const state = run(img, [{ op: 'cropExposed' }]);
        const r = state.raster;
        assert.ok(r.width >= 1 && r.height >= 1 && r.width <= w && r.height <= h);
        assert.ok(state.content.width >= 1 && state.content.height >= 1);
        // The affine maps the crop's corners to a rectangle inside the image.
        const [x0, y0] = applyAffine(state.toImage, 0, 0);
        const [x1, y1] = applyAffine(state.toImage, r.width, r.height);
        assert.ok(x0 >= 0 && y0 >= 0 && x1 <= w && y1 <= h);
        if (kind === 'flat') assert.match((state.notices ?? []).join(' '), /kept the whole image/);
      },
    ),
    { numRuns: 150 },
  );
});

test('rotatePortrait: output is portrait, pixels move exactly, and the affine maps corners to corners', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 60 }),
      fc.constantFrom('cw', 'ccw', 'auto'),
      (w, h, direction) => {
        const f = (x: number, y: number) => x * 61 + y;
        const img = makeImage(w, h, f);
        const state = run(img, [{ op: 'rotatePortrait', direction: direction as 'cw' | 'ccw' | 'auto' }]);
        const { width: W, height: H } = state.raster;
        assert.ok(W <= H, `${W}x${H}`);
        assert.equal(W * H, w * h);
        const values = materialize(state.raster).data;
        // Every output pixel centre maps to the centre of the input pixel it holds.
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const [ix, iy] = applyAffine(state.toImage, x + 0.5, y + 0.5);
            assert.equal(values[y * W + x], f(Math.floor(ix), Math.floor(iy)));
          }
        }
        const corners = [
          applyAffine(state.toImage, 0, 0),
          applyAffine(state.toImage, W, 0),
          applyAffine(state.toImage, 0, H),
          applyAffine(state.toImage, W, H),
        ];
        const key = (p: number[]) => `${Math.round(p[0])},${Math.round(p[1])}`;
        assert.deepEqual(
          new Set(corners.map(key)),
          new Set(
            [
              [0, 0],
              [w, 0],
              [0, h],
              [w, h],
            ].map(key),
          ),
        );
        assert.deepEqual(state.content, { x: 0, y: 0, width: W, height: H });
      },
    ),
    { numRuns: 120 },
  );
});

test("rotatePortrait 'auto' turns the forearm to the bottom", () => {
  for (const rotate of [90, 270] as const) {
    const p = handPhantom({ rotate, seed: 4 });
    const state = run(phantomImage(p), [{ op: 'rotatePortrait' }]);
    // Upright again: the phantom's ground-truth mask, rotated back, matches the original orientation.
    const upright = handPhantom({ seed: 4 });
    const back = maskToImage(
      upright.mask,
      upright.width,
      upright.height,
      [1, 0, 0, 0, 1, 0],
      upright.width,
      upright.height,
    );
    const values = materialize(state.raster).data;
    const original = phantomImage(upright).data;
    let same = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === original[i]) same++;
    assert.equal(state.raster.width, upright.width);
    assert.ok(same / values.length > 0.99, `rotate ${rotate}: ${same / values.length}`);
    assert.equal(back.length, values.length);
  }
});

test("rotatePortrait 'upright' leaves a wide upright hand alone and turns a quarter-turned one back", () => {
  const wide = handPhantom({ width: 640, height: 500, seed: 6 });
  const kept = run(phantomImage(wide), [{ op: 'rotatePortrait', direction: 'upright' }]);
  assert.equal(kept.raster.width, 640);
  assert.match((kept.notices ?? []).join(' '), /already upright/);
  // 'auto' always makes it portrait.
  assert.equal(run(phantomImage(wide), [{ op: 'rotatePortrait', direction: 'auto' }]).raster.width, 500);
  const turned = handPhantom({ width: 420, height: 520, seed: 6, rotate: 270 });
  const back = run(phantomImage(turned), [{ op: 'rotatePortrait', direction: 'upright' }]);
  assert.equal(back.raster.width, 420);
  // Up in the output points along the fingers: (-1, 0) in an image turned three quarters clockwise.
  assert.ok(-back.toImage[1] < 0 && back.toImage[4] === 0);
});

test('a bright spot lands where the affine says through crop, rotation and resize+pad', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 80, max: 300 }),
      fc.integer({ min: 40, max: 200 }),
      fc.double({ min: 0.3, max: 0.7, noNaN: true }),
      fc.double({ min: 0.3, max: 0.7, noNaN: true }),
      (w, h, fx, fy) => {
        const border = Math.round(Math.min(w, h) * 0.1);
        const sx = Math.floor(fx * w);
        const sy = Math.floor(fy * h);
        const img = makeImage(w, h, (x, y) => {
          if (x < border || y < border || x >= w - border || y >= h - border) return 60000;
          if (Math.abs(x - sx) <= 2 && Math.abs(y - sy) <= 2) return 20000;
          return 1000 + ((x * 7 + y * 3) % 50);
        });
        const out = runPipeline(
          img,
          {
            steps: [
              { op: 'cropExposed' },
              { op: 'rotatePortrait', direction: 'cw' },
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
        const px = Math.max(w, h) / 64;
        assert.ok(
          Math.abs(ix - (sx + 0.5)) <= 2.5 + px && Math.abs(iy - (sy + 0.5)) <= 2.5 + px,
          `spot ${sx},${sy}; found ${ix.toFixed(1)},${iy.toFixed(1)}`,
        );
      },
    ),
    { numRuns: 40 },
  );
});

test('maskText finds the "L" marker and burned-in text, and nothing on a phantom without them', () => {
  for (const seed of [1, 2, 3]) {
    const p = handPhantom({ seed, marker: true, text: 'R 12', hands: seed === 3 ? 2 : 1, width: 560, height: 600 });
    const state = run(phantomImage(p), NORMALISE);
    const marks = findTextMarks(state.raster);
    const boxes = marks.map((m) => m.box);
    const covers = (b: { x0: number; y0: number; x1: number; y1: number }) =>
      boxes.some((r) => r.x <= b.x0 && r.y <= b.y0 && r.x + r.width >= b.x1 && r.y + r.height >= b.y1);
    assert.ok(covers(p.marker!), `seed ${seed}: marker ${JSON.stringify(p.marker)} not in ${JSON.stringify(boxes)}`);
    // Each glyph of the text is its own mark; together they cover the text box.
    const inText = boxes.filter(
      (r) =>
        r.x >= p.text!.x0 - 6 &&
        r.x + r.width <= p.text!.x1 + 6 &&
        r.y >= p.text!.y0 - 6 &&
        r.y + r.height <= p.text!.y1 + 6,
    );
    assert.ok(inText.length >= 3, `seed ${seed}: ${inText.length} marks in the text`);
    // Marks touch a hand only where a drawn mark (plus its dilation) does: never bone or tissue alone.
    const near = (x: number, y: number) =>
      [p.marker!, p.text!].some((b) => x >= b.x0 - 3 && x < b.x1 + 3 && y >= b.y0 - 3 && y < b.y1 + 3);
    for (const m of marks) {
      for (let y = 0; y < m.box.height; y++) {
        for (let x = 0; x < m.box.width; x++) {
          const X = m.box.x + x;
          const Y = m.box.y + y;
          if (m.pixels[y * m.box.width + x] && p.mask[Y * p.width + X])
            assert.ok(near(X, Y), `seed ${seed}: mark on the hand at ${X},${Y}`);
        }
      }
    }
    assert.equal(marks.length, 1 + inText.length, `seed ${seed}: unexpected marks ${JSON.stringify(boxes)}`);
  }
  for (const seed of [4, 5, 6]) {
    const p = handPhantom({ seed, hands: seed === 5 ? 2 : 1 });
    assert.deepEqual(findTextMarks(run(phantomImage(p), NORMALISE).raster), [], `seed ${seed}`);
  }
});

test("maskText 'mask' blackens the marks (they leave the foreground); 'inpaint' fills them from the background", () => {
  const p = handPhantom({ seed: 2, marker: true });
  const m = p.marker!;
  const inMarker = (i: number) => {
    const x = i % p.width;
    const y = Math.floor(i / p.width);
    return x >= m.x0 && x < m.x1 && y >= m.y0 && y < m.y1;
  };
  const masked = runPipeline(
    phantomImage(p),
    { steps: [...NORMALISE, { op: 'maskText', mode: 'mask' }] },
    { width: p.width, height: p.height },
  );
  const inpainted = runPipeline(
    phantomImage(p),
    { steps: [...NORMALISE, { op: 'maskText', mode: 'inpaint' }] },
    { width: p.width, height: p.height },
  );
  const plain = runPipeline(phantomImage(p), { steps: NORMALISE }, { width: p.width, height: p.height });
  let background = 0;
  let n = 0;
  for (let i = 0; i < plain.image.data.length; i++) {
    if (!inMarker(i)) continue;
    if (plain.image.data[i] > 0.9) {
      assert.equal(masked.image.data[i], 0);
      assert.equal(masked.foreground[i], 0);
      assert.ok(inpainted.image.data[i] < 0.2, `inpainted ${inpainted.image.data[i]}`);
    } else {
      background += plain.image.data[i];
      n++;
    }
  }
  assert.ok(n > 0 && background / n < 0.2);
  assert.match(masked.notices.join(' '), /1 text\/marker mark masked/);
  // Outside the marker nothing changed.
  for (let i = 0; i < plain.image.data.length; i += 97) {
    const x = i % p.width;
    const y = Math.floor(i / p.width);
    if (x < m.x0 - 4 || x >= m.x1 + 4 || y < m.y0 - 4 || y >= m.y1 + 4)
      assert.equal(inpainted.image.data[i], plain.image.data[i]);
  }
});

test('the foreground mask matches the phantom hand mask (IoU > 0.85) on random phantoms', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 1e6 }),
        width: fc.integer({ min: 200, max: 420 }),
        height: fc.integer({ min: 220, max: 460 }),
        hands: fc.constantFrom(1 as const, 2 as const),
        marker: fc.boolean(),
        noise: fc.double({ min: 0.002, max: 0.05, noNaN: true }),
        invert: fc.boolean(),
      }),
      (o) => {
        const p = handPhantom(o);
        const state = run(phantomImage(p), [
          ...NORMALISE,
          { op: 'maskText', mode: 'inpaint' },
          { op: 'foreground', components: o.hands },
        ]);
        const iou = maskIoU(state.mask!, p.mask);
        assert.ok(iou > 0.85, `${JSON.stringify(o)}: IoU ${iou.toFixed(3)}`);
      },
    ),
    { numRuns: 12 },
  );
});

test('foreground keeps the whole content, with a notice, when there is no subject', () => {
  const state = run(
    makeImage(40, 30, () => 7),
    [{ op: 'foreground' }],
  );
  assert.ok(state.mask!.every((v) => v === 1));
  assert.match((state.notices ?? []).join(' '), /no subject found/);
});

test('splitHands gives one output per hand, each cropped to its hand; a single hand passes through', () => {
  const spec = {
    steps: [
      ...NORMALISE,
      { op: 'foreground', components: 2 } as PreprocessStep,
      { op: 'splitHands' } as PreprocessStep,
      { op: 'resizePad', size: 64 } as PreprocessStep,
    ],
  };
  for (const o of [{ seed: 1 }, { seed: 7, width: 640, height: 420 }, { seed: 9, rotate: 90 as const }]) {
    const p = handPhantom({ ...o, hands: 2 });
    const results = runPipelineMulti(phantomImage(p), spec, { width: 64, height: 64 });
    assert.equal(results.length, 2, JSON.stringify(o));
    results.forEach((r, i) => {
      assert.deepEqual(r.region, { index: i, count: 2 });
      // The region's content maps back onto the image around one hand.
      const [x0, y0] = applyAffine(r.toImage, r.content.x, r.content.y);
      const [x1, y1] = applyAffine(r.toImage, r.content.x + r.content.width, r.content.y + r.content.height);
      const box = { x0: Math.min(x0, x1), y0: Math.min(y0, y1), x1: Math.max(x0, x1), y1: Math.max(y0, y1) };
      const best = Math.max(...p.hands.map((h) => boxIoU(box, h)));
      assert.ok(best > 0.8, `${JSON.stringify(o)} region ${i}: IoU ${best.toFixed(3)}`);
    });
  }
  const single = runPipelineMulti(phantomImage(handPhantom({ seed: 3 })), spec, { width: 64, height: 64 });
  assert.equal(single.length, 1);
  assert.equal(single[0].region, undefined);
});

test('a single-output run keeps the whole two-hand image and says so; prepareInputs gives one input per hand', () => {
  const p = handPhantom({ seed: 5, hands: 2 });
  const steps: PreprocessStep[] = [...NORMALISE, { op: 'splitHands' }, { op: 'resizePad', size: 64 }];
  const one = prepareInput(phantomImage(p), makeManifest(steps));
  assert.match(one.notices!.join(' '), /single-output run keeps the whole image/);
  const [x1, y1] = applyAffine(one.toImage, 64, 64);
  assert.ok(Math.max(x1, y1) >= Math.max(p.width, p.height) - 1);
  const many = prepareInputs(phantomImage(p), makeManifest(steps));
  assert.equal(many.length, 2);
  assert.deepEqual(
    many.map((m) => m.region),
    [
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ],
  );
  assert.ok(many.every((m) => m.tensor.length === 64 * 64 && m.steps.at(-1)?.op === 'tensor'));
});

test('CLAHE output stays in [0,1] for any image and parameters', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.double({ min: 0, max: 50, noNaN: true }),
      fc.constantFrom(2, 16, 256, 4096),
      fc.integer({ min: 0, max: 1000 }),
      (w, h, tilesX, tilesY, clipLimit, bins, seed) => {
        const img = makeImage(w, h, (x, y) => ((x * 131 + y * 71 + seed) * 2654435761) % 5000);
        const v = materialize(
          run(img, [
            { op: 'intensity', mode: 'minmax' },
            { op: 'clahe', clipLimit, tilesX, tilesY, bins },
          ]).raster,
        ).data;
        assert.ok(
          v.every((x) => x >= 0 && x <= 1 + 1e-6),
          'range',
        );
      },
    ),
    { numRuns: 150 },
  );
});

test('CLAHE with one tile and no clipping is the cumulative histogram, and is monotone in the input value', () => {
  const img = makeImage(64, 48, (x, y) => (x * 37 + y * 11) % 200);
  const state = run(img, [{ op: 'intensity', mode: 'minmax' }]);
  const v = claheValues(
    state.raster,
    state.content,
    { min: 0, max: 1 },
    { clipLimit: 0, tilesX: 1, tilesY: 1, bins: 256 },
  );
  const stored = img.data;
  const bin = (s: number) => Math.min(255, Math.floor((s / 199) * 256));
  const counts = new Array(256).fill(0);
  for (const s of stored) counts[bin(s)]++;
  for (let i = 0; i < stored.length; i++) {
    let cdf = 0;
    for (let b = 0; b <= bin(stored[i]); b++) cdf += counts[b];
    assert.ok(Math.abs(v[i] - cdf / stored.length) < 1e-6);
  }
});

test('CLAHE is monotone-ish on ramps: strongly correlated with the input and never falling tile over tile', () => {
  // Tile interpolation with clipping makes a saw-tooth on a pure ramp (OpenCV does the same), so exact
  // monotonicity is not a property of CLAHE; the trend is.
  for (const [w, h] of [
    [256, 64],
    [300, 300],
  ]) {
    const img = makeImage(w, h, (x) => x * 50);
    const v = materialize(run(img, [{ op: 'intensity', mode: 'minmax' }, { op: 'clahe' }]).raster).data;
    let sx = 0,
      sv = 0,
      sxx = 0,
      svv = 0,
      sxv = 0;
    const n = w * h;
    for (let i = 0; i < n; i++) {
      const x = i % w;
      sx += x;
      sv += v[i];
      sxx += x * x;
      svv += v[i] * v[i];
      sxv += x * v[i];
    }
    const corr = (sxv - (sx * sv) / n) / Math.sqrt((sxx - (sx * sx) / n) * (svv - (sv * sv) / n));
    assert.ok(corr > 0.9, `${w}x${h}: correlation ${corr}`);
    const col = (x: number) => {
      let s = 0;
      for (let y = 0; y < h; y++) s += v[y * w + x];
      return s / h;
    };
    for (let x = w / 8; x < w; x += w / 8)
      assert.ok(col(Math.floor(x)) >= col(Math.floor(x - w / 8)) - 1e-6, `column ${x}`);
    assert.ok(col(w - 1) - col(0) > 0.5);
  }
});

test('CLAHE leaves padding black and equalises only the content', () => {
  const img = makeImage(40, 20, (x, y) => 100 + ((x * 13 + y * 7) % 50));
  const state = run(img, [
    { op: 'intensity', mode: 'minmax' },
    { op: 'resizePad', size: 40 },
    { op: 'clahe', tilesX: 2, tilesY: 2 },
  ]);
  const v = materialize(state.raster).data;
  assert.deepEqual(state.content, { x: 0, y: 10, width: 40, height: 20 });
  for (let x = 0; x < 40; x++) {
    assert.equal(v[x], 0);
    assert.equal(v[39 * 40 + x], 0);
  }
  assert.ok(Math.max(...v.subarray(10 * 40, 30 * 40)) > 0.9);
});
