// The viewer's message handler in plain Node: what each host message does to the state, what it asks
// of the host, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageKey } from '../../../src/webview/viewer/persist';
import type { ViewerState } from '../../../src/webview/viewer/state';
import { analysis, viewer, xrayImage } from './viewerFixture';

test('an image becomes the loaded picture with its window, fitted view and a save', () => {
  const { store, messages, changes } = viewer();
  messages.image({ image: xrayImage(100, 80), decodeMs: 12, seq: 1 });
  const s = store.state;
  assert.equal(s.loaded?.width, 100);
  assert.equal(s.loaded?.seq, 1);
  assert.equal(s.loaded?.decodeMs, 12);
  assert.ok(s.window && s.window.width > 0, 'a default window');
  assert.equal(s.fitted, true);
  assert.equal(s.invert, false);
  assert.deepEqual(changes.at(-1), { redraw: 'all', save: true });
});

test('MONOCHROME1 starts inverted; a plain-array image is rebuilt as typed data', () => {
  const { store, messages } = viewer();
  const image = xrayImage(4, 2, { photometric: 'MONOCHROME1' });
  messages.image({ image: { ...image, data: Array.from(image.data) as unknown as Uint16Array }, decodeMs: 0 });
  assert.equal(store.state.invert, true);
  assert.ok(store.state.loaded?.image.data instanceof Uint16Array);
});

test('an unusable image, or one the browser cannot allocate, is an image error that says why', () => {
  const { store, messages } = viewer();
  messages.image({ image: { ...xrayImage(4, 4), width: 0 }, decodeMs: 0 });
  assert.equal(store.state.lastError?.code, 'CORRUPT');
  assert.match(store.state.lastError!.message, /unusable image: invalid size 0 x 4/);
  const big = viewer({ refuseCanvas: true });
  big.messages.image({ image: xrayImage(30, 20), decodeMs: 0 });
  assert.equal(big.store.state.imageError?.code, 'TOO_LARGE');
  assert.equal(big.store.state.imageError?.detail, 'canvas too large');
  assert.equal(big.store.state.loaded, undefined);
});

test('full-resolution pixels of the same seq replace a reduced copy and keep view, window, rulers and analysis', () => {
  const { store, messages, view, measure, logs } = viewer();
  messages.image({ image: xrayImage(50, 40), decodeMs: 0, seq: 3, reducedFrom: { width: 100, height: 80, factor: 2 } });
  assert.deepEqual(store.state.loaded?.reduced, { factor: 2 });
  assert.equal(store.state.loaded?.width, 100);
  messages.analysis({ result: analysis('m1', {}) });
  view.zoomStep(1);
  const zoomed = store.state.view;
  measure.add([0, 0], [30, 40]);
  messages.image({ image: xrayImage(100, 80), decodeMs: 0, seq: 3 });
  const s = store.state;
  assert.equal(s.loaded?.reduced, undefined);
  assert.deepEqual(s.view, zoomed);
  assert.equal(s.measurements.length, 1);
  assert.equal(s.analysis?.result.modelId, 'm1');
  assert.match(logs.at(-1)!, /100x80 pixels replace the 50x40 reduced copy/);
  // The reduced copy sent again changes nothing.
  messages.image({ image: xrayImage(50, 40), decodeMs: 0, seq: 3, reducedFrom: { width: 100, height: 80, factor: 2 } });
  assert.equal(store.state.loaded?.reduced, undefined);
});

test('another picture clears the analysis and rulers and fits the view again', () => {
  const { store, messages, view, measure } = viewer();
  messages.image({ image: xrayImage(100, 80), decodeMs: 0, seq: 1 });
  messages.analysis({ result: analysis('m1', {}) });
  view.zoomStep(1);
  measure.add([0, 0], [10, 0]);
  messages.image({ image: xrayImage(120, 80), decodeMs: 0, seq: 2 });
  assert.equal(store.state.analysis, undefined);
  assert.deepEqual(store.state.measurements, []);
  assert.equal(store.state.fitted, true);
  assert.equal(store.state.renders, 0);
});

test('another frame of the same series keeps window, view and rulers', () => {
  const { store, messages, view, measure, actions } = viewer();
  const frame = (index: number) => xrayImage(64, 64, { frame: { index, count: 3 } });
  messages.image({ image: frame(0), decodeMs: 0, seq: 1 });
  view.zoomStep(1);
  measure.add([1, 1], [20, 1]);
  actions.setWindowNumbers(1000, 500);
  actions.selectFrame(2);
  assert.equal(store.state.frameLoading, 2);
  messages.image({ image: frame(2), decodeMs: 0, seq: 2 });
  assert.equal(store.state.frameLoading, undefined);
  assert.equal(store.state.window?.center, 1000);
  assert.equal(store.state.windowId, 'custom');
  assert.equal(store.state.fitted, false);
  assert.equal(store.state.measurements.length, 1);
});

