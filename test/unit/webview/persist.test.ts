import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, readPersisted, sanitizeSettings } from '../../../src/webview/viewer/persist';
import { checkImage } from '../../../src/webview/viewer/imageCheck';

test('settings are clamped and unknown colormaps fall back', () => {
  assert.deepEqual(sanitizeSettings({ heatmapOpacity: 3, colormap: 'rainbow', threshold: -1, heatmapFloor: 7 }), {
    heatmapOpacity: 1,
    colormap: DEFAULT_SETTINGS.colormap,
    threshold: 0,
    heatmapFloor: 1,
  });
  assert.deepEqual(sanitizeSettings('nonsense'), DEFAULT_SETTINGS);
  assert.deepEqual(
    sanitizeSettings({ colormap: 'jet' }, { heatmapOpacity: 0.2, colormap: 'hot', threshold: 0.7, heatmapFloor: 0 }),
    { heatmapOpacity: 0.2, colormap: 'jet', threshold: 0.7, heatmapFloor: 0 },
  );
  // Settings from before the floor existed get the default floor.
  assert.equal(
    sanitizeSettings({ colormap: 'jet' }, { heatmapOpacity: 0.2, colormap: 'hot', threshold: 0.7 }).heatmapFloor,
    DEFAULT_SETTINGS.heatmapFloor,
  );
});

test('saved state from another version or with bad fields is dropped field by field', () => {
  assert.equal(readPersisted(undefined, DEFAULT_SETTINGS), undefined);
  assert.equal(readPersisted({ v: 2 }, DEFAULT_SETTINGS), undefined);
  const s = readPersisted(
    {
      v: 1,
      view: { scale: -1, cx: 0, cy: 0 },
      window: { center: 10, width: 0, fn: 'LINEAR' },
      invert: 'yes',
      tool: 'window',
      imageKey: '2x2',
    },
    DEFAULT_SETTINGS,
  )!;
  assert.equal(s.view, undefined);
  assert.equal(s.window, undefined);
  assert.equal(s.invert, undefined);
  assert.equal(s.tool, 'window');
  assert.equal(s.overlayVisible, true);
  const ok = readPersisted(
    { v: 1, view: { scale: 2, cx: 5, cy: 6 }, window: { center: 10, width: 20, fn: 'SIGMOID' }, invert: true },
    DEFAULT_SETTINGS,
  )!;
  assert.deepEqual(ok.view, { scale: 2, cx: 5, cy: 6 });
  assert.deepEqual(ok.window, { center: 10, width: 20, fn: 'SIGMOID' });
  assert.equal(ok.measurements, undefined);
  assert.equal(ok.stripOpen, undefined);
  const m = readPersisted(
    {
      v: 1,
      tool: 'measure',
      panelTab: 'tags',
      stripOpen: false,
      measurements: [{ x0: 1, y0: 2, x1: 3, y1: 4 }, { x0: 'a' }, null, { x0: 1, y0: 1, x1: NaN, y1: 1 }],
    },
    DEFAULT_SETTINGS,
  )!;
  assert.equal(m.tool, 'measure');
  assert.equal(m.panelTab, 'tags');
  assert.equal(m.stripOpen, false);
  assert.deepEqual(m.measurements, [{ x0: 1, y0: 2, x1: 3, y1: 4 }]);
  assert.equal(readPersisted({ v: 1, tool: 'lasso', panelTab: 'x' }, DEFAULT_SETTINGS)!.tool, 'pan');
  assert.equal(
    readPersisted(
      { v: 1, measurements: Array.from({ length: 500 }, () => ({ x0: 0, y0: 0, x1: 1, y1: 1 })) },
      DEFAULT_SETTINGS,
    )!.measurements!.length,
    50,
  );
});

const header = {
  bitsStored: 16,
  signed: false,
  rescale: { slope: 1, intercept: 0 },
  photometric: 'MONOCHROME2',
  windows: [],
  range: { min: 0, max: 1 },
  source: { format: 'png', encoding: '', notices: [] },
};

test('the image check accepts typed arrays and rebuilds plain arrays', () => {
  const ok = checkImage({ ...header, width: 2, height: 1, data: new Uint16Array([1, 2]) });
  assert.ok('image' in ok);
  const rebuilt = checkImage({ ...header, width: 2, height: 1, data: [1, 60000] });
  assert.ok('image' in rebuilt && rebuilt.image.data instanceof Uint16Array && rebuilt.image.data[1] === 60000);
  const signed = checkImage({ ...header, signed: true, width: 1, height: 1, data: [-5] });
  assert.ok('image' in signed && signed.image.data instanceof Int16Array);
});

test('the image check explains what is wrong instead of throwing', () => {
  const problem = (v: unknown) => {
    const r = checkImage(v);
    assert.ok('problem' in r);
    return r.problem;
  };
  assert.match(problem(null), /no image/);
  assert.match(problem({ ...header, width: 0, height: 5, data: new Uint16Array(0) }), /invalid size/);
  assert.match(problem({ ...header, width: 3, height: 1, data: new Uint16Array(2) }), /holds 2 samples, expected 3/);
  assert.match(problem({ ...header, width: 1, height: 1, data: 'x' }), /unsupported type/);
  assert.match(problem({ ...header, width: 20000, height: 20000, data: new Uint8Array(1) }), /megapixels/);
  // A zero slope would make every pixel the same value; it is treated as 1.
  const r = checkImage({
    ...header,
    rescale: { slope: 0, intercept: 5 },
    width: 1,
    height: 1,
    data: new Uint8Array([3]),
  });
  assert.ok('image' in r && r.image.rescale.slope === 1 && r.image.rescale.intercept === 5);
});
