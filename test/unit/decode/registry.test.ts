import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDicomDecoder,
  decodeImage,
  defaultPixelCodecs,
  DecoderRegistry,
  nativeLittleEndianCodec,
  PixelCodecRegistry,
  rasterDecoder,
  type ImageDecoder,
} from '../../../src/core/decode';
import { dicomLayout } from '../../../src/core/decode/dicom/container';
import { XrayError } from '../../../src/core/errors';
import type { XrayImage } from '../../../src/core/image/types';
import { expectedStored, makeDicom } from '../../fixtures/dicom';
import { png16, tiff16 } from '../../fixtures/images';

function fakeDecoder(id: string, sniff: (b: Uint8Array) => boolean, extensions: string[]): ImageDecoder {
  return {
    id,
    description: `${id} file`,
    extensions,
    sniff,
    async decode(bytes) {
      const data = new Uint8Array([bytes[0]]);
      return {
        width: 1,
        height: 1,
        data,
        bitsStored: 8,
        signed: false,
        rescale: { slope: 1, intercept: 0 },
        photometric: 'MONOCHROME2',
        windows: [],
        range: { min: data[0], max: data[0] },
        source: { format: 'png', encoding: id, notices: [] },
      } satisfies XrayImage;
    },
    unrecognised: (_b, ctx) => new XrayError('UNSUPPORTED_FORMAT', `${ctx.name} is not a ${id} file`),
  };
}

test('a new decoder slots into a registry; content wins over extension', async () => {
  const registry = new DecoderRegistry()
    .register(createDicomDecoder())
    .register(rasterDecoder)
    .register(fakeDecoder('magic', (b) => b[0] === 0x4d && b[1] === 0x47, ['mg']));
  const magic = Uint8Array.from([0x4d, 0x47, 1, 2]);
  assert.equal((await decodeImage(magic, 'x.mg', undefined, {}, registry)).source.encoding, 'magic');
  assert.equal((await decodeImage(magic, 'x.png', undefined, {}, registry)).source.encoding, 'magic');
  // Not sniffed: the decoder that owns the extension gives the message.
  await assert.rejects(
    decodeImage(Uint8Array.from([1, 2, 3]), 'y.mg', undefined, {}, registry),
    /y\.mg is not a magic file/,
  );
  assert.throws(() => registry.register(rasterDecoder), /already registered/);
});

test('when two decoders claim the bytes the extension breaks the tie, then registration order', async () => {
  const registry = new DecoderRegistry()
    .register(fakeDecoder('first', () => true, ['one']))
    .register(fakeDecoder('second', () => true, ['two']));
  const bytes = Uint8Array.from([9]);
  assert.equal((await decodeImage(bytes, 'a.two', undefined, {}, registry)).source.encoding, 'second');
  assert.equal((await decodeImage(bytes, 'a.one', undefined, {}, registry)).source.encoding, 'first');
  assert.equal((await decodeImage(bytes, 'a', undefined, {}, registry)).source.encoding, 'first');
});

test('a decoder throwing a plain error still reaches the caller as an XrayError', async () => {
  const broken: ImageDecoder = {
    ...fakeDecoder('broken', () => true, []),
    decode: async () => {
      throw new TypeError('boom');
    },
  };
  const registry = new DecoderRegistry().register(broken);
  await assert.rejects(decodeImage(Uint8Array.from([1]), 'a.bin', undefined, {}, registry), (e: XrayError) => {
    assert.ok(e instanceof XrayError);
    assert.equal(e.code, 'CORRUPT');
    assert.equal(e.detail, 'boom');
    return true;
  });
});

test('a file that is both DICOM and TIFF (TIFF header in the preamble) follows its extension', async () => {
  const dicom = await makeDicom({ width: 8, height: 8 });
  const tiff = await tiff16(8, 8);
  // Dual-personality files put a TIFF header in the DICOM preamble; this one's TIFF part is only a header,
  // which is enough to test the choice.
  const dual = dicom.slice();
  dual.set(tiff.subarray(0, 8));
  assert.equal((await decodeImage(dual, 'dual.dcm')).source.format, 'dicom');
  assert.equal((await decodeImage(dual, 'dual')).source.format, 'dicom');
  await assert.rejects(decodeImage(dual, 'dual.tif'), XrayError);
});

