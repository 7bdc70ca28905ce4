import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, compose, invert } from '../../../src/webview/viewer/affine';
import { hotRegion, mapStats, sampleMap } from '../../../src/webview/viewer/render/heatmapLayer';
import {
  colorAt,
  colormapLut,
  COLORMAPS,
  FADE,
  floorAlpha,
  isColormap,
  overlayColorAt,
} from '../../../src/webview/viewer/render/colormaps';
import type { AnomalyMap } from '../../../src/webview/viewer/types';

const map: AnomalyMap = {
  width: 2,
  height: 2,
  data: Float32Array.from([0, 1, 0.5, NaN]),
  toImage: [10, 0, 400, 0, 10, 700],
  rawMin: 0,
  rawMax: 1,
};

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
  assert.deepEqual(
    compose(map.toImage, inv).map((v) => +v.toFixed(12)),
    [1, 0, 0, 0, 1, 0],
  );
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

test('the floor makes low values transparent and fades in over FADE above it', () => {
  assert.equal(floorAlpha(0.1, 0.3), 0);
  assert.equal(floorAlpha(0.3, 0.3), 0);
  assert.ok(Math.abs(floorAlpha(0.3 + FADE / 2, 0.3) - 0.5) < 1e-9);
  assert.equal(floorAlpha(0.3 + FADE, 0.3), 1);
  assert.equal(floorAlpha(0.9, 0.3), 1);
  assert.equal(floorAlpha(0, 0), 1, 'floor 0 draws everything');
  // Monotone in the value.
  let last = 0;
  for (let v = 0; v <= 1; v += 0.01) {
    const a = floorAlpha(v, 0.3);
    assert.ok(a >= last);
    last = a;
  }
  assert.deepEqual(overlayColorAt('jet', 1, 0.3), colorAt('jet', 1));
  assert.equal(overlayColorAt('inferno', 0.2, 0.3)[3], 0);
  // 'red' keeps its own opacity-by-value and gets the floor on top.
  assert.equal(overlayColorAt('red', 0.4, 0.3)[3], Math.round(colorAt('red', 0.4)[3] * floorAlpha(0.4, 0.3)));
  const lut = colormapLut('viridis', 0.3);
  assert.equal(lut[Math.round(0.2 * 255)] >>> 24, 0);
  assert.equal(lut[255] >>> 24, 255);
  assert.equal(colormapLut('viridis')[0] >>> 24, 255, 'no floor: opaque as before');
});

test('the hot region is found in map pixels and placed on the image through toImage', () => {
  // 4x2 map, 10 image px per map px, offset (100, 200); pixels (2,0) and (3,1) are hot.
  const m: AnomalyMap = {
    width: 4,
    height: 2,
    data: Float32Array.from([0, 0.2, 0.9, 0.1, 0, 0.1, 0.4, 0.6]),
    toImage: [10, 0, 100, 0, 10, 200],
    rawMin: 0,
    rawMax: 1,
  };
  const r = hotRegion(m, 0.5)!;
  assert.equal(r.pixels, 2);
  // Centres (2.5, 0.5) and (3.5, 1.5) -> mean (3, 1) -> image (130, 210).
  assert.deepEqual(r.centroid, [130, 210]);
  assert.deepEqual(r.bounds, [120, 200, 140, 220]);
  assert.equal(hotRegion(m, 0.95), undefined);
  // A rotation (90 degrees) is followed too.
  const rot = hotRegion({ ...m, toImage: [0, -10, 500, 10, 0, 0] }, 0.5)!;
  assert.deepEqual(rot.centroid, [490, 30]);
});
