import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, compose, invert } from '../../../src/webview/viewer/affine';
import { mapStats, sampleMap } from '../../../src/webview/viewer/render/heatmapLayer';
import { colorAt, colormapLut, COLORMAPS, isColormap } from '../../../src/webview/viewer/render/colormaps';
import type { AnomalyMap } from '../../../src/webview/viewer/types';

const map: AnomalyMap = { width: 2, height: 2, data: Float32Array.from([0, 1, 0.5, NaN]), toImage: [10, 0, 400, 0, 10, 700], rawMin: 0, rawMax: 1 };

test('map statistics skip NaN', () => {
  assert.deepEqual(mapStats(map), { sum: 1.5, max: 1 });
});

test('sampling is exact at pixel centres, bilinear between them, undefined outside', () => {
  const m: AnomalyMap = { ...map, data: Float32Array.from([0, 1, 0.5, 0.5]) };
  assert.equal(sampleMap(m, 0.5, 0.5), 0);
  assert.equal(sampleMap(m, 1.5, 0.5), 1);
  assert.equal(sampleMap(m, 1, 0.5), 0.5);
  assert.equal(sampleMap(m, 1, 1), 0.5);
  assert.equal(sampleMap(m, 0.1, 0.1), 0); // clamped at the border half-pixel
  assert.equal(sampleMap(m, -0.01, 1), undefined);
  assert.equal(sampleMap(m, 2, 1), undefined);
});

test('an image point maps back into the map through the inverse of toImage', () => {
  const inv = invert(map.toImage)!;
  assert.deepEqual(apply(inv, 415, 705), [1.5, 0.5]);
  assert.deepEqual(compose(map.toImage, inv).map((v) => +v.toFixed(12)), [1, 0, 0, 0, 1, 0]);
  assert.equal(invert([0, 0, 0, 0, 0, 0]), undefined);
});

test('colormaps: 256 opaque entries (red fades with value), known end colours', () => {
  for (const { id } of COLORMAPS) {
    const lut = colormapLut(id);
    assert.equal(lut.length, 256);
    if (id !== 'red') assert.ok([...lut].every((p) => p >>> 24 === 255));
  }
  assert.deepEqual(colorAt('jet', 0), [0, 0, 128, 255]);
  assert.deepEqual(colorAt('jet', 1), [128, 0, 0, 255]);
  assert.deepEqual(colorAt('viridis', 0), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(colorAt('inferno', 1), [0xfc, 0xff, 0xa4, 255]);
  assert.deepEqual(colorAt('hot', 1), [255, 255, 255, 255]);
  assert.equal(colorAt('red', 0)[3], 0);
  assert.equal(colorAt('red', 1)[3], 255);
  assert.ok(isColormap('viridis') && !isColormap('rainbow'));
});
