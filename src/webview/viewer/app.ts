/**
 * The viewer: owns the state, handles host messages, turns actions into state changes, and draws at
 * most once per animation frame. Re-windowing (the only per-pixel work) happens only when the window
 * or inversion changed; zoom, pan and overlay changes just recompose the frame.
 */
import type {
  EarlyPosted,
  HostToViewerMethods,
  HostToViewerNotifications,
  ViewerSettings,
  ViewStateReport,
} from '../../protocol/viewer';
import { apply, invert as invertAffine, isAffine } from './affine';
import { clampToImage, handleAt, lengthMm, lengthPx, measurementLabel } from './measure';
import { fmtValue } from './format';
import type { ViewerBridge } from './host';
import type { Served } from '../shared/hostBridge';
import { checkImage, checkReducedFrom } from './imageCheck';
import { attachKeys, attachPointer } from './input';
import { imageKey, readPersisted, sanitizeSettings, type PanelTab, type PersistedState, type Tool } from './persist';
import { outlineColor } from './render/colormaps';
import { HeatmapLayer, hotRegion, mapStats, sampleMap, type HotRegion } from './render/heatmapLayer';
import { ImageLayer } from './render/imageLayer';
import { drawScene } from './render/scene';
import { modelName, type LoadedAnalysis, type LoadedImage, type ViewerState } from './state';
import { countTags, visibleRows } from './tagTree';
import type { AnalysisResult, ErrorInfo, PreviewMessage, TagsMessage, ViewerAction, ViewerTag } from './types';
import type { Actions } from './ui/actions';
import { buildLayout, type Layout } from './ui/layout';
import { renderErrorCard, renderHeat, renderInfo, renderScore, renderToolbar } from './ui/panels';
import { renderStepView, renderStrip } from './ui/previewStrip';
import { renderTabs, renderTags } from './ui/tagsPanel';
import { constrain, fitView, imageFromScreen, panBy, screenFromImage, stepScale, zoomAt, type View } from './viewport';
import { adjusted, defaultOption, imageStats, windowOptions } from './windowing';

/** Timings kept for the dev harness and the log. */
export interface ViewerPerf {
  /** From receiving the image message to the end of the first frame that shows it. */
  firstPaintMs?: number;
  /** Windowing (LUT + upload) plus compositing time of each frame that re-windowed. */
  windowRenderMs: number[];
  /** Compositing time of frames that did not re-window (zoom, pan, overlay). */
  composeMs: number[];
}

export class ViewerApp implements Actions {
  readonly perf: ViewerPerf = { windowRenderMs: [], composeMs: [] };
  private readonly s: ViewerState;
  private readonly L: Layout;
  private readonly ctx: CanvasRenderingContext2D;
  private restored?: PersistedState;
  private frame = 0;
  /** 'bar': toolbar and status only (zoom, pan, window); 'all': every panel. */
  private uiDirty: false | 'bar' | 'all' = 'all';
  private hover?: [number, number];
  private frameColor = '#888';
  /** When each part of the current image and analysis was first on screen (see ViewStateReport). */
  private timeline: NonNullable<ViewStateReport['timeline']> = {};

  constructor(
    root: HTMLElement,
    private readonly host: ViewerBridge,
    initialSettings: unknown,
  ) {
    const settings = sanitizeSettings(initialSettings);
    this.restored = readPersisted(host.savedState(), settings);
    const r = this.restored;
    this.s = {
      settings: r?.settings ?? settings,
      overlayVisible: r?.overlayVisible ?? true,
      outline: r?.outline ?? true,
      tool: r?.tool ?? 'pan',
      panelOpen: r?.panelOpen ?? true,
      invert: false,
      fitted: true,
      models: [],
      renders: 0,
      measurements: [],
      panelTab: r?.panelTab ?? 'analysis',
      tagQuery: '',
      tagExpanded: new Set(),
      stripOpen: r?.stripOpen ?? true,
      previewStep: null,
    };
    this.L = buildLayout(root, this);
    const ctx = this.L.canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('Canvas 2D is not available in this webview.');
    this.ctx = ctx;
    attachPointer(this.L.canvas, {
      tool: () => this.s.tool,
      pan: (dx, dy) => this.panDevice(dx, dy),
      windowDrag: (dx, dy) => this.windowDrag(dx, dy),
      zoomAt: (f, sx, sy) => this.zoomAtPoint(f, sx, sy),
      fit: () => this.fit(),
      hover: (sx, sy) => this.setHover([sx, sy]),
      leave: () => this.setHover(undefined),
      dragEnd: () => this.save(),
      measure: (phase, sx, sy) => this.measureGesture(phase, sx, sy),
    });
    attachKeys(
      this,
      (dx, dy, big) => this.panByFraction(dx, dy, big),
      () => this.closeHelp() || this.closeStepView(),
    );
    document.addEventListener('pointerdown', (e) => {
      if (!this.L.help.hidden && !this.L.help.contains(e.target as Node) && e.target !== this.L.helpBtn)
        this.closeHelp();
    });
    new ResizeObserver(() => this.onResize()).observe(this.L.viewport);
    // VS Code swaps body classes when the colour theme changes; the canvas reads theme colours itself.
    new MutationObserver(() => this.readThemeColors()).observe(document.body, {
      attributes: true,
      attributeFilter: ['class', 'data-vscode-theme-kind'],
    });
    this.readThemeColors();
    this.invalidate('all');
  }