test("a restored tab's first image takes the saved view, window and rulers; later images do not", () => {
  const restored = {
    v: 1 as const,
    imageKey: imageKey(100, 80),
    view: { scale: 2, cx: 10, cy: 20 },
    window: { center: 300, width: 200, fn: 'LINEAR' as const },
    windowId: 'custom',
    invert: true,
    overlayVisible: false,
    outline: true,
    settings: { heatmapOpacity: 0.3, colormap: 'jet' as const, threshold: 0.6, heatmapFloor: 0.1 },
    tool: 'measure' as const,
    panelOpen: false,
    measurements: [{ x0: 1, y0: 2, x1: 3, y1: 4 }],
  };
  const { store, messages } = viewer({ restored });
  // The restored tab keeps its own settings over the host's defaults.
  messages.init({ fileName: 'a.png', settings: { heatmapOpacity: 0.9, colormap: 'hot', threshold: 0.5 } });
  assert.equal(store.state.settings.colormap, 'jet');
  messages.image({ image: xrayImage(100, 80), decodeMs: 0, seq: 1 });
  assert.deepEqual(store.state.view, restored.view);
  assert.equal(store.state.fitted, false);
  assert.equal(store.state.window?.center, 300);
  assert.equal(store.state.invert, true);
  assert.equal(store.state.measurements.length, 1);
  messages.image({ image: xrayImage(100, 80), decodeMs: 0, seq: 2 });
  assert.equal(store.state.fitted, true);
  assert.deepEqual(store.state.measurements, []);
});

test('a new tab takes the host settings from init; init asks again for early messages that did not arrive', () => {
  const { store, messages, toHost } = viewer();
  messages.init({ fileName: 'b.dcm', settings: { heatmapOpacity: 2, colormap: 'hot', threshold: 0.4 } });
  assert.equal(store.state.fileName, 'b.dcm');
  assert.equal(store.state.settings.colormap, 'hot');
  assert.equal(store.state.settings.heatmapOpacity, 1, 'clamped');
  assert.deepEqual(toHost, []);
  messages.init({ fileName: 'b.dcm', settings: store.state.settings, early: { imageSeq: 4, analysis: true } });
  assert.deepEqual(toHost, [{ type: 'resendEarly', params: { image: true, analysis: true } }]);
  messages.image({ image: xrayImage(8, 8), decodeMs: 0, seq: 4 });
  messages.analysis({ result: analysis('m') });
  messages.init({ fileName: 'b.dcm', settings: store.state.settings, early: { imageSeq: 4, analysis: true } });
  assert.equal(toHost.length, 1, 'nothing missing: nothing asked');
});

test('analysisStarted drops another model’s result; the analysis arrives with its map checked', () => {
  const { store, messages, logs } = viewer();
  messages.image({ image: xrayImage(100, 100), decodeMs: 0, seq: 1 });
  messages.analysis({ result: analysis('m1', {}) });
  assert.ok(store.state.analysis?.heat);
  // Float32 values 0, 0.2, 0.6, 1.
  assert.deepEqual(store.state.analysis?.mapStats, { sum: Math.fround(0.2) + Math.fround(0.6) + 1, max: 1 });
  messages.analysisStarted({ modelId: 'm2' });
  assert.equal(store.state.analysis, undefined);
  assert.deepEqual(store.state.running, { modelId: 'm2' });
  assert.equal(store.state.selectedId, 'm2');
  messages.analysis({ result: analysis('m2', { data: Float32Array.from([1, 2, 3]) }) });
  assert.equal(store.state.running, undefined);
  const second = (store.state as ViewerState).analysis!;
  assert.equal(second.heat, undefined);
  assert.equal(second.mapProblem, 'it holds 3 values for 2 x 2');
  assert.match(logs.at(-1)!, /^warn: Anomaly map from m2 not shown: it holds 3 values for 2 x 2\.$/);
  const singular = viewer();
  singular.messages.analysis({ result: analysis('m3', { toImage: [0, 0, 0, 0, 0, 0] }) });
  assert.match(singular.store.state.analysis!.mapProblem!, /not a valid affine/);
});

test('errors: an analysis error keeps the image, an image error clears it; a new analysis clears the error', () => {
  const { store, messages } = viewer();
  messages.image({ image: xrayImage(10, 10), decodeMs: 0 });
  messages.error({ scope: 'analysis', error: { code: 'ENGINE_TIMEOUT', message: 'slow' } });
  assert.ok(store.state.loaded);
  assert.deepEqual(store.state.lastError, { scope: 'analysis', code: 'ENGINE_TIMEOUT', message: 'slow' });
  messages.analysisStarted({ modelId: 'm' });
  assert.equal(store.state.lastError, undefined);
  assert.equal(store.state.analysisError, undefined);
  messages.error({ scope: 'image', error: { code: 'CORRUPT', message: 'bad' } });
  assert.equal(store.state.loaded, undefined);
  assert.equal(store.state.running, undefined);
});

