// The viewer's actions, zoom/pan/window, rulers, readout and report in plain Node, through the store:
// what each changes, what it redraws and saves, and what it tells the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewStateReport } from '../../../src/webview/viewer/diagnostics';
import { persistedState, readPersisted, sanitizeSettings } from '../../../src/webview/viewer/persist';
import { readoutText } from '../../../src/webview/viewer/readout';
import { initialState } from '../../../src/webview/viewer/state';
import { ViewerStore } from '../../../src/webview/viewer/store';
import { fitView } from '../../../src/webview/viewer/viewport';
import { analysis, viewer, xrayImage } from './viewerFixture';

test('the store runs every change through update and tells subscribers what it affects, until they leave', () => {
  const store = new ViewerStore(initialState(sanitizeSettings(undefined), undefined));
  const seen: string[] = [];
  const sub = store.subscribe((c, s) => seen.push(`${c.redraw}${c.save ? '+save' : ''} tool=${s.tool}`));
  store.update((s) => void (s.tool = 'measure'), { redraw: 'bar', save: true });
  store.touch({ redraw: 'canvas' });
  sub.dispose();
  store.update((s) => void (s.tool = 'pan'), { redraw: 'all' });
  assert.deepEqual(seen, ['bar+save tool=measure', 'canvas tool=measure']);
  assert.equal(store.state.tool, 'pan');
});

test('sliders change the view while dragged and become the host default on release only', () => {
  const { store, actions, changes } = viewer();
  actions.setOpacity(0.8, false);
  assert.equal(store.state.settings.heatmapOpacity, 0.8);
  assert.deepEqual(changes.at(-1), { redraw: 'all', save: true, settings: undefined });
  actions.setOpacity(1.7, true);
  assert.deepEqual(changes.at(-1), { redraw: 'all', save: true, settings: { heatmapOpacity: 1 } });
  actions.setThreshold(-1, true);
  assert.deepEqual(changes.at(-1)?.settings, { threshold: 0 });
  actions.setColormap('nonsense' as never);
  assert.equal(store.state.settings.colormap, sanitizeSettings(undefined).colormap, 'unknown colormap ignored');
  actions.setColormap('jet');
  assert.deepEqual(changes.at(-1)?.settings, { colormap: 'jet' });
});

test('zoom, pan and fit: the fitted view follows the canvas until the user moves it', () => {
  const { store, messages, view, actions, canvas } = viewer();
  messages.image({ image: xrayImage(800, 600), decodeMs: 0 });
  assert.deepEqual(view.current(), fitView(800, 600, 400, 300));
  canvas.width = 800;
  canvas.height = 1200;
  assert.deepEqual(view.current(), fitView(800, 600, 800, 1200));
  actions.oneToOne();
  assert.equal(view.current()?.scale, 1);
  assert.equal(store.state.fitted, false);
  view.pan(100, 0);
  assert.equal(store.state.view?.cx, 300);
  actions.fit();
  assert.equal(store.state.fitted, true);
  assert.equal(store.state.view, undefined);
});

test('window: typed numbers set a custom window; unusable ones only redraw; presets cycle; reset restores', () => {
  const { store, messages, actions, view, changes } = viewer();
  messages.image({
    image: xrayImage(16, 16, {
      windows: [
        { center: 100, width: 50 },
        { center: 2000, width: 4000 },
      ] as never,
    }),
    decodeMs: 0,
  });
  const initial = store.state.windowId;
  actions.setWindowNumbers(500, 0);
  assert.deepEqual(changes.at(-1), { redraw: 'all' });
  actions.setWindowNumbers(500, 300);
  assert.equal(store.state.windowId, 'custom');
  view.windowDrag(10, 0);
  assert.ok(store.state.window!.width > 300);
  actions.cyclePreset(1);
  assert.notEqual(store.state.windowId, 'custom');
  actions.toggleInvert();
  actions.reset();
  assert.equal(store.state.windowId, initial);
  assert.equal(store.state.invert, false);
});

test('host notifications: model choice, re-analysis, frames, strip, reveal and copy', () => {
  const { store, messages, actions, toHost } = viewer();
  messages.image({ image: xrayImage(8, 8, { frame: { index: 1, count: 3 } }), decodeMs: 0 });
  actions.selectModel('m2');
  actions.selectModel('m2');
  actions.reanalyze();
  actions.stepFrame(1);
  actions.stepFrame(1);
  actions.selectFrame(7);
  actions.toggleStrip();
  actions.revealPatientData(true);
  actions.copyText('42', 'value');
  assert.deepEqual(toHost, [
    { type: 'selectModel', params: { modelId: 'm2' } },
    { type: 'reanalyze', params: {} },
    { type: 'selectFrame', params: { frame: 2 } },
    { type: 'previewWanted', params: { open: false } },
    { type: 'revealPatientData', params: { reveal: true } },
    { type: 'copyText', params: { text: '42', what: 'value' } },
  ]);
  assert.equal(store.state.frameLoading, 2);
  assert.equal(store.state.stripOpen, false);
});

