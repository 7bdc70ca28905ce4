/**
 * The fuzzer's seed corpus: the test fixtures, small. Uncompressed DICOM in every layout and sample
 * format makeDicom writes, with the LUT sequences and window attributes; compressed files from dcmtk
 * and GDCM when they are installed; a few structural oddities from the hostile corpus; and the JPEG
 * restart-interval streams of the hostile corpus (8-bit baseline, 12-bit extended, 12-bit lossless),
 * intact and damaged, which dcmtk cannot write: without them the restart-marker code of the JPEG
 * decoders is reached only if a mutation happens to build a DRI segment.
 */
import { encodeDicom, hasTool, ENCODINGS, radiographLike, type EncodingName } from '../../test/fixtures/codecs';
import { makeDicom, type DicomSpec } from '../../test/fixtures/dicom';
import { deepSequences, oddLengthCases, restartCases } from '../../test/fixtures/hostile';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export async function seedCorpus(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const base: DicomSpec = {
    width: 12,
    height: 9,
    bitsStored: 12,
    pixels: radiographLike(12),
    windows: [{ center: 2000, width: 4000, explanation: 'FULL' }],
    pixelSpacing: [0.1, 0.1],
  };
  const specs: [string, DicomSpec][] = [
    ['explicit', base],
    ['implicit', { ...base, transferSyntax: 'implicit' }],
    ['no-preamble', { ...base, preamble: false }],
    ['bare', { ...base, meta: false }],
    ['big-endian', { ...base, transferSyntax: 'bigEndian' }],
    ['deflated', { ...base, transferSyntax: 'deflated' }],
    ['encapsulated', { ...base, transferSyntax: 'encapsulatedUncompressed', frames: 2 }],
    ['signed', { ...base, signed: true, pixels: radiographLike(12, true) }],
    ['rgb', { width: 6, height: 5, bitsAllocated: 8, photometric: 'RGB' }],
    ['ybr', { width: 6, height: 5, bitsAllocated: 8, photometric: 'YBR_FULL', planarConfiguration: 1 }],
    ['mono1-8bit', { width: 7, height: 5, bitsAllocated: 8, photometric: 'MONOCHROME1' }],
    [
      'luts',
      {
        ...base,
        rescale: { slope: 2, intercept: -5 },
        modalityLut: { first: 0, bits: 16, data: [5, 9, 100, 4000] },
        voiLuts: [{ first: 0, bits: 8, data: [0, 64, 200, 255], explanation: 'V' }],
      },
    ],
    ['multiframe', { ...base, frames: 3, transferSyntax: 'implicit' }],
  ];
  for (const [name, spec] of specs) seeds.push({ name, bytes: await makeDicom(spec) });

  const compressed: [EncodingName, DicomSpec, string[]][] = [
    ['rle', base, []],
    ['jpegBaseline', { ...base, bitsAllocated: 8, bitsStored: 8, pixels: radiographLike(8) }, []],
    ['jpegExtended', { ...base, width: 16, height: 16 }, []],
    ['jpegLosslessSv1', { ...base, frames: 2 }, ['+fs', '1', '-ot']],
    ['jpegLosslessP14', base, []],
    ['jpegLs', base, []],
    ['jpegLsNear', base, []],
    ['jpeg2000Lossless', base, []],
    ['jpeg2000Lossy', { ...base, width: 16, height: 16 }, []],
  ];
  for (const [encoding, spec, extra] of compressed) {
    if (!hasTool(ENCODINGS[encoding].tool)) continue;
    seeds.push({ name: encoding, bytes: encodeDicom(await makeDicom(spec), encoding, { extra }) });
  }
  seeds.push({ name: 'deep', bytes: deepSequences(20) });
  for (const c of oddLengthCases()) seeds.push({ name: c.name, bytes: c.bytes });
  for (const c of await restartCases()) seeds.push({ name: c.name, bytes: c.bytes });
  return seeds;
}
