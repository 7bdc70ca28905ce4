/**
 * The in-house lossless JPEG decoder (jpeg-lossless.ts) on what real encoders write: every predictor,
 * 8 to 16 bits, the largest difference category (16), point transform, colour in one interleaved scan
 * (dcmtk) and in one scan per component (PVRG), and frames without an end marker. Restart intervals are
 * in jpeg-restart.test.ts; the DICOM round trips of the common syntaxes in codecs.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dicomParser from 'dicom-parser';
import { decodeImage } from '../../../src/core/decode';
import { DecodeBudget } from '../../../src/core/decode/budget';
import { decodeJpegLossless } from '../../../src/core/decode/dicom/jpeg-lossless';
import { XrayError } from '../../../src/core/errors';
import { encodeDicom, radiographLike, referenceDecode, skipUnlessTools } from '../../fixtures/codecs';
import { expectedStored, makeDicom, type DicomSpec } from '../../fixtures/dicom';
import { greyImage, jpegInDicom, markerOffset, pvrgJpeg, skipUnlessInstalled } from '../../fixtures/jpeg-streams';

const unlimited = () => DecodeBudget.unlimited();

/** Data of the first fragment of an encapsulated DICOM file (its whole frame here). */
function frameOf(file: Uint8Array): Uint8Array {
  const f = dicomParser.parseDicom(file).elements.x7fe00010.fragments![0];
  return file.subarray(f.position, f.position + f.length);
}

test(
  'predictors 1 to 7 from PVRG at 2, 8 and 12 bits: exactly what dcmdjpeg decodes, and the source for 1, 4 and 5',
  { skip: skipUnlessInstalled('pvrg-jpeg', 'dcmdjpeg') },
  async () => {
    for (const [width, height, bits] of [
      [37, 23, 2],
      [83, 45, 8],
      [97, 61, 12],
    ]) {
      const img = greyImage(width, height, bits);
      for (let predictor = 1; predictor <= 7; predictor++) {
        const what = `${bits}-bit predictor ${predictor}`;
        const stream = pvrgJpeg(img, { predictor });
        const out = decodeJpegLossless(stream, unlimited(), 'l.jpg');
        assert.equal(out.precision, bits);
        assert.ok(bits > 8 ? out.samples instanceof Uint16Array : out.samples instanceof Uint8Array, what);
        // Reduced to the sample precision as dcmtk reduces it (PVRG's first rows go out of range, below).
        const ours = Array.from(out.samples, (v) => v & (2 ** bits - 1));
        const ref = (
          await decodeImage(referenceDecode(await jpegInDicom(stream, img, 'jpegLosslessP14'), 'jpeg'), 'ref.dcm')
        ).data;
        assert.deepEqual(ours, Array.from(ref), what);
        // PVRG predicts the first row with the chosen predictor and zeros above, not with Ra as T.81
        // H.1.1 says; only predictors 1, 4 and 5 come out the same either way.
        if ([1, 4, 5].includes(predictor)) assert.deepEqual(ours, img.samples, what);
      }
    }
  },
);

/** 16 bits with jumps of exactly 32768 (difference category 16, coded without extra bits) and full-range texture. */
const EXTREME16: DicomSpec = {
  width: 41,
  height: 19,
  pixels: (x, y) => (((x + y) & 3) === 0 ? ((x * 977 + y * 131) & 0x7fff) + 32768 : (x * 977 + y * 131) & 0x7fff),
};

test(
  'every predictor from dcmtk at 8, 12 and 16 bits, with differences of 32768 at 16: exactly the source',
  { skip: skipUnlessTools('jpegLosslessP14') },
  async () => {
    const specs: DicomSpec[] = [
      EXTREME16,
      { width: 50, height: 31, bitsStored: 12, pixels: radiographLike(12) },
      { width: 45, height: 29, bitsAllocated: 8, pixels: radiographLike(8) },
    ];
    for (const spec of specs) {
      const source = await makeDicom(spec);
      for (let sv = 1; sv <= 7; sv++) {
        const file = encodeDicom(source, 'jpegLosslessP14', { extra: ['+sv', String(sv)] });
        const out = decodeJpegLossless(frameOf(file), unlimited(), 'l.jpg');
        assert.deepEqual(
          Array.from(out.samples),
          expectedStored(spec),
          `${spec.bitsStored ?? spec.bitsAllocated ?? 16}-bit selection value ${sv}`,
        );
      }
    }
  },
);