  /** Tell the host we are listening; it answers with init, image, models, analysis. */
  start(): void {
    this.host.serve(this.served());
    // Before `ready`, so the host knows whether to compute previews when it replays the image.
    this.host.notify('previewWanted', { open: this.s.stripOpen });
    this.host.notify('ready', {});
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.host.notify('log', { level, message });
  }

  /** Serves the host's requests and notifications (through the bridge's RpcHandler). */
  private served(): Served<HostToViewerMethods, HostToViewerNotifications> {
    return {
      requests: {
        getViewState: () => this.report(),
        act: (action) => {
          this.act(action);
          return this.report();
        },
      },
      notifications: {
        init: (p) => {
          this.s.fileName = p.fileName;
          // A restored tab keeps the choices made in it; a new tab takes the host's current defaults.
          if (!this.restored) this.s.settings = sanitizeSettings(p.settings, this.s.settings);
          this.checkEarly(p.early);
        },
        image: (p) => this.onImage(p),
        models: (p) => {
          this.s.models = Array.isArray(p.models) ? p.models : [];
          this.s.selectedId = p.selectedId ?? this.s.selectedId;
          this.s.provider = p.provider ?? this.s.provider;
        },
        analysisStarted: (p) => {
          // Another model's score and map must not stay on screen as if they were the new one's.
          if (this.s.analysis && this.s.analysis.result.modelId !== p.modelId) this.s.analysis = undefined;
          this.s.running = { modelId: p.modelId };
          this.s.selectedId = p.modelId;
          this.s.analysisError = undefined;
          if (this.s.lastError?.scope === 'analysis') this.s.lastError = undefined;
        },
        analysis: (p) => this.onAnalysis(p.result),
        error: (p) => this.onError(p.scope, p.error),
        tags: (p) => this.onTags(p),
        // The host names the frame it is decoding, or the current one when it gave up on a request.
        frameLoading: (p) => {
          this.s.frameLoading = p.frame === this.s.loaded?.image.frame?.index ? undefined : p.frame;
        },
        preview: (p) => this.onPreview(p),
      },
      // A bad message must never take the viewer down; say what happened and keep going.
      onNotificationError: (type, error) => this.log('error', `Viewer could not handle "${type}": ${error.message}`),
      afterMessage: () => this.invalidate('all'),
    };
  }

  /**
   * `init` lists what the host posted while this page was loading; all of it has arrived by now or was
   * dropped (a page whose script had not run yet), so ask again for what is missing.
   */
  private checkEarly(early: EarlyPosted | undefined): void {
    if (!early || early.imageSeq === undefined) return;
    const lo = this.s.loaded;
    const image = lo?.seq !== early.imageSeq || (early.fullResolution === true && Boolean(lo.reduced));
    const analysis = early.analysis === true && !this.s.analysis;
    if (image || analysis) this.host.notify('resendEarly', { image, analysis });
  }

