import { test } from 'node:test';
import sharp from 'sharp';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { type XrayError } from '../../../src/core/errors';
import {
  grid,
  handPhantom,
  handPhantomPng,
  jpeg8,
  pattern16,
  pattern8,
  png16,
  png8,
  rgbPng,
  smooth8,
  tiff16,
  tiffRaw,
  withPngChunk,
} from '../../fixtures/images';
import { assertCostRatio } from '../timing';

function assertSamples(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`sample ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

test('16-bit grey PNG keeps every bit (values above 255 survive)', async () => {
  const img = await decodeImage(await png16(73, 41), 'scan.png');
  assert.ok(img.data instanceof Uint16Array);
  assert.equal(img.width, 73);
  assert.equal(img.height, 41);
  assertSamples(
    img.data,
    grid(73, 41, pattern16, (n) => new Uint16Array(n)),
  );
  assert.ok(img.range.max > 255 * 100, `max ${img.range.max}`);
  assert.equal(img.bitsStored, 16);
  assert.equal(img.signed, false);
  assert.equal(img.photometric, 'MONOCHROME2');
  assert.deepEqual(img.rescale, { slope: 1, intercept: 0 });
  assert.equal(img.source.format, 'png');
  assert.equal(img.source.encoding, 'PNG 16-bit grey');
  assert.deepEqual(img.source.notices, []);
  assert.equal(img.frame, undefined);
});

test('range is the actual min and max', async () => {
  const img = await decodeImage(await png16(10, 10, (x, y) => 1000 + x * 10 + y * 1000), 'r.png');
  assert.deepEqual(img.range, { min: 1000, max: 1000 + 90 + 9000 });
});

test('16-bit PNG with sBIT reports the significant bits only when the values fit them', async () => {
  const twelveBit = await png16(16, 16, (x, y) => (x * 256 + y * 16) % 4096);
  const unscaled = await decodeImage(withPngChunk(twelveBit, 'sBIT', new Uint8Array([12])), 'a.png');
  assert.equal(unscaled.bitsStored, 12);
  // Values scaled to the full 16-bit range (as the PNG spec intends) keep 16.
  const scaled = await decodeImage(withPngChunk(await png16(16, 16), 'sBIT', new Uint8Array([12])), 'b.png');
  assert.equal(scaled.bitsStored, 16);
  assert.equal((await decodeImage(twelveBit, 'c.png')).bitsStored, 16);
});

test('8-bit grey PNG decodes exactly to Uint8Array', async () => {
  const img = await decodeImage(await png8(31, 17), 'a.png');
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(img.bitsStored, 8);
  assertSamples(
    img.data,
    grid(31, 17, pattern8, (n) => new Uint8Array(n)),
  );
  assert.equal(img.source.encoding, 'PNG 8-bit grey');
});

test('JPEG decodes close to the source', async () => {
  const img = await decodeImage(await jpeg8(64, 48), 'a.jpg');
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(img.source.format, 'jpeg');
  const expected = grid(64, 48, smooth8, (n) => new Uint8Array(n));
  let maxErr = 0;
  let sumErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(img.data[i] - expected[i]);
    maxErr = Math.max(maxErr, e);
    sumErr += e;
  }
  assert.ok(maxErr <= 6, `max error ${maxErr}`);
  assert.ok(sumErr / expected.length < 1.5, `mean error ${sumErr / expected.length}`);
});

test('JPEG EXIF orientation is applied and said', async () => {
  const img = await decodeImage(await jpeg8(40, 20, smooth8, { exifOrientation: 6 }), 'rot.jpg');
  assert.equal(img.width, 20);
  assert.equal(img.height, 40);
  assert.ok(img.source.notices.some((n) => /orientation/i.test(n)));
});

test('16-bit TIFF decodes exactly', async () => {
  const img = await decodeImage(await tiff16(50, 30), 'a.tif');
  assert.ok(img.data instanceof Uint16Array);
  assert.equal(img.source.format, 'tiff');
  assert.equal(img.bitsStored, 16);
  assertSamples(
    img.data,
    grid(50, 30, pattern16, (n) => new Uint16Array(n)),
  );
});

test('multi-page TIFF: frame option picks the page and the count is reported', async () => {
  const pages = [0, 1, 2].map((p) =>
    grid(
      12,
      9,
      (x, y) => p * 10000 + x * 100 + y,
      (n) => new Uint16Array(n),
    ),
  );
  const file = tiffRaw(12, 9, pages);
  const first = await decodeImage(file, 'pages.tiff');
  assert.deepEqual(first.frame, { index: 0, count: 3 });
  assertSamples(first.data, pages[0]);
  const third = await decodeImage(file, 'pages.tiff', undefined, { frame: 2 });
  assert.deepEqual(third.frame, { index: 2, count: 3 });
  assertSamples(third.data, pages[2]);
  await assert.rejects(decodeImage(file, 'pages.tiff', undefined, { frame: 3 }), (e: XrayError) =>
    /has 3 frames/.test(e.message),
  );
});

test('floating-point TIFF decodes to Float32Array', async () => {
  const values = grid(
    6,
    4,
    (x, y) => x * 0.5 - y * 2.25,
    (n) => new Float32Array(n),
  );
  const img = await decodeImage(tiffRaw(6, 4, [values]), 'f.tif');
  assert.ok(img.data instanceof Float32Array);
  assert.equal(img.bitsStored, 32);
  assertSamples(img.data, values);
  assert.deepEqual(img.range, { min: -6.75, max: 2.5 });
  assert.equal(img.signed, true);
});

test('signed 16-bit TIFF is refused rather than clamped', async () => {
  const file = tiffRaw(4, 4, [new Int16Array(16).map((_, i) => i - 8)]);
  await assert.rejects(
    decodeImage(file, 's.tif'),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT' && /signed 16-bit/.test(e.message),
  );
});

test('RGB PNG is converted to grey with luma weights and a notice', async () => {
  const rgb = (x: number, y: number): [number, number, number] => [x * 8, y * 8, 200];
  const img = await decodeImage(await rgbPng(20, 20, rgb), 'c.png');
  assert.ok(img.data instanceof Uint8Array);
  const expected = grid(
    20,
    20,
    (x, y) => Math.round(0.299 * x * 8 + 0.587 * y * 8 + 0.114 * 200),
    (n) => new Uint8Array(n),
  );
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(img.data[i] - expected[i]) <= 1, `pixel ${i}: ${img.data[i]} vs ${expected[i]}`);
  assert.equal(img.source.encoding, 'PNG 8-bit RGB');
  assert.ok(img.source.notices.some((n) => /converted to grey/.test(n)));
});

test('RGB PNG with equal channels is read as grey without loss or notice', async () => {
  const img = await decodeImage(
    await rgbPng(20, 10, (x, y) => [x * 12, x * 12, x * 12].map((v) => v + y) as [number, number, number]),
    'g.png',
  );
  assertSamples(
    img.data,
    grid(
      20,
      10,
      (x, y) => x * 12 + y,
      (n) => new Uint8Array(n),
    ),
  );
  assert.deepEqual(img.source.notices, []);
});

test('16-bit RGBA PNG stays 16-bit and the alpha is noted', async () => {
  const img = await decodeImage(
    await rgbPng(8, 8, (x) => [x * 5000, x * 5000, x * 5000], { bits: 16, alpha: (x) => (x < 4 ? 65535 : 1000) }),
    'a.png',
  );
  assert.ok(img.data instanceof Uint16Array);
  assert.equal(img.data[7], 35000);
  assert.ok(img.source.notices.some((n) => /alpha/i.test(n)));
});

test('content decides the format; a mismatched extension is noted', async () => {
  const img = await decodeImage(await png16(8, 8), 'really-a-png.dcm');
  assert.equal(img.source.format, 'png');
  assert.ok(img.source.notices.some((n) => /\.dcm/.test(n) && /PNG/.test(n)));
  const noExt = await decodeImage(await tiff16(8, 8), 'export');
  assert.equal(noExt.source.format, 'tiff');
  assert.deepEqual(noExt.source.notices, []);
});

test('hand phantom: bone brighter than tissue brighter than background, truth consistent', async () => {
  const p = handPhantom({ width: 256, height: 320, seed: 3, marker: true, border: 10 });
  let inside = 0;
  for (const m of p.mask) inside += m;
  assert.ok(inside > 0.1 * p.width * p.height && inside < 0.6 * p.width * p.height, `mask area ${inside}`);
  const [hand] = p.hands;
  assert.ok(hand.x0 >= p.field.x0 && hand.x1 <= p.field.x1 && hand.y0 >= p.field.y0 && hand.y1 <= p.field.y1);
  const at = (x: number, y: number) => p.data[y * p.width + x];
  // Background inside the field is dark; the collimation frame and the marker are bright.
  assert.ok(at(p.field.x0 + 2, p.field.y1 - 3) < 5000);
  assert.ok(at(2, 2) > 30000);
  assert.ok(p.marker && at(p.marker.x0, p.marker.y0) > 40000);
  // The two-hand variant has two boxes, left to right, not overlapping.
  const two = handPhantom({ width: 400, height: 300, hands: 2 });
  assert.equal(two.hands.length, 2);
  assert.ok(two.hands[0].x1 <= two.hands[1].x0);
  const img = await decodeImage(await handPhantomPng({ width: 128, height: 160 }), 'hand.png');
  assert.ok(img.range.max > 255);
});

test('a 2048 x 2500 16-bit PNG decodes at about the cost of sharp decoding it', async (t) => {
  const p = handPhantom({ width: 2048, height: 2500 });
  const file = await png16(2048, 2500, (x, y) => p.data[y * 2048 + x]);
  const img = await decodeImage(file, 'big.png');
  assert.equal(img.data.length, 2048 * 2500);
  // Against sharp's own 16-bit decode of the same file, side by side (test/unit/timing.ts): what our
  // side adds (metadata, range, copying) must stay a fraction of it, not a per-pixel slow path.
  const sharpAlone = () => sharp(file).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  const ratio = await assertCostRatio('decoding 2048 x 2500 PNG', () => decodeImage(file, 'big.png'), sharpAlone, 3);
  t.diagnostic(`decodeImage = ${ratio.toFixed(2)} x sharp's decode`);
});