test(
  'point transform 3 (dcmtk +pt): the source without its low three bits, as dcmdjpeg decodes it',
  { skip: skipUnlessTools('jpegLosslessP14') },
  async () => {
    const spec: DicomSpec = { width: 50, height: 31, bitsStored: 12, pixels: radiographLike(12) };
    const file = encodeDicom(await makeDicom(spec), 'jpegLosslessP14', { extra: ['+pt', '3'] });
    const img = await decodeImage(file, 'pt.dcm');
    assert.deepEqual(
      Array.from(img.data),
      expectedStored(spec).map((v) => (v >> 3) << 3),
    );
    assert.deepEqual(
      Array.from(img.data),
      Array.from((await decodeImage(referenceDecode(file, 'jpeg'), 'ref.dcm')).data),
    );
  },
);

test(
  'colour: one interleaved scan (dcmtk, RGB) and one scan per component (PVRG) decode exactly',
  { skip: skipUnlessTools('jpegLosslessSv1') || skipUnlessInstalled('pvrg-jpeg') },
  async () => {
    const spec: DicomSpec = {
      width: 33,
      height: 21,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixels: (x, y, f, c) => radiographLike(8)(x + 5 * c, y, f, c),
    };
    const file = encodeDicom(await makeDicom(spec), 'jpegLosslessSv1');
    const interleaved = decodeJpegLossless(frameOf(file), unlimited(), 'rgb.jpg');
    assert.equal(interleaved.components, 3);
    const rgb = [0, 1, 2].map((c) => expectedStored(spec, 0, c));
    assert.deepEqual(
      Array.from(interleaved.samples),
      rgb[0].flatMap((_, i) => [rgb[0][i], rgb[1][i], rgb[2][i]]),
    );

    const planes = [0, 1, 2].map((c) => greyImage(29, 17, 12, (x, y) => radiographLike(12)(x + 7 * c, y, 0, c)));
    const separate = decodeJpegLossless(
      pvrgJpeg(planes[0], { predictor: 4, planes: planes.slice(1) }),
      unlimited(),
      'planes.jpg',
    );
    assert.equal(separate.components, 3);
    assert.deepEqual(
      Array.from(separate.samples),
      planes[0].samples.flatMap((_, i) => planes.map((p) => p.samples[i])),
    );
  },
);

test(
  'no end marker: a complete frame decodes with a notice, a cut one is TRUNCATED',
  { skip: skipUnlessInstalled('pvrg-jpeg') },
  async () => {
    const img = greyImage(97, 61, 12);
    const stream = pvrgJpeg(img, { predictor: 1 });
    const complete = await decodeImage(
      await jpegInDicom(stream.subarray(0, stream.length - 2), img, 'jpegLossless'),
      'no-eoi.dcm',
    );
    assert.deepEqual(Array.from(complete.data), img.samples);
    assert.ok(
      complete.source.notices.some((n) => /no end-of-image marker/.test(n)),
      complete.source.notices.join('; '),
    );
    for (const cut of [stream.length - 40, stream.length >> 1, 200]) {
      await assert.rejects(
        decodeImage(await jpegInDicom(stream.subarray(0, cut), img, 'jpegLossless'), 'cut.dcm'),
        (e: XrayError) => e.code === 'TRUNCATED' && /^cut\.dcm is truncated/.test(e.message),
      );
    }
  },
);

test(
  'frame and scan headers out of range are refused by name: precision 17, predictor 0 and 8, subsampled components, a component coded twice',
  { skip: skipUnlessInstalled('pvrg-jpeg') },
  () => {
    const stream = pvrgJpeg(greyImage(16, 8, 8), { predictor: 1 });
    const sof = markerOffset(stream, 0xc3) + 4; // precision, after the marker and its length
    const sos = markerOffset(stream, 0xda) + 4; // component count, after the marker and its length
    const patched = (at: number, value: number) => {
      const s = stream.slice();
      s[at] = value;
      return s;
    };
    const cases: [Uint8Array, RegExp][] = [
      [patched(sof, 17), /frame claims 17-bit samples/],
      [patched(sos + 3, 0), /predictor 0; only 1 to 7 exist/],
      [patched(sos + 3, 8), /predictor 8; only 1 to 7 exist/],
      [patched(sof + 7, 0x21), /subsampled components/],
      [patched(sos + 5, 8), /point transform \(8\) leaves no bits/],
    ];
    for (const [bad, message] of cases)
      assert.throws(
        () => decodeJpegLossless(bad, unlimited(), 'bad.jpg'),
        (e: XrayError) => e instanceof XrayError && message.test(e.message),
        String(message),
      );
    // The scan repeated: its component would be coded twice.
    const scanStart = markerOffset(stream, 0xda);
    const eoi = stream.length - 2;
    const twice = new Uint8Array([...stream.subarray(0, eoi), ...stream.subarray(scanStart, eoi), 0xff, 0xd9]);
    assert.throws(() => decodeJpegLossless(twice, unlimited(), 'twice.jpg'), /codes a component twice/);
  },
);