  private onImage(p: { image: unknown; decodeMs: number; seq?: number; reducedFrom?: unknown }): void {
    const receivedAt = performance.now();
    const held = this.s.loaded;
    // A reduced copy of the picture whose full pixels are already here (sent again) changes nothing.
    if (p.reducedFrom !== undefined && held && !held.reduced && p.seq !== undefined && held.seq === p.seq) return;
    const checked = checkImage(p.image);
    if ('problem' in checked) {
      this.onError('image', { code: 'CORRUPT', message: `The viewer received an unusable image: ${checked.problem}.` });
      return;
    }
    const image = checked.image;
    const full =
      p.reducedFrom === undefined
        ? { width: image.width, height: image.height, factor: 1 }
        : checkReducedFrom(p.reducedFrom, image);
    if ('problem' in full) {
      this.onError('image', { code: 'CORRUPT', message: `The viewer received an unusable image: ${full.problem}.` });
      return;
    }
    let layer: ImageLayer;
    try {
      layer = new ImageLayer(image);
    } catch (err) {
      // The browser may refuse a canvas this large (memory, or its own size limit).
      this.onError('image', {
        code: 'TOO_LARGE',
        message: `The viewer could not allocate a ${image.width} × ${image.height} canvas.`,
        detail: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    const stats = imageStats(image);
    const options = windowOptions(image, stats);
    const seq = Number.isInteger(p.seq) ? p.seq : undefined;
    const loaded: LoadedImage = {
      image,
      width: full.width,
      height: full.height,
      reduced: full.factor > 1 ? { factor: full.factor } : undefined,
      seq,
      stats,
      options,
      initial: defaultOption(image, options),
      layer,
      decodeMs: Number(p.decodeMs) || 0,
      receivedAt,
    };
    const previous = this.s.loaded;
    if (
      previous &&
      seq !== undefined &&
      previous.seq === seq &&
      previous.width === loaded.width &&
      previous.height === loaded.height
    ) {
      this.replacePixels(previous, loaded);
      return;
    }
    // Another frame of the same multi-frame file: keep the window, zoom and rulers the user set.
    const before = previous?.image;
    const sameSeries = Boolean(
      before?.frame &&
      image.frame &&
      before.frame.count === image.frame.count &&
      previous!.width === loaded.width &&
      previous!.height === loaded.height,
    );
    this.s.loaded = loaded;
    if (this.s.frameLoading === undefined || this.s.frameLoading === image.frame?.index)
      this.s.frameLoading = undefined;
    // The preview belongs to the image it was computed on; the host sends the new one.
    this.s.preview = undefined;
    this.s.imageError = undefined;
    if (this.s.lastError?.scope === 'image') this.s.lastError = undefined;
    // A new image (the file changed on disk) makes the previous analysis meaningless.
    this.s.analysis = undefined;
    this.s.renders = 0;
    this.perf.firstPaintMs = undefined;
    this.timeline = {};
    const r = this.restored;
    if (r && r.imageKey === imageKey(loaded.width, loaded.height)) {
      // A preset's table is not saved with the view: take it from the preset again.
      const preset = r.windowId ? options.find((o) => o.id === r.windowId && o.window.table) : undefined;
      this.s.window = preset?.window ?? r.window ?? loaded.initial?.window;
      this.s.windowId = r.window ? (r.windowId ?? 'custom') : loaded.initial?.id;
      this.s.invert = r.invert ?? image.photometric === 'MONOCHROME1';
      this.s.view = r.view;
      this.s.fitted = !r.view;
      this.s.measurements = r.measurements ?? [];
    } else if (sameSeries && this.s.window) {
      // Window, inversion, view and rulers stay as they are.
    } else {
      this.resetWindow();
      this.s.fitted = true;
      this.s.view = undefined;
      this.s.measurements = [];
    }
    this.s.activeMeasurement = undefined;
    this.measureDrag = undefined;
    // Only the first image of a restored tab takes the saved view.
    this.restored = undefined;
    this.save();
  }

  /**
   * Other pixels of the picture on screen (the full resolution after its reduced copy): only the pixels,
   * statistics and presets change. View, rulers, inversion, analysis and preprocessing preview stay; a
   * window the user set stays, a preset is taken again from the new statistics (same preset, its
   * values now from every pixel).
   */
  private replacePixels(previous: LoadedImage, next: LoadedImage): void {
    this.s.loaded = next;
    // Counts frames drawn with the pixels held, so "renders > 0" says the new pixels are on screen.
    this.s.renders = 0;
    if (this.s.windowId && this.s.windowId !== 'custom') {
      const preset = next.options.find((o) => o.id === this.s.windowId);
      if (preset) this.s.window = preset.window;
    }
    this.perf.firstPaintMs = undefined;
    this.log(
      'info',
      `Viewer: ${next.image.width}x${next.image.height} pixels replace the ${previous.image.width}x${previous.image.height} ${previous.reduced ? 'reduced copy' : 'pixels'} (view, window and analysis kept).`,
    );
  }

  private onAnalysis(result: AnalysisResult): void {
    const a: LoadedAnalysis = { result };
    let m = result.map;
    // Like the image, a map whose array lost its type on the way is rebuilt rather than refused.
    if (m && Array.isArray(m.data)) m = { ...m, data: Float32Array.from(m.data as ArrayLike<number>) };
    if (m) {
      const problem = !(m.data instanceof Float32Array)
        ? 'its data is not a Float32Array'
        : !(Number.isInteger(m.width) && Number.isInteger(m.height) && m.width > 0 && m.height > 0)
          ? `invalid size ${m.width} x ${m.height}`
          : m.data.length !== m.width * m.height
            ? `it holds ${m.data.length} values for ${m.width} x ${m.height}`
            : !isAffine(m.toImage) || !invertAffine(m.toImage)
              ? 'its placement on the image (toImage) is not a valid affine'
              : undefined;
      if (problem) {
        a.mapProblem = problem;
        this.log('warn', `Anomaly map from ${result.modelId} not shown: ${problem}.`);
      } else {
        a.result = { ...result, map: m };
        a.heat = new HeatmapLayer(m);
        a.mapStats = mapStats(m);
      }
    }
    this.s.analysis = a;
    this.timeline.scoreShown = undefined;
    this.timeline.heatmapDrawn = undefined;
    this.s.running = undefined;
    this.s.analysisError = undefined;
    if (this.s.lastError?.scope === 'analysis') this.s.lastError = undefined;
    if (result.provider) this.s.provider = result.provider;
  }

  private onError(scope: 'image' | 'analysis', error: ErrorInfo): void {
    const info: ErrorInfo = {
      code: error?.code ?? 'INTERNAL',
      message: error?.message ?? 'Unknown error.',
      detail: error?.detail,
    };
    this.s.lastError = { scope, code: info.code, message: info.message };
    if (scope === 'image') {
      this.s.imageError = info;
      this.s.loaded = undefined;
      this.s.running = undefined;
    } else {
      this.s.analysisError = info;
      this.s.analysis = undefined;
      this.s.running = undefined;
    }
  }

  private onTags(p: TagsMessage): void {
    const tags = Array.isArray(p.tags) ? p.tags : [];
    let masked = 0;
    const walk = (list: ViewerTag[]) => {
      for (const t of list) {
        if (t.masked) masked++;
        if (t.children) walk(t.children);
      }
    };
    walk(tags);
    const fresh = !this.s.tags;
    this.s.tags = { ...p, tags, count: countTags(tags), masked };
    if (fresh) this.s.tagExpanded = new Set();
  }

  private onPreview(p: PreviewMessage): void {
    // Like the image, pixel arrays that lost their type on the way are rebuilt rather than refused.
    const bytes = (d: unknown): Uint8Array | undefined =>
      d instanceof Uint8Array
        ? d
        : Array.isArray(d)
          ? Uint8Array.from(d)
          : d instanceof ArrayBuffer
            ? new Uint8Array(d)
            : undefined;
    const steps = Array.isArray(p.steps)
      ? p.steps.map((st) => ({
          ...st,
          thumb: { ...st.thumb, data: bytes(st.thumb?.data) ?? new Uint8Array(0) },
          mask: st.mask && { ...st.mask, data: bytes(st.mask.data) ?? new Uint8Array(0) },
        }))
      : undefined;
    this.s.preview = { ...p, steps };
    const n = p.steps?.length ?? 0;
    if (this.s.previewStep !== null && this.s.previewStep >= n) this.s.previewStep = null;
  }

  /** Diagnostics and tests: the same paths the controls take. */
  private act(a: ViewerAction): void {
    switch (a?.action) {
      case 'revealPatientData':
        return this.revealPatientData(Boolean(a.reveal));
      case 'searchTags':
        return this.searchTags(String(a.query ?? ''));
      case 'showTab':
        return this.showTab(a.tab === 'tags' ? 'tags' : 'analysis');
      case 'selectFrame':
        return this.selectFrame(Number(a.frame));
      case 'setStripOpen':
        if (Boolean(a.open) !== this.s.stripOpen) this.toggleStrip();
        return;
      case 'openPreviewStep':
        return this.openPreviewStep(a.index === null ? null : Number(a.index));
      case 'measure': {
        const img = this.s.loaded;
        if (!img) return;
        const [x0, y0] = clampToImage(Number(a.from[0]), Number(a.from[1]), img.width, img.height);
        const [x1, y1] = clampToImage(Number(a.to[0]), Number(a.to[1]), img.width, img.height);
        this.s.measurements.push({ x0, y0, x1, y1 });
        return this.changed(false, 'bar');
      }
      case 'setTool':
        return this.setTool(a.tool === 'window' || a.tool === 'measure' ? a.tool : 'pan');
      default:
        throw new Error(`unknown viewer action ${JSON.stringify((a as { action?: unknown })?.action)}`);
    }
  }

  // ---- actions -------------------------------------------------------------------------------

  fit = (): void => {
    this.s.fitted = true;
    this.s.view = undefined;
    this.changed(false, 'bar');
  };

  oneToOne = (): void => {
    const v = this.currentView();
    if (!v) return;
    this.setView({ ...v, scale: 1 });
  };

  zoomStep = (dir: 1 | -1): void => {
    const v = this.currentView();
    if (!v) return;
    const c = this.L.canvas;
    this.setView(zoomAt(v, stepScale(v.scale, dir), c.width / 2, c.height / 2, c.width, c.height));
  };

  setTool = (tool: Tool): void => {
    this.s.tool = tool;
    this.changed(false, 'bar');
  };

  choosePreset = (id: string): void => {
    const o = this.s.loaded?.options.find((x) => x.id === id);
    if (!o) return;
    this.s.window = o.window;
    this.s.windowId = o.id;
    this.changed(false, 'bar');
  };

  cyclePreset = (dir: 1 | -1): void => {
    const opts = this.s.loaded?.options ?? [];
    if (opts.length === 0) return;
    const i = opts.findIndex((o) => o.id === this.s.windowId);
    const next = i < 0 ? (dir > 0 ? 0 : opts.length - 1) : (i + dir + opts.length) % opts.length;
    this.choosePreset(opts[next].id);
  };

  setWindowNumbers = (center: number, width: number): void => {
    const w = this.s.window;
    if (!w || !Number.isFinite(center) || !Number.isFinite(width) || width <= 0) {
      this.uiDirty = 'all'; // puts the valid numbers back into the fields
      this.invalidate('all');
      return;
    }
    this.s.window = adjusted(w, center, width);
    this.s.windowId = 'custom';
    this.changed(false, 'bar');
  };

  toggleInvert = (): void => {
    if (!this.s.loaded) return;
    this.s.invert = !this.s.invert;
    this.changed(false, 'bar');
  };

  reset = (): void => {
    if (!this.s.loaded) return;
    this.resetWindow();
    this.fit();
  };

  toggleOverlay = (): void => {
    if (!this.s.analysis?.heat) return;
    this.s.overlayVisible = !this.s.overlayVisible;
    this.changed(false);
  };

  setOpacity = (v: number, commit: boolean): void => {
    this.s.settings = { ...this.s.settings, heatmapOpacity: Math.min(1, Math.max(0, v)) };
    this.changed(commit ? { heatmapOpacity: this.s.settings.heatmapOpacity } : false);
  };

  setColormap = (c: ViewerSettings['colormap']): void => {
    this.s.settings = sanitizeSettings({ ...this.s.settings, colormap: c }, this.s.settings);
    this.changed({ colormap: this.s.settings.colormap });
  };

  setThreshold = (v: number, commit: boolean): void => {
    this.s.settings = { ...this.s.settings, threshold: Math.min(1, Math.max(0, v)) };
    this.changed(commit ? { threshold: this.s.settings.threshold } : false);
  };

  setOutline = (on: boolean): void => {
    this.s.outline = on;
    this.changed(false);
  };

  selectModel = (id: string): void => {
    if (!id || id === this.s.selectedId) return;
    this.s.selectedId = id;
    this.host.notify('selectModel', { modelId: id });
    this.changed(false);
  };

  pickModel = (): void => this.host.notify('pickModel', {});

  reanalyze = (): void => {
    this.s.analysisError = undefined;
    this.host.notify('reanalyze', {});
    this.changed(false);
  };

  togglePanel = (): void => {
    this.s.panelOpen = !this.s.panelOpen;
    this.changed(false);
  };

  toggleHelp = (): void => {
    const open = this.L.help.hidden;
    this.L.help.hidden = !open;
    this.L.helpBtn.setAttribute('aria-expanded', String(open));
    if (open) this.L.help.focus();
  };

  currentTool = (): Tool => this.s.tool;

  deleteMeasurement = (): void => {
    if (this.s.measurements.length === 0 || this.measureDrag) return;
    this.s.measurements.pop();
    this.changed(false, 'bar');
  };

  clearMeasurements = (): void => {
    if (this.s.measurements.length === 0) return;
    this.s.measurements = [];
    this.measureDrag = undefined;
    this.s.activeMeasurement = undefined;
    this.changed(false, 'bar');
  };

  setFloor = (v: number, commit: boolean): void => {
    this.s.settings = { ...this.s.settings, heatmapFloor: Math.min(1, Math.max(0, v)) };
    this.changed(commit ? { heatmapFloor: this.s.settings.heatmapFloor } : false);
  };

  selectFrame = (frame: number): void => {
    const f = this.s.loaded?.image.frame;
    if (!f || f.count < 2) return;
    if (!Number.isInteger(frame) || frame < 0 || frame >= f.count) {
      this.invalidate('bar'); // puts the current frame number back into the field
      return;
    }
    const current = this.s.frameLoading ?? f.index;
    if (frame === current) return;
    this.s.frameLoading = frame === f.index ? undefined : frame;
    this.host.notify('selectFrame', { frame });
    this.invalidate('bar');
  };

  stepFrame = (dir: 1 | -1): void => {
    const f = this.s.loaded?.image.frame;
    if (!f || f.count < 2) return;
    const next = (this.s.frameLoading ?? f.index) + dir;
    if (next >= 0 && next < f.count) this.selectFrame(next);
  };

  showTab = (tab: PanelTab): void => {
    if (tab === 'tags' && !this.s.tags) return;
    this.s.panelTab = tab;
    if (!this.s.panelOpen) this.s.panelOpen = true;
    this.changed(false);
  };

  toggleTagsTab = (): void => {
    if (!this.s.tags) return;
    this.showTab(this.s.panelTab === 'tags' && this.s.panelOpen ? 'analysis' : 'tags');
    if (this.s.panelTab === 'tags') this.L.tagSearch.focus();
  };

  searchTags = (query: string): void => {
    this.s.tagQuery = query;
    if (this.L.tagSearch.value !== query) this.L.tagSearch.value = query;
    this.invalidate('all');
  };

  toggleTagRow = (id: string): void => {
    const e = this.s.tagExpanded;
    if (e.has(id)) e.delete(id);
    else e.add(id);
    // A new Set, so the panel sees the change.
    this.s.tagExpanded = new Set(e);
    this.invalidate('all');
    // The list is rebuilt: keep keyboard focus on the row's toggle (runs after the redraw's frame callback).
    const hadFocus = document.activeElement?.classList.contains('twisty');
    if (hadFocus)
      requestAnimationFrame(() =>
        this.L.tagList.querySelector<HTMLElement>(`.tag-row[data-id="${id}"] .twisty`)?.focus(),
      );
  };

  revealPatientData = (reveal: boolean): void => {
    this.host.notify('revealPatientData', { reveal });
  };

  copyText = (text: string, what: string): void => {
    this.host.notify('copyText', { text, what });
  };

  toggleStrip = (): void => {
    if (!this.s.loaded) return;
    this.s.stripOpen = !this.s.stripOpen;
    if (!this.s.stripOpen) this.s.previewStep = null;
    this.host.notify('previewWanted', { open: this.s.stripOpen });
    this.changed(false);
  };

  openPreviewStep = (index: number | null): void => {
    const n = this.s.preview?.steps?.length ?? 0;
    this.s.previewStep = index !== null && Number.isInteger(index) && index >= 0 && index < n ? index : null;
    this.invalidate('all');
    if (this.s.previewStep !== null) requestAnimationFrame(() => this.L.stepView.focus({ preventScroll: true }));
  };

  private closeStepView(): boolean {
    if (this.s.previewStep === null) return false;
    this.openPreviewStep(null);
    return true;
  }

  private closeHelp(): boolean {
    if (this.L.help.hidden) return false;
    this.L.help.hidden = true;
    this.L.helpBtn.setAttribute('aria-expanded', 'false');
    this.L.helpBtn.focus();
    return true;
  }

  // ---- view and window helpers ----------------------------------------------------------------

  private resetWindow(): void {
    const lo = this.s.loaded;
    if (!lo) return;
    this.s.window = lo.initial?.window;
    this.s.windowId = lo.initial?.id;
    this.s.invert = lo.image.photometric === 'MONOCHROME1';
  }

  /** The view in effect now (the fitted one when following the editor size). */
  private currentView(): View | undefined {
    const img = this.s.loaded;
    if (!img) return undefined;
    const c = this.L.canvas;
    if (this.s.fitted || !this.s.view)
      return fitView(img.width, img.height, Math.max(1, c.width), Math.max(1, c.height));
    return this.s.view;
  }

  private setView(v: View): void {
    const img = this.s.loaded;
    if (!img) return;
    this.s.view = constrain(v, img.width, img.height);
    this.s.fitted = false;
    this.changed(false, 'bar');
  }

  private panDevice(dx: number, dy: number): void {
    const v = this.currentView();
    if (v) this.setView(panBy(v, dx, dy));
  }

  private panByFraction(fx: number, fy: number, big: boolean): void {
    const c = this.L.canvas;
    const f = big ? 0.5 : 0.1;
    this.panDevice(fx * c.width * f, fy * c.height * f);
  }

  private zoomAtPoint(factor: number, sx: number, sy: number): void {
    const v = this.currentView();
    if (!v) return;
    const c = this.L.canvas;
    this.setView(zoomAt(v, v.scale * factor, sx, sy, c.width, c.height));
  }

  /** Right-drag: horizontal changes the width, vertical the level; the whole range is ~500 px of drag. */
  private windowDrag(dx: number, dy: number): void {
    const lo = this.s.loaded;
    const w = this.s.window;
    if (!lo || !w) return;
    const range = Math.max(lo.stats.max - lo.stats.min, 1e-6);
    const k = range / 500;
    const integer = !(lo.image.data instanceof Float32Array) && Number.isInteger(lo.image.rescale.slope);
    const minWidth = integer ? 1 : range * 1e-4;
    this.s.window = adjusted(w, w.center + dy * k, Math.max(minWidth, w.width + dx * k));
    this.s.windowId = 'custom';
    this.changed(false, 'bar');
  }

  private measureDrag?: { index: number; end: 0 | 1; created: boolean };

  /** Drawing a new ruler, or moving an end of an existing one when the drag starts on it. */
  private measureGesture(phase: 'start' | 'move' | 'end', sx?: number, sy?: number): void {
    const img = this.s.loaded;
    const v = this.currentView();
    if (!img || !v) return;
    const c = this.L.canvas;
    const dpr = window.devicePixelRatio || 1;
    const list = this.s.measurements;
    if (phase === 'start' && sx !== undefined && sy !== undefined) {
      const hit = handleAt(list, screenFromImage(v, c.width, c.height), sx, sy, 8 * dpr);
      if (hit) this.measureDrag = { ...hit, created: false };
      else {
        const [x, y] = clampToImage(...imageFromScreen(v, c.width, c.height, sx, sy), img.width, img.height);
        list.push({ x0: x, y0: y, x1: x, y1: y });
        this.measureDrag = { index: list.length - 1, end: 1, created: true };
      }
      this.s.activeMeasurement = this.measureDrag.index;
      this.invalidate('bar');
      return;
    }
    const d = this.measureDrag;
    if (!d || !list[d.index]) return;
    if (phase === 'move' && sx !== undefined && sy !== undefined) {
      const [x, y] = clampToImage(...imageFromScreen(v, c.width, c.height, sx, sy), img.width, img.height);
      const r = list[d.index];
      list[d.index] = d.end ? { ...r, x1: x, y1: y } : { ...r, x0: x, y0: y };
      this.invalidate(false);
      return;
    }
    if (phase === 'end') {
      const r = list[d.index];
      // A click without a drag makes no ruler.
      if (d.created && lengthPx(r) * v.scale < 4 * dpr) list.splice(d.index, 1);
      this.measureDrag = undefined;
      this.s.activeMeasurement = undefined;
      this.changed(false, 'bar');
    }
  }

  private setHover(p: [number, number] | undefined): void {
    this.hover = p;
    if (this.s.tool === 'measure') {
      const v = this.currentView();
      const c = this.L.canvas;
      const over = Boolean(
        p &&
        v &&
        handleAt(
          this.s.measurements,
          screenFromImage(v, c.width, c.height),
          p[0],
          p[1],
          8 * (window.devicePixelRatio || 1),
        ),
      );
      c.classList.toggle('over-handle', over);
    }
    this.renderReadout();
  }

  private renderReadout(): void {
    const lo = this.s.loaded;
    const v = this.currentView();
    const out = this.L.readout;
    if (!lo || !v || !this.hover) {
      out.textContent = lo ? 'Point at the image for pixel values' : '';
      out.classList.add('hint');
      return;
    }
    out.classList.remove('hint');
    const [ix, iy] = imageFromScreen(v, this.L.canvas.width, this.L.canvas.height, this.hover[0], this.hover[1]);
    const img = lo.image;
    const x = Math.floor(ix);
    const y = Math.floor(iy);
    if (x < 0 || y < 0 || x >= lo.width || y >= lo.height) {
      out.textContent = '';
      return;
    }
    // A reduced copy has the mean of the pixel's block, not the pixel's own value: say so.
    const f = lo.reduced?.factor ?? 1;
    const value =
      img.data[Math.floor(y / f) * img.width + Math.floor(x / f)] * img.rescale.slope + img.rescale.intercept;
    let text = `x ${x}  y ${y}   value ${f > 1 ? '≈ ' : ''}${fmtValue(value)}${img.rescale.unit ? ` ${img.rescale.unit}` : ''}${f > 1 ? ` (mean of ${f}×${f}, full resolution loading)` : ''}`;
    const active = this.s.activeMeasurement !== undefined ? this.s.measurements[this.s.activeMeasurement] : undefined;
    if (active)
      text += `   ruler ${measurementLabel(active, img.pixelSpacing)}${img.pixelSpacing ? '' : ' (no pixel spacing in the file)'}`;
    const map = this.s.analysis?.heat?.map;
    if (map) {
      const inv = invertAffine(map.toImage);
      const [mx, my] = inv ? apply(inv, ix, iy) : [NaN, NaN];
      const h = sampleMap(map, mx, my);
      if (h !== undefined && Number.isFinite(h))
        text += `   heat ${h.toFixed(2)}${h >= this.s.settings.threshold ? ' (above)' : ''}`;
    }
    out.textContent = text;
  }

  // ---- persistence and host settings ------------------------------------------------------------

  /** After an action: tell the host about new defaults, persist, and redraw (panels too unless `bar`). */
  private changed(settings: Partial<ViewerSettings> | false, ui: 'bar' | 'all' = 'all'): void {
    if (settings) this.host.notify('settingsChanged', settings);
    this.save();
    this.invalidate(ui);
  }

  private save(): void {
    this.host.saveState(() => {
      const img = this.s.loaded;
      const state: PersistedState = {
        v: 1,
        imageKey: img ? imageKey(img.width, img.height) : undefined,
        view: this.s.fitted ? undefined : this.s.view,
        // Without a preset's table (restored from the preset by its id).
        window: this.s.window && { center: this.s.window.center, width: this.s.window.width, fn: this.s.window.fn },
        windowId: this.s.windowId,
        invert: this.s.invert,
        overlayVisible: this.s.overlayVisible,
        outline: this.s.outline,
        settings: this.s.settings,
        tool: this.s.tool,
        panelOpen: this.s.panelOpen,
        measurements: this.s.measurements,
        stripOpen: this.s.stripOpen,
        panelTab: this.s.panelTab,
      };
      return state;
    });
  }

  // ---- drawing ------------------------------------------------------------------------------

  private readThemeColors(): void {
    this.frameColor = getComputedStyle(this.L.canvas).color || '#888';
    this.invalidate(false);
  }

  private onResize(): void {
    const dpr = window.devicePixelRatio || 1;
    const r = this.L.viewport.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (this.L.canvas.width !== w || this.L.canvas.height !== h) {
      this.L.canvas.width = w;
      this.L.canvas.height = h;
      // The step view is sized to the viewport.
      this.invalidate(this.s.previewStep !== null ? 'all' : 'bar');
    }
  }

  private invalidate(ui: false | 'bar' | 'all'): void {
    if (ui === 'all' || (ui === 'bar' && !this.uiDirty)) this.uiDirty = ui;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = 0;
    try {
      this.drawFrame();
    } catch (err) {
      // Log once per distinct failure; the next state change tries again.
      const message = `Viewer could not draw: ${err instanceof Error ? err.message : String(err)}`;
      if (message !== this.lastDrawError) this.log('error', message);
      this.lastDrawError = message;
    }
  }

  private lastDrawError?: string;

  private drawFrame(): void {
    const s = this.s;
    const lo = s.loaded;
    const c = this.L.canvas;
    if (lo && s.fitted && c.width >= 2 && c.height >= 2) s.view = fitView(lo.width, lo.height, c.width, c.height);
    if (this.uiDirty === 'bar') {
      renderToolbar(this.L, s);
      this.uiDirty = false;
    } else if (this.uiDirty) {
      this.uiDirty = false;
      renderToolbar(this.L, s);
      renderScore(this.L, s, this);
      renderHeat(this.L, s);
      renderInfo(this.L, s);
      renderTabs(this.L, s);
      renderTags(this.L, s, this);
      renderStrip(this.L, s, this);
      renderStepView(this.L, s, this);
      renderErrorCard(this.L, s);
      this.L.loading.hidden = Boolean(s.loaded || s.imageError);
      this.L.canvas.hidden = !s.loaded;
      this.L.canvas.setAttribute('aria-label', this.describe());
      this.L.canvas.classList.toggle('tool-window', s.tool === 'window');
      this.L.canvas.classList.toggle('tool-measure', s.tool === 'measure');
      if (s.analysis && this.timeline.scoreShown === undefined) this.timeline.scoreShown = Date.now();
    }
    if (!lo || !s.window || !s.view || c.width < 2 || c.height < 2) return;
    const t0 = performance.now();
    const windowMs = lo.layer.update(s.window, s.invert);
    const an = s.analysis;
    const heat = an?.heat && s.overlayVisible ? an.heat : undefined;
    heat?.paint(s.settings.colormap, s.settings.heatmapFloor ?? 0);
    drawScene(this.ctx, c.width, c.height, {
      view: s.view,
      image: lo.layer,
      size: [lo.width, lo.height],
      reducedBy: lo.reduced?.factor,
      heat: heat && {
        layer: heat,
        toImage: heat.map.toImage,
        opacity: s.settings.heatmapOpacity,
        threshold: s.settings.threshold,
        outline: s.outline,
        outlineColor: outlineColor(s.settings.colormap),
        top: s.outline,
      },
      pixelSpacing: lo.image.pixelSpacing,
      frameColor: this.frameColor,
      dpr: window.devicePixelRatio || 1,
      measurements: s.measurements,
      activeMeasurement: s.activeMeasurement,
    });
    const ms = performance.now() - t0;
    s.renders++;
    const tl = this.timeline;
    const now = Date.now();
    tl.imageDrawn ??= now;
    if (heat) tl.heatmapDrawn ??= now;
    if (!lo.reduced) tl.fullResolutionDrawn ??= now;
    if (windowMs > 0) pushBounded(this.perf.windowRenderMs, ms);
    else pushBounded(this.perf.composeMs, ms);
    if (lo.firstPaintMs === undefined) {
      lo.firstPaintMs = performance.now() - lo.receivedAt;
      this.perf.firstPaintMs = lo.firstPaintMs;
      const what = lo.reduced
        ? `reduced copy (${lo.image.width}x${lo.image.height}) of the ${lo.width}x${lo.height} image`
        : `${lo.width}x${lo.height} image`;
      this.log(
        'info',
        `Viewer: ${what} drawn ${Math.round(lo.firstPaintMs)} ms after it arrived (windowing ${Math.round(windowMs)} ms).`,
      );
    }
    this.renderReadout();
  }

  private describe(): string {
    const s = this.s;
    const img = s.loaded;
    if (!img) return 'X-ray image (not loaded)';
    let d = `X-ray ${s.fileName ?? ''}, ${img.width} by ${img.height} pixels${img.reduced ? ' (reduced copy shown, full resolution loading)' : ''}`;
    const r = s.analysis?.result;
    if (r)
      d += `; anomaly score ${r.score.normalized.toFixed(2)}, ${r.score.aboveThreshold ? 'above' : 'below'} threshold (${modelName(s, r.modelId)})`;
    return d;
  }

  /** What the webview has received and shows, answered to the host's getViewState request. */
  report(): ViewStateReport {
    const s = this.s;
    const img = s.loaded?.image;
    const r = s.analysis?.result;
    const v = this.currentView();
    return {
      fileName: s.fileName,
      image:
        img && s.loaded
          ? {
              width: s.loaded.width,
              height: s.loaded.height,
              bitsStored: img.bitsStored,
              format: img.source.format,
              min: s.loaded.stats.min,
              max: s.loaded.stats.max,
              frame: img.frame,
              pixelSpacing: img.pixelSpacing,
              reduced: s.loaded.reduced && { width: img.width, height: img.height },
            }
          : undefined,
      analysis: r && {
        modelId: r.modelId,
        provider: r.provider,
        scoreRaw: r.score.raw,
        scoreNormalized: r.score.normalized,
        aboveThreshold: r.score.aboveThreshold,
        map:
          s.analysis?.heat && s.analysis.mapStats
            ? {
                width: s.analysis.heat.map.width,
                height: s.analysis.heat.map.height,
                ...s.analysis.mapStats,
                hot: this.hotRegion(),
                top: this.topReport(),
              }
            : undefined,
      },
      error: s.lastError,
      view: {
        zoom: v?.scale ?? 0,
        window: { center: s.window?.center ?? 0, width: s.window?.width ?? 0 },
        invert: s.invert,
        overlayVisible: s.overlayVisible && Boolean(s.analysis?.heat),
        opacity: s.settings.heatmapOpacity,
        threshold: s.settings.threshold,
        colormap: s.settings.colormap,
        heatmapFloor: s.settings.heatmapFloor,
        tool: s.tool,
      },
      models: { selectedId: s.selectedId, count: s.models.length },
      renders: s.renders,
      tags: s.tags && this.tagsReport(),
      preview: s.preview && {
        modelId: s.preview.modelId,
        frame: s.preview.frame,
        steps: s.preview.steps?.length ?? 0,
        labels: s.preview.steps?.map((st) => st.label) ?? [],
        open: s.stripOpen,
        error: s.preview.error?.message,
      },
      measurements: s.measurements.map((m) => ({
        lengthPx: lengthPx(m),
        lengthMm: lengthMm(m, img?.pixelSpacing),
        label: measurementLabel(m, img?.pixelSpacing),
      })),
      frameLoading: s.frameLoading,
      timeline: { ...this.timeline },
    };
  }

  private topReport(): NonNullable<NonNullable<ViewStateReport['analysis']>['map']>['top'] {
    const heat = this.s.analysis?.heat;
    if (!heat) return undefined;
    const { level } = heat.topRegion();
    if (!Number.isFinite(level)) return undefined;
    return { level, drawn: this.s.outline && this.s.overlayVisible, region: hotRegion(heat.map, level) };
  }

  private hotRegion(): HotRegion | undefined {
    const an = this.s.analysis;
    if (!an?.heat) return undefined;
    const t = this.s.settings.threshold;
    if (an.hot?.threshold !== t) an.hot = { threshold: t, region: hotRegion(an.heat.map, t) };
    return an.hot.region;
  }

  private tagsReport(): ViewStateReport['tags'] {
    const t = this.s.tags!;
    const all: ViewerTag[] = [];
    const walk = (list: ViewerTag[]) => {
      for (const x of list) {
        all.push(x);
        if (x.children) walk(x.children);
      }
    };
    walk(t.tags);
    const sample = all.find((x) => x.tag.replace(/[^0-9a-f]/gi, '') === '00100010') ?? all.find((x) => x.phi);
    const q = this.s.tagQuery.trim();
    return {
      count: t.count,
      phiCount: t.phiCount,
      masked: t.masked,
      revealed: t.revealed,
      sample: sample && { tag: sample.tag, keyword: sample.keyword, value: sample.value },
      query: q,
      matches: q ? visibleRows(t.tags, this.s.tagExpanded, q).matches : t.count,
      error: t.error,
    };
  }
}

function pushBounded(list: number[], v: number): void {
  list.push(v);
  if (list.length > 200) list.shift();
}
