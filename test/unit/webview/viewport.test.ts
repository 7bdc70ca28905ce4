import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  constrain,
  fitView,
  imageFromScreen,
  MAX_SCALE,
  MIN_SCALE,
  panBy,
  screenFromImage,
  stepScale,
  wheelFactor,
  zoomAt,
} from '../../../src/webview/viewer/viewport';

test('fit centres the whole image with a margin', () => {
  const v = fitView(2048, 2500, 1000, 800);
  assert.equal(v.cx, 1024);
  assert.equal(v.cy, 1250);
  assert.ok(v.scale * 2500 <= 800 && v.scale * 2500 > 0.9 * 800);
  assert.ok(fitView(10, 10, 0, 0).scale >= MIN_SCALE);
});

test('zooming at a point keeps the image point under it', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.05, max: 20, noNaN: true }),
      fc.double({ min: 0.05, max: 20, noNaN: true }),
      fc.double({ min: 0, max: 1200, noNaN: true }),
      fc.double({ min: 0, max: 900, noNaN: true }),
      (s0, s1, sx, sy) => {
        const v = { scale: s0, cx: 700, cy: 900 };
        const before = imageFromScreen(v, 1200, 900, sx, sy);
        const z = zoomAt(v, s1, sx, sy, 1200, 900);
        const after = imageFromScreen(z, 1200, 900, sx, sy);
        // screenFromImage rounds the translation at scale >= 1, so allow one screen pixel.
        const tol = 1 / Math.min(s0, s1) + 1e-6;
        assert.ok(Math.abs(before[0] - after[0]) <= tol && Math.abs(before[1] - after[1]) <= tol);
      },
    ),
  );
});

test('screen and image transforms are inverse', () => {
  const v = { scale: 0.37, cx: 512.3, cy: 100.9 };
  const m = screenFromImage(v, 800, 600);
  const [ix, iy] = imageFromScreen(v, 800, 600, m[0] * 10 + m[2], m[4] * 20 + m[5]);
  assert.ok(Math.abs(ix - 10) < 1e-9 && Math.abs(iy - 20) < 1e-9);
  // From 1:1 up the translation is whole so image pixels land on screen pixels.
  const crisp = screenFromImage({ scale: 2, cx: 100.3, cy: 50.7 }, 801, 601);
  assert.ok(Number.isInteger(crisp[2]) && Number.isInteger(crisp[5]));
});

test('panning moves the image with the pointer; constrain keeps it reachable', () => {
  const v = panBy({ scale: 2, cx: 100, cy: 100 }, 20, -10);
  assert.deepEqual(v, { scale: 2, cx: 90, cy: 105 });
  assert.deepEqual(constrain({ scale: 1000, cx: -50, cy: 5000 }, 200, 300), { scale: MAX_SCALE, cx: 0, cy: 300 });
});

test('zoom steps go through 1:1 and stay within limits', () => {
  assert.equal(stepScale(0.9, 1), 1);
  assert.equal(stepScale(1, 1), 1.5);
  assert.equal(stepScale(1, -1), 2 / 3);
  assert.equal(stepScale(MAX_SCALE, 1), MAX_SCALE);
  assert.equal(stepScale(MIN_SCALE, -1), MIN_SCALE);
  let s = 0.013;
  for (let i = 0; i < 40; i++) {
    const n = stepScale(s, 1);
    assert.ok(n >= s);
    s = n;
  }
});

test('wheel: up zooms in, down zooms out, line/page deltas are scaled and bounded', () => {
  assert.ok(wheelFactor(-100, 0) > 1);
  assert.ok(wheelFactor(100, 0) < 1);
  assert.equal(wheelFactor(3, 1), wheelFactor(48, 0));
  assert.equal(wheelFactor(1e6, 0), wheelFactor(400, 0));
});