test('tags are counted with nested ones and masked values; a preview closes a step it no longer has', () => {
  const { store, messages, actions } = viewer();
  const tag = (t: string, masked = false, children?: never[]) => ({
    tag: t,
    keyword: t,
    vr: 'LO',
    value: masked ? '(masked)' : 'x',
    phi: masked,
    masked,
    depth: 0,
    children,
  });
  messages.tags({
    tags: [tag('a', true), { ...tag('s'), children: [tag('b', true), tag('c')] as never[] }],
    revealed: false,
    phiCount: 2,
  });
  assert.equal(store.state.tags?.count, 4);
  assert.equal(store.state.tags?.masked, 2);
  messages.image({ image: xrayImage(10, 10), decodeMs: 0 });
  const step = {
    op: 'resize',
    label: 'Resize',
    width: 2,
    height: 2,
    thumb: { width: 2, height: 2, data: [1, 2, 3, 4] },
    toImage: [1, 0, 0, 0, 1, 0],
    ms: 1,
  };
  messages.preview({ modelId: 'm', steps: [step, step] as never });
  assert.ok(store.state.preview?.steps?.[0].thumb.data instanceof Uint8Array, 'plain arrays rebuilt as bytes');
  actions.openPreviewStep(1);
  assert.equal(store.state.previewStep, 1);
  messages.preview({ modelId: 'm', steps: [step] as never });
  assert.equal(store.state.previewStep, null);
});

test('frameLoading names the frame being decoded, or the current one when the host gave up', () => {
  const { store, messages } = viewer();
  messages.image({ image: xrayImage(8, 8, { frame: { index: 0, count: 4 } }), decodeMs: 0 });
  messages.frameLoading({ frame: 2, count: 4 });
  assert.equal(store.state.frameLoading, 2);
  messages.frameLoading({ frame: 0, count: 4 });
  assert.equal(store.state.frameLoading, undefined);
});

test('a drift note is kept when well formed, dropped when malformed or cleared with null', () => {
  const { store, messages } = viewer();
  const note = {
    status: 'higher' as const,
    folder: 'site-b',
    modelId: 'm',
    images: 40,
    shift: 2.4,
    text: 'Score drift: ...',
    normals: { count: 10, flagged: 4, rate: 5 / 12, low: 0.2, high: 0.65, text: 'Of the 10 images ...' },
  };
  messages.drift({ note });
  assert.equal(store.state.drift?.status, 'higher');
  assert.equal(store.state.drift?.normals?.count, 10);
  messages.drift({ note: { ...note, status: 'sideways' as never } });
  assert.equal(store.state.drift, undefined, 'an unknown status shows nothing rather than a wrong style');
  messages.drift({ note: { ...note, normals: { ...note.normals, text: 3 as never } } });
  const kept = store.state as ViewerState; // re-read: the assertion above narrowed `drift` to undefined
  assert.equal(kept.drift?.status, 'higher', 'the verdict is kept');
  assert.equal(kept.drift?.normals, undefined, 'a malformed normals part is dropped');
  messages.drift({ note: null });
  assert.equal(store.state.drift, undefined);
});

test('zoom and pan are passed on to other viewers of the file; a view that comes from them is not sent back', () => {
  const { store, messages, view, moved, actions } = viewer();
  messages.image({ image: xrayImage(200, 100), decodeMs: 0 });
  view.zoomAt(2, 200, 150);
  view.pan(10, -5);
  assert.equal(moved.length, 2, 'each user move is reported');
  const last = moved.at(-1);
  assert.ok(last && last.scale > 0, JSON.stringify(moved));
  assert.deepEqual(last, { scale: store.state.view!.scale, cx: store.state.view!.cx, cy: store.state.view!.cy });
  messages.syncView({ view: { scale: 3, cx: 50, cy: 40 } });
  assert.equal(moved.length, 2, 'a followed view is not echoed (two viewers would ping-pong)');
  assert.deepEqual(store.state.view, { scale: 3, cx: 50, cy: 40 });
  assert.equal(store.state.fitted, false);
  messages.syncView({ view: { scale: Number.NaN, cx: 0, cy: 0 } });
  assert.equal(store.state.view?.scale, 3, 'a malformed view changes nothing');
  messages.syncView({ view: null });
  assert.equal(store.state.fitted, true, 'null: fit the editor, as the other viewer does');
  actions.act({ action: 'zoomPan', factor: 2, dx: 0, dy: 0 });
  assert.equal(moved.length, 4, 'a zoom and a pan');
  actions.fit();
  assert.equal(moved.at(-1), null, 'fitting is passed on as null');
});