test('rulers: a drag draws one in image pixels, a click draws none, an end can be moved, Delete removes', () => {
  const { store, messages, measure, actions, view } = viewer();
  messages.image({ image: xrayImage(800, 600), decodeMs: 0 });
  // The whole image at half size in the 400 x 300 canvas: screen (x, y) is image (2x, 2y).
  view.set({ scale: 0.5, cx: 400, cy: 300 });
  measure.gesture('start', 10, 10);
  measure.gesture('move', 60, 10);
  measure.gesture('end');
  assert.deepEqual(store.state.measurements, [{ x0: 20, y0: 20, x1: 120, y1: 20 }]);
  measure.gesture('start', 200, 200);
  measure.gesture('end');
  assert.equal(store.state.measurements.length, 1, 'a click makes no ruler');
  measure.gesture('start', 61, 11);
  assert.equal(store.state.activeMeasurement, 0, 'grabbed the end');
  assert.equal(measure.overHandle(10, 10), true);
  actions.deleteMeasurement();
  assert.equal(store.state.measurements.length, 1, 'not while dragging');
  measure.gesture('move', 60, 100);
  measure.gesture('end');
  assert.deepEqual(store.state.measurements, [{ x0: 20, y0: 20, x1: 120, y1: 200 }]);
  actions.act({ action: 'measure', from: [-5, 0], to: [900, 0] });
  assert.deepEqual(store.state.measurements[1], { x0: 0, y0: 0, x1: 800, y1: 0 }, 'clamped to the image');
  actions.deleteMeasurement();
  assert.equal(store.state.measurements.length, 1);
  actions.clearMeasurements();
  assert.deepEqual(store.state.measurements, []);
});

test('act runs the same paths as the controls and refuses an unknown action', () => {
  const { store, messages, actions, focused } = viewer();
  messages.tags({ tags: [], revealed: false, phiCount: 0 });
  actions.act({ action: 'showTab', tab: 'tags' });
  assert.equal(store.state.panelTab, 'tags');
  actions.act({ action: 'searchTags', query: 'Patient' });
  assert.equal(store.state.tagQuery, 'Patient');
  assert.deepEqual(focused, ['search=Patient']);
  actions.act({ action: 'setTool', tool: 'bogus' as never });
  assert.equal(store.state.tool, 'pan');
  assert.throws(() => actions.act({ action: 'fly' } as never), /unknown viewer action "fly"/);
});

test('readout: position and value, a block mean said as such, the heat under the pointer', () => {
  const { store, messages, view, canvas } = viewer();
  assert.deepEqual(readoutText(store.state, undefined, canvas, undefined), { text: '', hint: true });
  messages.image({ image: xrayImage(50, 40), decodeMs: 0, seq: 1, reducedFrom: { width: 100, height: 80, factor: 2 } });
  messages.analysis({ result: analysis('m', {}) });
  const at = (x: number, y: number) => readoutText(store.state, view.current(), canvas, [x, y]);
  assert.deepEqual(readoutText(store.state, view.current(), canvas, undefined), {
    text: 'Point at the image for pixel values',
    hint: true,
  });
  // Four screen pixels per image pixel, image (0, 0) at the canvas's corner.
  view.set({ scale: 4, cx: 50, cy: 37.5 });
  const text = at(4 * 10.5, 4 * 20.5).text;
  const stored = store.state.loaded!.image.data[10 * 50 + 5];
  assert.equal(text.split('   ')[0], 'x 10  y 20');
  assert.match(text, new RegExp(`value ≈ ${stored} \\(mean of 2×2, full resolution loading\\)`));
  assert.match(text, /heat 0\.\d\d/);
  assert.deepEqual(at(-5, -5), { text: '', hint: false }, 'off the image');
});

test('the report says what is held and shown; the persisted state reads back as it was', () => {
  const { store, messages, actions, view } = viewer();
  messages.init({ fileName: 'c.png', settings: sanitizeSettings(undefined) });
  messages.image({ image: xrayImage(100, 100, { pixelSpacing: [0.5, 0.5] }), decodeMs: 0 });
  messages.analysis({ result: analysis('m', {}) });
  actions.act({ action: 'measure', from: [0, 0], to: [30, 40] });
  const r = viewStateReport(store.state, view.current());
  assert.equal(r.fileName, 'c.png');
  assert.deepEqual([r.image?.width, r.image?.height], [100, 100]);
  assert.equal(r.analysis?.scoreNormalized, 0.7);
  assert.ok(r.analysis?.map?.hot && r.analysis.map.hot.pixels > 0, 'the hot region is reported');
  assert.deepEqual([r.analysis?.map?.top?.level, r.analysis?.map?.top?.drawn], [1, true], "the image's own top region");
  assert.deepEqual(r.measurements, [{ lengthPx: 50, lengthMm: 25, label: '25.0 mm' }]);
  assert.equal(r.view.zoom, fitView(100, 100, 400, 300).scale);
  const saved = JSON.parse(JSON.stringify(persistedState(store.state)));
  const back = readPersisted(saved, sanitizeSettings(undefined));
  assert.deepEqual(back?.measurements, store.state.measurements);
  assert.equal(back?.imageKey, '100x100');
  const { center, width, fn } = store.state.window!;
  assert.deepEqual(back?.window, { center, width, fn });
});
