// A viewer's parts as the app wires them, without a DOM: canvas layers are stand-ins (the real ones need a
// browser canvas; the dev harness and the integration suite draw with them), everything else is real.
import { viewerMessages } from '../../../src/webview/viewer/messages';
import { BoxTool } from '../../../src/webview/viewer/boxTool';
import { MeasureTool } from '../../../src/webview/viewer/measureTool';
import { sanitizeSettings, type PersistedState } from '../../../src/webview/viewer/persist';
import { HeatmapLayer } from '../../../src/webview/viewer/render/heatmapLayer';
import type { ImageLayer } from '../../../src/webview/viewer/render/imageLayer';
import { initialState } from '../../../src/webview/viewer/state';
import { ViewerStore, type Change } from '../../../src/webview/viewer/store';
import type { AnalysisResult, AnomalyMap, XrayImage } from '../../../src/webview/viewer/types';
import { ViewControl } from '../../../src/webview/viewer/viewControl';
import { ViewerActions } from '../../../src/webview/viewer/viewerActions';

export function xrayImage(width: number, height: number, over: Partial<XrayImage> = {}): XrayImage {
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 4096;
  return {
    width,
    height,
    data,
    bitsStored: 12,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 4095 },
    source: { format: 'png', encoding: 'PNG 16-bit grey', notices: [] },
    ...over,
  };
}

export function analysis(modelId: string, map?: Partial<AnomalyMap>): AnalysisResult {
  return {
    modelId,
    provider: 'cpu',
    score: { raw: 3.5, normalized: 0.7, aboveThreshold: true },
    map: map && {
      width: 2,
      height: 2,
      data: Float32Array.from([0, 0.2, 0.6, 1]),
      toImage: [50, 0, 0, 0, 50, 0],
      rawMin: 0,
      rawMax: 1,
      ...map,
    },
  } as AnalysisResult;
}

export function viewer(opts: { restored?: PersistedState; refuseCanvas?: boolean } = {}) {
  const store = new ViewerStore(initialState(sanitizeSettings(undefined), opts.restored));
  const changes: Change[] = [];
  store.subscribe((c) => void changes.push(c));
  const logs: string[] = [];
  const toHost: { type: string; params: unknown }[] = [];
  const canvas = { width: 400, height: 300 };
  const messages = viewerMessages({
    store,
    restored: opts.restored,
    log: (level, message) => logs.push(`${level}: ${message}`),
    askResend: (missing) => toHost.push({ type: 'resendEarly', params: missing }),
    imageLayer: (image) => {
      if (opts.refuseCanvas) throw new Error('canvas too large');
      return { image } as unknown as ImageLayer;
    },
    // The real class without its canvas (created in the constructor): its map logic runs, painting does not.
    heatmapLayer: (map) => Object.assign(Object.create(HeatmapLayer.prototype) as HeatmapLayer, { map }),
    now: () => 0,
    followView: (v) => view.follow(v),
  });
  const moved: ({ scale: number; cx: number; cy: number } | null)[] = [];
  const view = new ViewControl(
    store,
    () => canvas,
    (v) => moved.push(v),
  );
  const measure = new MeasureTool(
    store,
    view,
    () => canvas,
    () => 1,
  );
  const box = new BoxTool(
    store,
    view,
    () => canvas,
    () => 1,
    { notify: (type, params) => void toHost.push({ type, params }) },
  );
  const focused: string[] = [];
  const actions = new ViewerActions({
    store,
    view,
    measure,
    box,
    help: { toggle: () => focused.push('help') },
    notify: (type, params) => void toHost.push({ type, params }),
    focus: {
      tagSearch: () => focused.push('tagSearch'),
      setTagSearch: (q) => focused.push(`search=${q}`),
      tagRowToggle: (id) => focused.push(`row ${id}`),
      stepView: () => focused.push('stepView'),
    },
  });
  return { store, messages, view, measure, box, actions, changes, logs, toHost, canvas, focused, moved };
}
