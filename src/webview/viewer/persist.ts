/**
 * What survives the tab being hidden (the host disposes the webview; vscode.getState brings this back)
 * and what becomes the host's new defaults. Everything read back is validated: state from an older
 * version of the viewer must never break the new one.
 */
import type { Colormap, ViewerSettings } from '../../protocol/viewer';
import type { Measurement } from './measure';
import { isColormap, VIEWER_DEFAULTS } from '../../protocol/settings';
import type { ViewerState } from './state';
import type { View } from './viewport';
import type { VoiFunction, WindowLevel } from './windowing';

export type Tool = 'pan' | 'window' | 'measure' | 'box';
export type PanelTab = 'analysis' | 'tags';

export interface PersistedState {
  v: 1;
  /** width x height of the image the view belongs to; a different image starts fresh. */
  imageKey?: string;
  /** Absent while the view follows "fit to window". */
  view?: View;
  window?: WindowLevel;
  windowId?: string;
  invert?: boolean;
  overlayVisible: boolean;
  outline: boolean;
  settings: ViewerSettings;
  tool: Tool;
  panelOpen: boolean;
  /** Rulers on the image (image pixel coordinates); they belong to imageKey like the view. */
  measurements?: Measurement[];
  /** The preprocessing strip under the image is expanded. */
  stripOpen?: boolean;
  panelTab?: PanelTab;
}

/** The settings' defaults (one source: src/protocol/settings.ts). */
export const DEFAULT_SETTINGS: ViewerSettings = VIEWER_DEFAULTS;
const MAX_MEASUREMENTS = 50;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function sanitizeSettings(raw: unknown, fallback: ViewerSettings = DEFAULT_SETTINGS): ViewerSettings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof ViewerSettings, unknown>>;
  return {
    heatmapOpacity: num(r.heatmapOpacity) ? clamp01(r.heatmapOpacity) : fallback.heatmapOpacity,
    colormap: isColormap(r.colormap) ? (r.colormap as Colormap) : fallback.colormap,
    threshold: num(r.threshold) ? clamp01(r.threshold) : fallback.threshold,
    heatmapFloor: num(r.heatmapFloor)
      ? clamp01(r.heatmapFloor)
      : (fallback.heatmapFloor ?? VIEWER_DEFAULTS.heatmapFloor),
  };
}

function readMeasurements(v: unknown): Measurement[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Measurement[] = [];
  for (const m of v.slice(0, MAX_MEASUREMENTS)) {
    const o = m as Partial<Measurement> | undefined;
    if (o && num(o.x0) && num(o.y0) && num(o.x1) && num(o.y1)) out.push({ x0: o.x0, y0: o.y0, x1: o.x1, y1: o.y1 });
  }
  return out;
}

function readView(v: unknown): View | undefined {
  const o = v as Partial<View> | undefined;
  return o && num(o.scale) && o.scale > 0 && num(o.cx) && num(o.cy)
    ? { scale: o.scale, cx: o.cx, cy: o.cy }
    : undefined;
}

function readWindow(v: unknown): WindowLevel | undefined {
  const o = v as Partial<WindowLevel> | undefined;
  const fns: VoiFunction[] = ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'];
  return o && num(o.center) && num(o.width) && o.width > 0 && fns.includes(o.fn as VoiFunction)
    ? { center: o.center, width: o.width, fn: o.fn as VoiFunction }
    : undefined;
}

export function readPersisted(raw: unknown, fallbackSettings: ViewerSettings): PersistedState | undefined {
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== 1) return undefined;
  const r = raw as Record<string, unknown>;
  return {
    v: 1,
    imageKey: typeof r.imageKey === 'string' ? r.imageKey : undefined,
    view: readView(r.view),
    window: readWindow(r.window),
    windowId: typeof r.windowId === 'string' ? r.windowId : undefined,
    invert: typeof r.invert === 'boolean' ? r.invert : undefined,
    overlayVisible: typeof r.overlayVisible === 'boolean' ? r.overlayVisible : true,
    outline: typeof r.outline === 'boolean' ? r.outline : true,
    settings: sanitizeSettings(r.settings, fallbackSettings),
    tool: r.tool === 'window' || r.tool === 'measure' || r.tool === 'box' ? r.tool : 'pan',
    panelOpen: typeof r.panelOpen === 'boolean' ? r.panelOpen : true,
    measurements: readMeasurements(r.measurements),
    stripOpen: typeof r.stripOpen === 'boolean' ? r.stripOpen : undefined,
    panelTab: r.panelTab === 'tags' ? 'tags' : r.panelTab === 'analysis' ? 'analysis' : undefined,
  };
}

export function imageKey(width: number, height: number): string {
  return `${width}x${height}`;
}

/** What of the state is kept while the tab is hidden. */
export function persistedState(s: Readonly<ViewerState>): PersistedState {
  const img = s.loaded;
  return {
    v: 1,
    imageKey: img ? imageKey(img.width, img.height) : undefined,
    view: s.fitted ? undefined : s.view,
    // Without a preset's table (restored from the preset by its id).
    window: s.window && { center: s.window.center, width: s.window.width, fn: s.window.fn },
    windowId: s.windowId,
    invert: s.invert,
    overlayVisible: s.overlayVisible,
    outline: s.outline,
    settings: s.settings,
    tool: s.tool,
    panelOpen: s.panelOpen,
    measurements: s.measurements,
    stripOpen: s.stripOpen,
    panelTab: s.panelTab,
  };
}
