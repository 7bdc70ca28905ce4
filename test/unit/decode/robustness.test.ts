/**
 * Whatever the bytes, decodeImage ends quickly in an image or an XrayError: never another exception,
 * never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeImage } from '../../../src/core/decode';
import { XrayError } from '../../../src/core/errors';
import { makeDicom } from '../../fixtures/dicom';
import { png16 } from '../../fixtures/images';
import { costGuard, cpuClock } from '../timing';

const NAMES = ['a.dcm', 'a.png', 'a.jpg', 'a.tif', 'noext', 'a.txt'];
const SMALL_LIMITS = { maxFileBytes: 1 << 20, maxPixels: 4_000_000 };

/**
 * "Quickly", in CPU time against a same-run reference (test/unit/timing.ts): decoding a valid
 * 256 x 256 DICOM. The inputs here are a few KB and measured under 25 reference decodes; a spin or a
 * quadratic path blows through 500.
 */
const reference = makeDicom({ width: 256, height: 256 });
const quickly = costGuard(async () => decodeImage(await reference, 'reference.dcm'), 500);

async function outcome(bytes: Uint8Array, name: string): Promise<'ok' | XrayError> {
  const spent = cpuClock();
  let result: 'ok' | XrayError;
  try {
    await decodeImage(bytes, name, SMALL_LIMITS);
    result = 'ok';
  } catch (e) {
    if (!(e instanceof XrayError)) assert.fail(`${name} (${bytes.length} bytes) threw a non-XrayError: ${String(e)}`);
    assert.ok(e.message.length > 0);
    result = e;
  }
  const ms = spent();
  await quickly(`${name} (${bytes.length} bytes)`, ms, () => decodeImage(bytes, name, SMALL_LIMITS));
  return result;
}

test('random bytes never throw anything but XrayError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom(...NAMES), async (bytes, name) => {
      await outcome(bytes, name);
    }),
    { numRuns: 300 },
  );
});

test('random bytes behind a DICOM preamble, a meta-header start, or a PNG signature', async () => {
  const prefixes = [
    Uint8Array.from([...new Array(128).fill(0), 0x44, 0x49, 0x43, 0x4d]),
    Uint8Array.from([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c]),
    Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x43, 0x53]),
    Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x00, 0x00]),
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Uint8Array.from([0xff, 0xd8, 0xff]),
    Uint8Array.from([0x49, 0x49, 0x2a, 0x00]),
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2048 }), async (prefix, tail) => {
      const bytes = new Uint8Array(prefix.length + tail.length);
      bytes.set(prefix);
      bytes.set(tail, prefix.length);
      await outcome(bytes, 'fuzz.dcm');
    }),
    { numRuns: 400 },
  );
});

test('every truncation of a valid DICOM is a clean error, TRUNCATED once past the preamble', async () => {
  for (const transferSyntax of ['explicit', 'implicit'] as const) {
    const file = await makeDicom({ width: 6, height: 5, transferSyntax, windows: [{ center: 1, width: 2 }] });
    for (let cut = 1; cut < file.length; cut++) {
      const r = await outcome(file.slice(0, cut), 'cut.dcm');
      assert.notEqual(r, 'ok', `cut at ${cut} decoded`);
      if (r === 'ok') continue;
      // Inside the preamble a cut can leave "DI" with no zeros to suggest a preamble: then nothing says DICOM.
      const allowed = cut >= 132 ? ['TRUNCATED'] : ['TRUNCATED', 'UNSUPPORTED_FORMAT'];
      assert.ok(allowed.includes(r.code), `${transferSyntax}: cut at ${cut} gave ${r.code}: ${r.message}`);
    }
  }
});

test('a DICOM object that is not an image says so', async () => {
  const report = await makeDicom({
    override: {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22',
      PixelData: undefined,
      Rows: undefined,
      Columns: undefined,
    },
  });
  const r = await outcome(report, 'report.dcm');
  assert.ok(r !== 'ok' && r.code === 'UNSUPPORTED_FORMAT' && /no image/.test(r.message));
});

test('random truncations and byte flips of valid files never escape as non-XrayErrors', async () => {
  const files = [
    [
      'e.dcm',
      await makeDicom({
        width: 40,
        height: 30,
        frames: 2,
        windows: [{ center: 10, width: 20 }],
        pixelSpacing: [0.1, 0.1],
      }),
    ],
    ['i.dcm', await makeDicom({ width: 40, height: 30, transferSyntax: 'implicit', bitsStored: 12, signed: true })],
    ['n.dcm', await makeDicom({ width: 40, height: 30, preamble: false, bitsAllocated: 8, photometric: 'RGB' })],
    ['p.png', await png16(40, 30)],
  ] as const;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...files),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
      async ([name, file], cutSeed, flips) => {
        const bytes = file.slice(0, 1 + (cutSeed % file.length));
        for (const [at, x] of flips) bytes[at % bytes.length] ^= x;
        await outcome(bytes, name);
      },
    ),
    { numRuns: 400 },
  );
});
