import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type JpegOptions } from 'sharp';
import { decodeImage } from '../../../src/core/decode';
import { colourToGrey } from '../../../src/core/decode/pixels';
import { rasterHeader } from '../../../src/core/decode/raster/header';
import { decodeJpegWasm, WASM_JPEG_MAX_PIXELS } from '../../../src/core/decode/raster/jpegWasm';
import { jpeg8 } from '../../fixtures/images';

/** Noisy colour content, so that every chroma and rounding path is exercised. */
function rgb(width: number, height: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    px[i] = ((i * 7) % 200) + (s >>> 27);
  }
  return px;
}

async function colourJpeg(w: number, h: number, opts: JpegOptions, seed = 1): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(rgb(w, h, seed), { raw: { width: w, height: h, channels: 3 } })
      .jpeg(opts)
      .toBuffer(),
  );
}

async function greyJpeg(w: number, h: number, quality: number): Promise<Uint8Array> {
  const px = rgb(w, h, 7).filter((_, i) => i % 3 === 0);
  return new Uint8Array(
    await sharp(px, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .jpeg({ quality })
      .toBuffer(),
  );
}

/** What the decoder asked sharp for before jpegWasm.ts: interleaved grey or RGB samples. */
async function viaSharp(bytes: Uint8Array, channels: number): Promise<Buffer> {
  return sharp(bytes)
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer();
}

test('libjpeg-turbo in WebAssembly gives the samples sharp gives, bit for bit', async () => {
  const cases: [string, Uint8Array][] = [
    ['4:2:0, q90, 224x224', await colourJpeg(224, 224, { quality: 90 })],
    ['4:4:4, q100, 37x23 (partial MCUs)', await colourJpeg(37, 23, { quality: 100, chromaSubsampling: '4:4:4' })],
    ['4:2:0, q20, 61x77', await colourJpeg(61, 77, { quality: 20 }, 3)],
    ['4:2:0, optimised Huffman, 130x65', await colourJpeg(130, 65, { quality: 75, optimiseCoding: true }, 5)],
    ['grey, q95, 64x48', await greyJpeg(64, 48, 95)],
    ['grey, q30, 17x9', await greyJpeg(17, 9, 30)],
  ];
  for (const [what, bytes] of cases) {
    const h = rasterHeader('jpeg', bytes);
    assert.ok(h?.plainJpeg, `${what}: a plain JPEG`);
    const got = await decodeJpegWasm(bytes, h);
    assert.ok(got, `${what}: decoded`);
    assert.equal(got.channels, h.channels, what);
    assert.ok(Buffer.from(got.samples).equals(await viaSharp(bytes, h.channels)), `${what}: same samples`);
  }
});

test('files sharp reads differently are left to sharp', async () => {
  const progressive = await colourJpeg(40, 30, { progressive: true });
  assert.equal(rasterHeader('jpeg', progressive)?.plainJpeg, false, 'progressive');
  const icc = new Uint8Array(
    await sharp(rgb(40, 30, 2), { raw: { width: 40, height: 30, channels: 3 } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer(),
  );
  assert.equal(rasterHeader('jpeg', icc)?.plainJpeg, false, 'ICC profile');
  // EXIF: no header answer at all, so libvips reads the orientation.
  assert.equal(rasterHeader('jpeg', await jpeg8(40, 20, undefined, { exifOrientation: 6 })), undefined);
  const plain = await colourJpeg(40, 30, {});
  const big = { width: 1024, height: WASM_JPEG_MAX_PIXELS / 1024 + 1, channels: 3 };
  assert.equal(await decodeJpegWasm(plain, big), undefined, 'over the pixel cap');
  assert.equal(await decodeJpegWasm(plain, { width: 41, height: 30, channels: 3 }), undefined, 'not the header');
});

test('a damaged JPEG falls back to sharp: same error as before, and the codec keeps working', async () => {
  const good = await colourJpeg(64, 64, { quality: 90 });
  const cut = good.slice(0, Math.floor(good.length * 0.6));
  assert.equal(await decodeJpegWasm(cut, { width: 64, height: 64, channels: 3 }), undefined);
  await assert.rejects(decodeImage(cut, 'cut.jpg'), (e: Error & { code?: string }) => e.code === 'TRUNCATED');
  const again = await decodeJpegWasm(good, { width: 64, height: 64, channels: 3 });
  assert.ok(again && Buffer.from(again.samples).equals(await viaSharp(good, 3)));
});

test('decodeImage of a small colour JPEG: grey from the same samples, with the same notice', async () => {
  const bytes = await colourJpeg(50, 40, { quality: 85 });
  const img = await decodeImage(bytes, 'c.jpg');
  const ref = colourToGrey(new Uint8Array(await viaSharp(bytes, 3)), 50 * 40, 3, false, (n) => new Uint8Array(n));
  assert.deepEqual(img.data, ref.grey, 'grey from the samples sharp gives');
  assert.match(img.source.notices.join(' '), /converted to grey/);
  assert.equal(img.source.encoding, 'JPEG 8-bit RGB');
});
