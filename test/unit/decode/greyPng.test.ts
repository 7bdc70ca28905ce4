// encodeGreyPng (src/core/image/png.ts): a PNG every decoder reads back to the same pixels (sharp here,
// the browser in the fit wizard's preview), and clear errors for sizes that do not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encodeGreyPng } from '../../../src/core/image/png';

test('round trip through sharp: same size, same pixels, one channel', async () => {
  for (const [w, h] of [
    [1, 1],
    [7, 3],
    [200, 133],
  ]) {
    const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 0xff);
    const png = encodeGreyPng(w, h, px);
    assert.equal((await sharp(png).metadata()).channels, 1);
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, w);
    assert.equal(info.height, h);
    assert.equal(info.channels, 1);
    assert.deepEqual(new Uint8Array(data), px);
  }
});

test('refuses a size that does not match the pixels', () => {
  assert.throws(() => encodeGreyPng(3, 3, new Uint8Array(8)), /8 pixels for a 3 x 3/);
  assert.throws(() => encodeGreyPng(0, 3, new Uint8Array(0)), /positive whole size/);
});
