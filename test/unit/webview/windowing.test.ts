import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  adjusted,
  applyWindow,
  buildLut,
  defaultOption,
  imageStats,
  voi,
  windowFromRange,
  windowOptions,
  type WindowLevel,
} from '../../../src/webview/viewer/windowing';
import type { XrayImage } from '../../../src/webview/viewer/types';

function image(data: XrayImage['data'], over: Partial<XrayImage> = {}): XrayImage {
  return {
    width: data.length,
    height: 1,
    data,
    bitsStored: data instanceof Uint8Array ? 8 : data instanceof Float32Array ? 32 : 16,
    signed: data instanceof Int16Array,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 0 },
    source: { format: 'png', encoding: 'test', notices: [] },
    ...over,
  };
}

const grey = (px: number) => px & 0xff;

test('DICOM LINEAR puts the window ends at c - 0.5 -/+ (w - 1) / 2', () => {
  const w: WindowLevel = { center: 2048, width: 4096, fn: 'LINEAR' };
  assert.equal(voi(2048 - 0.5 - 4095 / 2, w), 0);
  assert.equal(voi(2048 - 0.5 + 4095 / 2, w), 1);
  assert.equal(voi(2047.5, w), 0.5);
  assert.equal(voi(-1e9, w), 0);
  assert.equal(voi(1e9, w), 1);
  // Width 1 is a step at the centre.
  assert.equal(voi(99, { center: 100, width: 1, fn: 'LINEAR' }), 0);
  assert.equal(voi(100, { center: 100, width: 1, fn: 'LINEAR' }), 1);
});

test('LINEAR_EXACT and SIGMOID follow their definitions', () => {
  const e: WindowLevel = { center: 0, width: 10, fn: 'LINEAR_EXACT' };
  assert.equal(voi(-5, e), 0);
  assert.equal(voi(5, e), 1);
  assert.equal(voi(0, e), 0.5);
  const s: WindowLevel = { center: 40, width: 400, fn: 'SIGMOID' };
  assert.equal(voi(40, s), 0.5);
  assert.ok(Math.abs(voi(240, s) - 1 / (1 + Math.exp(-2))) < 1e-12);
});

