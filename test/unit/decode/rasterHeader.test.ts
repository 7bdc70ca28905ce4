import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { rasterHeader } from '../../../src/core/decode/raster/header';
import { rasterKind } from '../../../src/core/decode/sniff';
import { decodeImage } from '../../../src/core/decode';
import { jpeg8, png16, png8, rgbPng, smooth8, withPngChunk } from '../../fixtures/images';

/** The header fields as libvips reads them: what the decoder asked sharp for before rasterHeader. */
async function libvips(bytes: Uint8Array) {
  const m = await sharp(bytes).metadata();
  return { width: m.width, height: m.height, depth: m.depth, channels: m.channels };
}

async function answered(bytes: Uint8Array) {
  const h = rasterHeader(rasterKind(bytes)!, bytes);
  assert.ok(h, 'the header was not answered');
  return { width: h.width, height: h.height, depth: h.depth, channels: h.channels };
}

const px3 = (w: number, h: number) => {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37) & 0xff;
  return px;
};

test('PNG and JPEG headers agree with libvips on every case they answer', async () => {
  const files: [string, Uint8Array][] = [
    ['16-bit grey PNG', await png16(37, 23)],
    ['8-bit grey PNG', await png8(23, 37)],
    ['RGB PNG', await rgbPng(19, 11)],
    ['16-bit RGBA PNG', await rgbPng(11, 19, undefined, { bits: 16, alpha: () => 65535 })],
    [
      'grey + alpha PNG',
      new Uint8Array(
        await sharp(px3(9, 7), { raw: { width: 9, height: 7, channels: 2 } })
          .png()
          .toBuffer(),
      ),
    ],
    [
      'interlaced PNG',
      new Uint8Array(
        await sharp(px3(9, 7), { raw: { width: 9, height: 7, channels: 3 } })
          .png({ progressive: true })
          .toBuffer(),
      ),
    ],
    ['grey JPEG', await jpeg8(41, 29)],
    ['colour JPEG', await jpeg8(29, 41, smooth8, { colour: (x, y) => [x * 5, y * 3, 90] })],
    [
      'progressive JPEG',
      new Uint8Array(
        await sharp(px3(33, 17), { raw: { width: 33, height: 17, channels: 3 } })
          .jpeg({ progressive: true })
          .toBuffer(),
      ),
    ],
    [
      'JPEG with an ICC profile',
      new Uint8Array(
        await sharp(px3(16, 8), { raw: { width: 16, height: 8, channels: 3 } })
          .withIccProfile('p3')
          .jpeg()
          .toBuffer(),
      ),
    ],
  ];
  for (const [what, bytes] of files) assert.deepEqual(await answered(bytes), await libvips(bytes), what);
});

test('headers that could change what libvips returns are left to libvips', async () => {
  const grey = await png8(8, 8);
  const refused: [string, Uint8Array][] = [
    ['PNG with tRNS', withPngChunk(grey, 'tRNS', new Uint8Array([0, 0]))],
    ['PNG with eXIf', withPngChunk(grey, 'eXIf', new Uint8Array([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 0]))],
    [
      'palette PNG',
      new Uint8Array(
        await sharp(px3(8, 8), { raw: { width: 8, height: 8, channels: 3 } })
          .png({ palette: true })
          .toBuffer(),
      ),
    ],
    ['JPEG with EXIF orientation', await jpeg8(20, 10, smooth8, { exifOrientation: 6 })],
    [
      'CMYK JPEG',
      new Uint8Array(
        await sharp(px3(8, 8), { raw: { width: 8, height: 8, channels: 3 } })
          .toColourspace('cmyk')
          .jpeg()
          .toBuffer(),
      ),
    ],
    ['JPEG cut before its frame header', (await jpeg8(8, 8)).subarray(0, 20)],
  ];
  for (const [what, bytes] of refused) assert.equal(rasterHeader(rasterKind(bytes)!, bytes), undefined, what);
});

test('sBIT is read with the header', async () => {
  const bytes = withPngChunk(await png16(4, 4), 'sBIT', new Uint8Array([12]));
  assert.deepEqual(rasterHeader('png', bytes)?.significantBits, [12]);
});

/** An EXIF block with an empty first IFD: no orientation, but the decoder must then ask libvips for the header. */
const EMPTY_EXIF = new Uint8Array([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0]);

function withJpegExif(jpeg: Uint8Array): Uint8Array {
  const body = new Uint8Array([...Array.from('Exif\0\0', (c) => c.charCodeAt(0)), ...EMPTY_EXIF]);
  const segment = new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
  return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

test('the header fast path decodes generated 8- and 16-bit images exactly as the libvips header path', async () => {
  const files: [string, Uint8Array, Uint8Array][] = [];
  for (const [what, png] of [
    ['16-bit grey PNG', await png16(67, 45)],
    ['8-bit grey PNG', await png8(45, 67)],
    ['8-bit RGB PNG', await rgbPng(33, 21)],
    ['16-bit RGBA PNG', await rgbPng(21, 33, undefined, { bits: 16, alpha: (x) => 65535 - x })],
  ] as const)
    files.push([what, png, withPngChunk(png, 'eXIf', EMPTY_EXIF)]);
  for (const [what, jpeg] of [
    ['grey JPEG', await jpeg8(50, 30)],
    ['colour JPEG', await jpeg8(30, 50, smooth8, { colour: (x, y) => [x * 7, 200 - y, 60] })],
  ] as const)
    files.push([what, jpeg, withJpegExif(jpeg)]);
  for (const [what, fast, slow] of files) {
    assert.ok(rasterHeader(rasterKind(fast)!, fast), `${what}: fast path taken`);
    assert.equal(rasterHeader(rasterKind(slow)!, slow), undefined, `${what}: libvips path taken`);
    const name = what.includes('JPEG') ? 'a.jpg' : 'a.png';
    assert.deepEqual(await decodeImage(fast, name), await decodeImage(slow, name), what);
  }
});
