/** intensity mode 'bits': a fixed scale by the stored bit depth (pixel / 255 for 8-bit), as the fitted models' backbone expects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../../src/core/decode/index';
import type { XrayImage } from '../../../src/core/image/types';
import { manifestProblems } from '../../../src/core/model/validate';
import { runPipeline } from '../../../src/core/preprocess/pipeline';
import { storedRange } from '../../../src/core/preprocess/ops/intensity';
import { jpeg8, png16FromPixels, png8 } from '../../fixtures/images';

function image(data: XrayImage['data'], over: Partial<XrayImage> = {}): XrayImage {
  return {
    width: data.length,
    height: 1,
    data,
    bitsStored: 8,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 255 },
    source: { format: 'png', encoding: 'test', notices: [] },
    ...over,
  };
}

const run = (img: XrayImage) =>
  runPipeline(img, { steps: [{ op: 'intensity', mode: 'bits' }] }, { width: img.width, height: 1 });

test('8-bit samples become v / 255, whatever the image range (unlike minmax)', () => {
  const out = run(image(Uint8Array.from([10, 20, 255, 0])));
  assert.deepEqual(
    [...out.image.data].map((v) => +v.toFixed(6)),
    [10, 20, 255, 0].map((v) => +(v / 255).toFixed(6)),
  );
  const dim = run(image(Uint8Array.from([10, 20])));
  assert.ok(Math.abs(dim.image.data[1] - 20 / 255) < 1e-7, 'a dim image stays dim');
});

test('12-bit, signed and rescaled samples use their representable range; float data falls back to min/max with a notice', () => {
  assert.ok(Math.abs(run(image(Uint16Array.from([4095, 0]), { bitsStored: 12 })).image.data[0] - 1) < 1e-7);
  const signed = run(image(Int16Array.from([-32768, 0, 32767]), { bitsStored: 16, signed: true })).image.data;
  assert.deepEqual([signed[0], +signed[1].toFixed(4), signed[2]], [0, 0.5, 1]);
  assert.deepEqual(
    storedRange({ bitsStored: 12, signed: false, rescale: { slope: 1, intercept: -1024 }, data: new Uint16Array(1) }),
    [-1024, 3071],
  );
  assert.deepEqual(
    storedRange({ bitsStored: 8, signed: false, rescale: { slope: -1, intercept: 0 }, data: new Uint8Array(1) }),
    [-255, 0],
  );
  const f = run(image(Float32Array.from([2, 4, 6]), { bitsStored: 32 }));
  assert.deepEqual([...f.image.data], [0, 0.5, 1]);
  assert.match(f.notices.join(), /no bit depth/);
});

test('decoded 8-bit PNG/JPEG and 16-bit PNG files scale by their depth', async () => {
  const p8 = await decodeImage(await png8(4, 1, (x) => x * 60), 'a.png');
  assert.deepEqual(
    [...run(p8).image.data].map((v) => Math.round(v * 255)),
    [0, 60, 120, 180],
  );
  const j = await decodeImage(await jpeg8(16, 16), 'a.jpg');
  assert.equal(j.bitsStored, 8);
  const p16 = await decodeImage(await png16FromPixels(2, 1, Uint16Array.from([65535, 6553])), 'b.png');
  assert.ok(Math.abs(run(p16).image.data[1] - 0.1) < 1e-4);
});

test("manifests accept mode 'bits' and refuse low/high with it", () => {
  const manifest = (steps: unknown[]) => ({
    schema: 'xray-anomaly-model/1',
    id: 'm',
    name: 'm',
    version: '1',
    onnx: 'm.onnx',
    input: { name: 'x', channels: 3, height: 8, width: 8 },
    preprocessing: { steps },
    outputs: { score: 's' },
    calibration: { threshold: 0, min: 0, max: 1 },
  });
  assert.deepEqual(
    manifestProblems(
      manifest([
        { op: 'intensity', mode: 'bits' },
        { op: 'resize', width: 8, height: 8 },
      ]),
    ),
    [],
  );
  assert.match(
    manifestProblems(manifest([{ op: 'intensity', mode: 'bits', low: 1 }]))[0],
    /low\/high apply only to mode 'percentile'/,
  );
});