test('the 16-bit lookup table equals the formula for every stored value, inverted too', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -5000, max: 70000 }),
      fc.integer({ min: 2, max: 70000 }),
      fc.boolean(),
      fc.constantFrom('LINEAR', 'LINEAR_EXACT', 'SIGMOID'),
      (c, w, inv, fn) => {
        const win: WindowLevel = { center: c, width: w, fn: fn as WindowLevel['fn'] };
        const lut = buildLut({ size: 65536, offset: 0 }, { slope: 1, intercept: 0 }, win, inv);
        for (const v of [0, 1, 1000, 32767, 40000, 65535]) {
          const g = Math.round(voi(v, win) * 255);
          assert.equal(grey(lut[v]), inv ? 255 - g : g);
          assert.equal(lut[v] >>> 24, 255, 'opaque');
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('applyWindow indexes signed data with the offset and applies the rescale', () => {
  const img = image(new Int16Array([-1024, 0, 40, 3000]), { rescale: { slope: 1, intercept: -1024, unit: 'HU' } });
  const out = new Uint32Array(4);
  const win: WindowLevel = { center: -1024 + 40, width: 80, fn: 'LINEAR_EXACT' };
  applyWindow(img, win, false, out);
  // Modality values: -2048, -1024, -984, 1976 -> window [-1024, -944].
  assert.deepEqual([...out].map(grey), [0, 0, 128, 255]);
  const pixel = (r: number, g: number, b: number) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  assert.equal(out[3], pixel(255, 255, 255));
});

test('float images give the same greys as the formula, and NaN is black even when inverted', () => {
  const data = Float32Array.from([0, 0.1, 0.25, 0.5, 0.75, 1, NaN]);
  const img = image(data, { rescale: { slope: 2, intercept: -0.5 } });
  for (const fn of ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'] as const) {
    for (const inv of [false, true]) {
      const win: WindowLevel = { center: 0.4, width: 1.2, fn };
      const out = new Uint32Array(data.length);
      applyWindow(img, win, inv, out);
      for (let i = 0; i < data.length - 1; i++) {
        const g = Math.round(voi(data[i] * 2 - 0.5, win) * 255);
        assert.ok(Math.abs(grey(out[i]) - (inv ? 255 - g : g)) <= 1, `${fn} ${inv} at ${data[i]}`);
      }
      assert.equal(grey(out[data.length - 1]), 0);
    }
  }
});

test('integer statistics give exact min, max and percentiles in modality units', () => {
  const data = new Uint16Array(1000);
  for (let i = 0; i < 1000; i++) data[i] = i;
  const st = imageStats(image(data, { rescale: { slope: 2, intercept: 10 } }));
  assert.equal(st.min, 10);
  assert.equal(st.max, 2008);
  assert.equal(st.percentile(50), 10 + 2 * 499);
  assert.equal(st.percentile(0.5), 10 + 2 * 4);
  assert.equal(st.percentile(99.5), 10 + 2 * 994);
  // A negative slope reverses the order: low percentiles come from high stored values.
  const neg = imageStats(image(data, { rescale: { slope: -1, intercept: 0 } }));
  assert.equal(neg.min, -999);
  assert.equal(neg.max, 0);
  assert.ok(neg.percentile(1) <= -989);
});

test('float statistics ignore NaN', () => {
  const st = imageStats(image(Float32Array.from([NaN, 0.5, 1.5, NaN, 1])));
  assert.equal(st.min, 0.5);
  assert.equal(st.max, 1.5);
  assert.ok(Math.abs(st.percentile(50) - 1) < 1e-3);
});

test('presets: file windows first, "as stored" only for raster files, and the right default', () => {
  const data = new Uint16Array([100, 200, 300, 4000]);
  const dicom = image(data, {
    source: { format: 'dicom', encoding: '', notices: [] },
    windows: [
      { center: 300, width: 400, label: 'BONE' },
      { center: 1, width: 0, label: 'bad' },
    ],
  });
  const opts = windowOptions(dicom, imageStats(dicom));
  assert.deepEqual(
    opts.map((o) => o.id),
    ['file-0', 'full', 'auto'],
  );
  assert.equal(opts[0].label, 'BONE');
  assert.equal(opts[0].window.fn, 'LINEAR');
  assert.equal(defaultOption(dicom, opts)?.id, 'file-0');

  const png16 = image(data);
  const o16 = windowOptions(png16, imageStats(png16));
  assert.deepEqual(
    o16.map((o) => o.id),
    ['stored', 'full', 'auto'],
  );
  assert.equal(defaultOption(png16, o16)?.id, 'auto');
  assert.deepEqual(o16[0].window, windowFromRange(0, 65535));

  const png8 = image(new Uint8Array([10, 20, 240]));
  const o8 = windowOptions(png8, imageStats(png8));
  assert.equal(defaultOption(png8, o8)?.id, 'stored');
  assert.deepEqual(o8.find((o) => o.id === 'full')?.window, windowFromRange(10, 240));
});

test('a constant image still gets a usable (non-zero) window', () => {
  const flat = image(new Uint16Array([500, 500, 500]));
  const o = windowOptions(flat, imageStats(flat)).find((x) => x.id === 'full');
  assert.ok(o && o.window.width > 0 && o.window.center === 500);
});

test('a VOI LUT preset shows through its table, clamped at both ends; adjusting drops the table', () => {
  const table = { first: 100, bits: 8, data: [0, 255, 51] };
  const w: WindowLevel = { center: 101, width: 3, fn: 'LINEAR', table };
  assert.equal(voi(99, w), 0, 'below the first entry: the first output');
  assert.equal(voi(101, w), 1);
  assert.equal(voi(102, w), 0.2);
  assert.equal(voi(5000, w), 0.2, 'above: the last output');
  const img = image(new Uint16Array([100, 101, 102, 400]), {
    source: { format: 'dicom', encoding: 'test', notices: [] },
    windows: [{ center: 101, width: 3, label: 'LUT', lut: table }],
  });
  const out = new Uint32Array(4);
  applyWindow(img, windowOptions(img, imageStats(img))[0].window, false, out);
  assert.deepEqual(
    [...out].map((p) => p & 0xff),
    [0, 255, 51, 51],
  );
  const a = adjusted(w, 150, 10);
  assert.equal(a.table, undefined);
  assert.deepEqual(a, { center: 150, width: 10, fn: 'LINEAR' });
});
