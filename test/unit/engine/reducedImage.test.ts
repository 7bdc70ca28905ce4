// The reduced copy sent ahead of the full-resolution pixels: block means in the input's sample type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XrayError } from '../../../src/core/errors';
import type { PixelData, XrayImage } from '../../../src/core/image/types';
import { reduceImage } from '../../../src/engine/reducedImage';
import { assertCostRatio } from '../timing';

function image(width: number, height: number, data: PixelData, rescale = { slope: 1, intercept: 0 }): XrayImage {
  return {
    width,
    height,
    data,
    bitsStored: data instanceof Float32Array ? 32 : data instanceof Uint8Array ? 8 : 16,
    signed: data instanceof Int16Array,
    rescale,
    photometric: 'MONOCHROME1',
    windows: [{ center: 100, width: 50, label: 'file' }],
    range: { min: 0, max: 0 },
    source: { format: 'dicom', encoding: 'test', notices: ['kept'] },
    pixelSpacing: [0.1, 0.1],
    frame: { index: 1, count: 3 },
  };
}

test('an image already within the size gives no copy', () => {
  assert.equal(reduceImage(image(1024, 600, new Uint16Array(1024 * 600)), 1024), undefined);
  assert.equal(reduceImage(image(3, 2, new Uint16Array(6)), 3), undefined);
});

test('the smallest integer factor that fits: 2048 x 2500 at 1024 is reduced 3x to 683 x 834', () => {
  const r = reduceImage(image(2048, 2500, new Uint16Array(2048 * 2500)), 1024)!;
  assert.equal(r.factor, 3);
  assert.equal(r.image.width, 683);
  assert.equal(r.image.height, 834);
  assert.ok(r.image.data instanceof Uint16Array);
  assert.equal(r.image.data.length, 683 * 834);
  // Its own buffer, exactly its size (it is transferred to the webview whole).
  assert.equal(r.image.data.buffer.byteLength, 683 * 834 * 2);
});

test('each sample is the mean of its block, rounded, edge blocks partial; metadata is kept', () => {
  // 5 x 3, factor 2 -> 3 x 2; values chosen so each block's mean is known.
  const data = new Uint16Array([10, 20, 100, 101, 7, 30, 40, 102, 103, 9, 1000, 1001, 5, 5, 65535]);
  const src = image(5, 3, data, { slope: 2, intercept: -10 });
  const r = reduceImage(src, 3)!;
  assert.equal(r.factor, 2);
  assert.deepEqual([r.image.width, r.image.height], [3, 2]);
  // (10+20+30+40)/4 = 25; (100+101+102+103)/4 = 101.5 -> 102; (7+9)/2 = 8; (1000+1001)/2 = 1000.5 -> 1001; 5; 65535.
  assert.deepEqual([...r.image.data], [25, 102, 8, 1001, 5, 65535]);
  assert.deepEqual(r.image.range, { min: 5 * 2 - 10, max: 65535 * 2 - 10 });
  assert.equal(r.image.photometric, 'MONOCHROME1');
  assert.deepEqual(r.image.windows, src.windows);
  assert.deepEqual(r.image.rescale, src.rescale);
  assert.deepEqual(r.image.pixelSpacing, [0.1, 0.1]);
  assert.deepEqual(r.image.frame, { index: 1, count: 3 });
  assert.equal(r.image.bitsStored, 16);
  // The input is left alone.
  assert.equal(data[0], 10);
});

test('signed, 8-bit and float samples keep their type; NaN counts as absent in float blocks', () => {
  const s = reduceImage(image(2, 2, new Int16Array([-100, -200, -300, -401])), 1)!;
  assert.ok(s.image.data instanceof Int16Array);
  assert.deepEqual([...s.image.data], [-250]);
  const u8 = reduceImage(image(4, 1, new Uint8Array([0, 255, 254, 255])), 2)!;
  assert.ok(u8.image.data instanceof Uint8Array);
  assert.deepEqual([...u8.image.data], [128, 255]);
  const f = reduceImage(image(4, 2, new Float32Array([1.5, NaN, NaN, NaN, 2.5, 0.25, NaN, NaN])), 2)!;
  assert.ok(f.image.data instanceof Float32Array);
  assert.equal(f.image.data[0], Math.fround((1.5 + 2.5 + 0.25) / 3));
  assert.ok(Number.isNaN(f.image.data[1]));
  assert.deepEqual(f.image.range, {
    min: Math.fround((1.5 + 2.5 + 0.25) / 3),
    max: Math.fround((1.5 + 2.5 + 0.25) / 3),
  });
});

test('a 2048 x 2500 image is reduced in a few passes over its pixels', async (t) => {
  const data = new Uint16Array(2048 * 2500);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 20;
  const src = image(2048, 2500, data);
  // Against one plain pass over the samples, side by side (test/unit/timing.ts). Measured about 6
  // passes; the bound only catches an accidental quadratic or per-pixel allocation.
  const onePass = () => {
    let s = 0;
    for (let i = 0; i < data.length; i++) s += data[i];
    return s;
  };
  const passes = await assertCostRatio('reducing 2048 x 2500', () => reduceImage(src, 1024), onePass, 30);
  t.diagnostic(`reduceImage = ${passes.toFixed(1)} passes over the pixels`);
});

test('bad arguments are refused with a clear message', () => {
  assert.throws(
    () => reduceImage(image(2, 2, new Uint16Array(3)), 1),
    (e: unknown) => e instanceof XrayError && e.code === 'CORRUPT' && /3 samples for 2 x 2 pixels/.test(e.message),
  );
  assert.throws(
    () => reduceImage(image(2, 2, new Uint16Array(4)), 0),
    (e: unknown) => e instanceof XrayError && /at least 1 pixel, not 0/.test(e.message),
  );
});
