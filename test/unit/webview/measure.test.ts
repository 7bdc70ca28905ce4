import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampToImage, handleAt, lengthMm, lengthPx, measurementLabel } from '../../../src/webview/viewer/measure';

test('ruler length uses row spacing vertically and column spacing horizontally', () => {
  const horizontal = { x0: 10, y0: 10, x1: 110, y1: 10 };
  const vertical = { x0: 10, y0: 10, x1: 10, y1: 110 };
  // [row, column] spacing: 0.2 mm between rows, 0.1 mm between columns.
  assert.equal(lengthMm(horizontal, [0.2, 0.1]), 10);
  assert.equal(lengthMm(vertical, [0.2, 0.1]), 20);
  assert.equal(lengthMm({ x0: 0, y0: 0, x1: 30, y1: 40 }, [0.1, 0.1])!.toFixed(9), '5.000000000');
  assert.equal(lengthPx({ x0: 0, y0: 0, x1: 30, y1: 40 }), 50);
});

test('without a usable spacing the ruler reads in pixels and says so', () => {
  const m = { x0: 0, y0: 0, x1: 30, y1: 40 };
  assert.equal(lengthMm(m, undefined), undefined);
  assert.equal(lengthMm(m, [0, 0.1]), undefined);
  assert.equal(measurementLabel(m, undefined), '50.0 px');
  assert.equal(measurementLabel(m, [0.15, 0.15]), '7.5 mm');
  assert.equal(measurementLabel({ x0: 0, y0: 0, x1: 20000, y1: 0 }, [0.1, 0.1]), '200.0 cm');
});

test('points are clamped onto the image', () => {
  assert.deepEqual(clampToImage(-5, 300, 200, 100), [0, 100]);
  assert.deepEqual(clampToImage(50.5, 20.25, 200, 100), [50.5, 20.25]);
});

test('an endpoint is picked within the radius on screen, nearest first, newest on ties', () => {
  const list = [
    { x0: 10, y0: 10, x1: 50, y1: 10 },
    { x0: 50, y0: 10, x1: 50, y1: 60 },
  ];
  const twice: [number, number, number, number, number, number] = [2, 0, 100, 0, 2, 100];
  // Image (50, 10) is screen (200, 120): both rulers end there; the newer one wins.
  assert.deepEqual(handleAt(list, twice, 201, 121, 8), { index: 1, end: 0 });
  // Image (10, 10) -> screen (120, 120).
  assert.deepEqual(handleAt(list, twice, 126, 120, 8), { index: 0, end: 0 });
  assert.equal(handleAt(list, twice, 130, 120, 8), undefined);
  assert.deepEqual(handleAt(list, twice, 200, 219, 8), { index: 1, end: 1 });
});