test('pixel codecs are looked up by transfer syntax; registering one enables a syntax', async () => {
  const codecs = defaultPixelCodecs();
  for (const uid of [
    '1.2.840.10008.1.2',
    '1.2.840.10008.1.2.1',
    '1.2.840.10008.1.2.2',
    '1.2.840.10008.1.2.1.99',
    '1.2.840.10008.1.2.5',
    '1.2.840.10008.1.2.4.50',
    '1.2.840.10008.1.2.4.91',
  ]) {
    assert.ok(codecs.get(uid), uid);
  }
  assert.equal(codecs.get('1.2.840.10008.1.2.4.112'), undefined);
  // A stand-in codec for a syntax this version lacks: the encapsulated fixture stores raw bytes in one fragment.
  const spec = { width: 8, height: 4, transferSyntax: 'jpegXl' as const };
  const file = await makeDicom(spec);
  const withFake = new PixelCodecRegistry().register(['1.2.840.10008.1.2.4.112'], {
    description: 'test codec',
    decodeFrame({ dataSet, pixelData }) {
      const frag = pixelData.fragments![0];
      return { bytes: dataSet.byteArray.subarray(frag.position, frag.position + frag.length) };
    },
  });
  const registry = new DecoderRegistry().register(createDicomDecoder(withFake));
  await assert.rejects(decodeImage(file, 'r.dcm'), (e: XrayError) => e.code === 'UNSUPPORTED_TRANSFER_SYNTAX');
  const img = await decodeImage(file, 'r.dcm', undefined, {}, registry);
  assert.equal(img.source.transferSyntaxUid, '1.2.840.10008.1.2.4.112');
  assert.deepEqual(Array.from(img.data), expectedStored(spec));
  assert.equal(nativeLittleEndianCodec.description, 'uncompressed');
});

test('DICOM layouts are recognised from content alone', async () => {
  assert.equal(dicomLayout(await makeDicom()), 'part10');
  assert.equal(dicomLayout(await makeDicom({ preamble: false })), 'meta-without-preamble');
  assert.equal(dicomLayout((await makeDicom()).slice(128)), 'dicm-without-preamble');
  assert.equal(dicomLayout(await makeDicom({ meta: false })), 'bare-explicit');
  assert.equal(dicomLayout(await makeDicom({ meta: false, transferSyntax: 'implicit' })), 'bare-implicit');
  assert.equal(dicomLayout(await png16(4, 4)), undefined);
  // "DICM" at 0 (preamble stripped but marker kept) decodes too.
  const img = await decodeImage((await makeDicom({ width: 5, height: 3 })).slice(128), 'x');
  assert.equal(img.width, 5);
});

test('input may be a Buffer or a view into a larger buffer at an odd offset', async () => {
  const spec = { width: 9, height: 7, bitsStored: 12 };
  const dicom = await makeDicom(spec);
  const png = await png16(9, 7);
  const direct = await decodeImage(png, 'a.png');
  for (const file of [dicom, png]) {
    const big = new Uint8Array(file.length + 11);
    big.set(file, 5);
    const views = [Buffer.from(file), big.subarray(5, 5 + file.length), Buffer.from(big.buffer, 5, file.length)];
    for (const view of views) {
      const img = await decodeImage(view, file === dicom ? 'a.dcm' : 'a.png');
      assert.equal(img.data.byteOffset, 0);
      assert.equal(img.data.buffer.byteLength, img.data.byteLength, 'pixel buffer holds nothing but the pixels');
      if (file === dicom) assert.deepEqual(Array.from(img.data), expectedStored(spec));
      else assert.deepEqual(Array.from(img.data), Array.from(direct.data));
    }
  }
});
