// Per-image quality measures: perceptual hash, area resampling, histogram figures, sharpness, display range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hamming, phash32, popcount32 } from '../../../src/core/quality/phash';
import { resampleArea } from '../../../src/core/quality/resample';
import { measureGrey } from '../../../src/core/quality/measures';
import { displayGrey, displayRange } from '../../../src/core/quality/display';
import type { XrayImage } from '../../../src/core/image/types';
import { blur, map, phantom, rescale, type Grey } from './images';

const measure = (g: Grey) => measureGrey(g.data, g.width, g.height, g);
const hex64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => v.toString(16).padStart(16, '0'));

test('hamming counts differing bits (checked against BigInt), symmetric, triangle inequality', () => {
  fc.assert(
    fc.property(hex64, hex64, hex64, (a, b, c) => {
      let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
      let bits = 0;
      for (; x > 0n; x >>= 1n) bits += Number(x & 1n);
      assert.equal(hamming(a, b), bits);
      assert.equal(hamming(b, a), bits);
      assert.ok(hamming(a, c) <= hamming(a, b) + hamming(b, c));
    }),
  );
  assert.equal(popcount32(0xffffffff), 32);
  assert.equal(hamming('0000000000000000', 'ffffffffffffffff'), 64);
});

test('pHash: 64 bits; unchanged by scaling the grey levels; different images far apart', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1024, maxLength: 1024 }),
      // Powers of two scale floating-point sums exactly, so the property holds to the bit.
      fc.constantFrom(0.25, 0.5, 2, 4, 8),
      (px, k) => {
        const h = phash32(px);
        assert.match(h, /^[0-9a-f]{16}$/);
        // Every DCT coefficient scales by k: their order relative to the median does not change.
        assert.equal(phash32(px.map((v) => v * k)), h);
      },
    ),
  );
  const hashes = [1, 2, 3, 4, 5, 6].map((s) => measure(phantom(s)).phash);
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++) assert.ok(hamming(hashes[i], hashes[j]) > 10, `${i} ${j}`);
  assert.throws(() => phash32(new Array(100).fill(0)), /1024 samples/);
});

test('pHash of edited copies stays within a few bits: rescaled, brightened, noisy, re-sized', () => {
  const g = phantom(42, 300, 260);
  const h = measure(g).phash;
  const noise = (s: number) => () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 12;
  const n = noise(7);
  const edits: Grey[] = [
    rescale(g, 200, 173),
    rescale(g, 600, 520),
    map(g, (v) => v * 1.05 + 4),
    map(g, (v) => v + n()),
  ];
  for (const e of edits)
    assert.ok(hamming(measure(e).phash, h) <= 4, `${e.width}x${e.height}: ${hamming(measure(e).phash, h)}`);
});

test('area resampling keeps the mean, any sizes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      (w, h, ow, oh, seed) => {
        const src = Array.from({ length: w * h }, (_, i) => ((i * 2654435761 + seed) >>> 0) % 256);
        const out = resampleArea(src, w, h, ow, oh);
        const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
        assert.ok(Math.abs(mean(out) - mean(src)) < 1e-3, `${mean(out)} vs ${mean(src)}`);
      },
    ),
  );
  // 4 x 1 -> 2 x 1: pairs averaged.
  assert.deepEqual([...resampleArea([0, 10, 20, 40], 4, 1, 2, 1)], [5, 30]);
  // Against the definition, output by output: the mean of the input area the output cell covers.
  const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 23 }),
      fc.integer({ min: 1, max: 23 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer(),
      (w, h, ow, oh, seed) => {
        const src = Array.from({ length: w * h }, (_, i) => ((i * 2654435761 + seed) >>> 0) % 256);
        const out = resampleArea(src, w, h, ow, oh);
        const sx = w / ow;
        const sy = h / oh;
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let sum = 0;
            for (let y = 0; y < h; y++)
              for (let x = 0; x < w; x++)
                sum +=
                  src[y * w + x] *
                  overlap(ox * sx, (ox + 1) * sx, x, x + 1) *
                  overlap(oy * sy, (oy + 1) * sy, y, y + 1);
            const want = sum / (sx * sy);
            assert.ok(Math.abs(out[oy * ow + ox] - want) < 1e-3, `(${ox}, ${oy}): ${out[oy * ow + ox]} vs ${want}`);
          }
      },
    ),
  );
  assert.throws(() => resampleArea([1, 2, 3], 2, 2, 1, 1), /4 samples/);
});

test('measures: a flat image has no entropy and no sharpness; blur lowers sharpness; size is the decoded one', () => {
  const flat = measureGrey(new Uint8Array(64 * 48).fill(77), 64, 48, { width: 640, height: 480 });
  assert.deepEqual([flat.mean, flat.p1, flat.p99, flat.entropy, flat.sharpness], [77, 77, 77, 0, 0]);
  assert.deepEqual([flat.width, flat.height], [640, 480]);
  const half = measureGrey(
    Uint8Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 255)),
    10,
    10,
    { width: 10, height: 10 },
  );
  assert.equal(half.entropy, 1);
  assert.equal(half.mean, 127.5);
  assert.deepEqual([half.p1, half.p99], [0, 255]);
  const g = phantom(3);
  const sharp = measure(g).sharpness;
  const soft = measure(blur(g, 2)).sharpness;
  const softer = measure(blur(g, 4)).sharpness;
  assert.ok(soft < sharp / 5 && softer < soft, `${sharp} ${soft} ${softer}`);
  assert.throws(() => measureGrey(new Uint8Array(3), 2, 2, { width: 2, height: 2 }), /4 samples/);
});

function image(over: Partial<XrayImage>): XrayImage {
  return {
    width: 2,
    height: 1,
    data: new Uint16Array([0, 4095]),
    bitsStored: 12,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 4095 },
    source: { format: 'png', encoding: 'test', notices: [] },
    ...over,
  };
}

test('display range: the first window, else the stored bits (not stretched to the image); MONOCHROME1 inverted', () => {
  assert.deepEqual([...displayGrey(image({}))], [0, 255]);
  // A 12-bit image using only its low levels stays dark.
  assert.deepEqual([...displayGrey(image({ data: new Uint16Array([0, 409]) }))], [0, 25]);
  assert.deepEqual([...displayGrey(image({ photometric: 'MONOCHROME1' }))], [255, 0]);
  const win = image({ windows: [{ center: 1000, width: 200, label: 'w' }], data: new Uint16Array([900, 1050]) });
  assert.deepEqual(displayRange(win), { lo: 900, hi: 1100 });
  assert.deepEqual([...displayGrey(win)], [0, 191]);
  const signed = image({ signed: true, bitsStored: 16, data: new Int16Array([-32768, 32767]) });
  assert.deepEqual([...displayGrey(signed)], [0, 255]);
  const float = image({ data: new Float32Array([0.5, NaN]), bitsStored: 32, range: { min: 0, max: 1 } });
  assert.deepEqual([...displayGrey(float)], [128, 0]);
});
