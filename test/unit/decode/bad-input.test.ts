import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode';
import { XrayError, type ErrorCode } from '../../../src/core/errors';
import {
  hugeDimensionsDicom,
  makeDicom,
  pixelDataOffset,
  randomBytes,
  shortPixelDataDicom,
  textBytes,
  truncated,
  zeroBytes,
} from '../../fixtures/dicom';
import { jpeg8, png16, pngWithDamagedData, pngWithDimensions, tiff16 } from '../../fixtures/images';

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<XrayError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof XrayError,
    `expected XrayError ${code}, got ${caught === undefined ? 'success' : String(caught)}`,
  );
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

test('zero-byte files are EMPTY_FILE whatever their name', async () => {
  for (const name of ['a.dcm', 'a.png', 'a.jpg', 'a.tif', 'a'])
    await rejectsWith(decodeImage(zeroBytes(), name), 'EMPTY_FILE', /empty/);
});

test('non-image bytes with an image extension say which format they are not', async () => {
  await rejectsWith(
    decodeImage(textBytes(), 'x.png'),
    'UNSUPPORTED_FORMAT',
    /^x\.png is not a readable PNG image \(it looks like text\)/,
  );
  await rejectsWith(decodeImage(textBytes(), 'x.jpeg'), 'UNSUPPORTED_FORMAT', /x\.jpeg is not a readable JPEG image/);
  await rejectsWith(decodeImage(textBytes(), 'x.tiff'), 'UNSUPPORTED_FORMAT', /x\.tiff is not a readable TIFF image/);
  await rejectsWith(decodeImage(textBytes(), 'x.dcm'), 'UNSUPPORTED_FORMAT', /x\.dcm is not a readable DICOM file/);
  await rejectsWith(decodeImage(randomBytes(5000, 7), 'x.dcm'), 'UNSUPPORTED_FORMAT', /not a readable DICOM file/);
  await rejectsWith(decodeImage(new TextEncoder().encode('%PDF-1.7\n...'), 'report.png'), 'UNSUPPORTED_FORMAT', /PDF/);
  await rejectsWith(
    decodeImage(textBytes(), 'notes.txt'),
    'UNSUPPORTED_FORMAT',
    /notes\.txt is not a DICOM file or PNG, JPEG or TIFF image/,
  );
});

test('messages name the file, never its directories', async () => {
  const e = await rejectsWith(decodeImage(textBytes(), '/home/Jane Doe/studies/scan.png'), 'UNSUPPORTED_FORMAT');
  assert.ok(e.message.startsWith('scan.png '), e.message);
  assert.ok(!e.message.includes('Jane'));
});

test('truncated PNG, JPEG and TIFF are TRUNCATED', async () => {
  const png = await png16(200, 150);
  await rejectsWith(decodeImage(truncated(png, png.length >> 1), 'half.png'), 'TRUNCATED', /half\.png is truncated/);
  await rejectsWith(decodeImage(truncated(png, 40), 'header.png'), 'TRUNCATED');
  const jpg = await jpeg8(200, 150);
  await rejectsWith(decodeImage(truncated(jpg, jpg.length >> 1), 'half.jpg'), 'TRUNCATED');
  const tif = await tiff16(200, 150);
  await rejectsWith(decodeImage(truncated(tif, tif.length >> 1), 'half.tif'), 'TRUNCATED');
});

test('damaged PNG data is CORRUPT, with the library text kept as detail', async () => {
  const e = await rejectsWith(
    decodeImage(pngWithDamagedData(await png16(200, 150)), 'bad.png'),
    'CORRUPT',
    /bad\.png is not a readable PNG image/,
  );
  assert.ok(e.detail && e.detail.length > 0);
});

test('a PNG header declaring more pixels than the limit is TOO_LARGE before any pixel is decoded', async () => {
  const lying = pngWithDimensions(await png16(16, 16), 100_000, 50_000);
  const e = await rejectsWith(decodeImage(lying, 'bomb.png'), 'TOO_LARGE', /100000 × 50000 pixels/);
  assert.match(e.message, /100 megapixels/);
  await rejectsWith(
    decodeImage(await png16(100, 50), 'small.png', { maxFileBytes: 1e9, maxPixels: 4999 }),
    'TOO_LARGE',
    /100 × 50 pixels.*4,999 pixels/,
  );
});

test('files over maxFileBytes are TOO_LARGE before anything is parsed', async () => {
  const file = await makeDicom({ width: 64, height: 64 });
  await rejectsWith(
    decodeImage(file, 'a.dcm', { maxFileBytes: 1000, maxPixels: 1e9 }),
    'TOO_LARGE',
    /a\.dcm is 8\.\d KB, more than the 1000 bytes/,
  );
});

test('DICOM declaring huge Rows/Columns is TOO_LARGE stating dimensions and limit', async () => {
  for (const ts of ['explicit', 'implicit'] as const) {
    await rejectsWith(
      decodeImage(await hugeDimensionsDicom(ts), 'huge.dcm'),
      'TOO_LARGE',
      /65535 × 65535 pixels .* limit of 100 megapixels/,
    );
  }
  await rejectsWith(
    decodeImage(await makeDicom({ width: 300, height: 200 }), 'a.dcm', { maxFileBytes: 1e9, maxPixels: 50_000 }),
    'TOO_LARGE',
    /300 × 200/,
  );
});

test('DICOM whose pixel data is shorter than Rows x Columns x frames is TRUNCATED', async () => {
  await rejectsWith(
    decodeImage(await shortPixelDataDicom(), 'short.dcm'),
    'TRUNCATED',
    /32 × 64 pixels at 16 bits need 4,096 bytes, the file holds 2,048/,
  );
  // The frame count is part of the check, even when only frame 0 is asked for.
  await rejectsWith(
    decodeImage(await makeDicom({ width: 16, height: 16, override: { NumberOfFrames: 5 } }), 'frames.dcm'),
    'TRUNCATED',
    /× 5 frames/,
  );
});

test('DICOM truncated at various offsets is TRUNCATED', async () => {
  for (const transferSyntax of ['explicit', 'implicit'] as const) {
    const file = await makeDicom({ width: 32, height: 32, transferSyntax });
    const pixels = pixelDataOffset(file);
    for (const cut of [60, 132, 140, 200, 300, pixels - 6, pixels, pixels + 1, pixels + 1000, file.length - 1]) {
      await rejectsWith(decodeImage(truncated(file, cut), `cut-${cut}.dcm`), 'TRUNCATED');
    }
  }
});
