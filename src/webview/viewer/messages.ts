/**
 * The pure message handler: what each host notification does to the viewer's state. No DOM here (the
 * canvas layers come from injected factories), so it runs and is tested in plain Node. Every change
 * goes through the store; the draw loop, the saver and the log react to it.
 */
import type { NotificationHandlers } from '../../protocol/rpc';
import type { EarlyPosted, HostToViewerNotifications } from '../../protocol/viewer';
import { checkImage, checkReducedFrom } from './imageCheck';
import { checkAnalysis, checkDrift, countedTags, normalizePreview } from './incoming';
import { imageKey, sanitizeSettings, type PersistedState } from './persist';
import type { HeatmapLayer } from './render/heatmapLayer';
import { mapStats } from './render/heatmapLayer';
import type { ImageLayer } from './render/imageLayer';
import type { LoadedAnalysis, LoadedImage, ViewerState } from './state';
import type { ViewerStore } from './store';
import type { AnomalyMap, ErrorInfo, ErrorScope, XrayImage } from './types';
import { defaultOption, imageStats, windowOptions } from './windowing';
import { l10n } from '../shared/l10n';

export interface MessageDeps {
  store: ViewerStore;
  /** The saved view of a restored tab: its first image takes it (then it is dropped). */
  restored?: PersistedState;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** `init` listed messages that did not arrive: ask the host for them again. */
  askResend(missing: { image: boolean; analysis: boolean }): void;
  /** The canvas layers (they need a DOM); an image layer throws when the browser refuses its size. */
  imageLayer(image: XrayImage): ImageLayer;
  heatmapLayer(map: AnomalyMap): HeatmapLayer;
  /** performance.now(), for the time from message to first paint. */
  now(): number;
  /** Shows the view another viewer of the same file moved to (ViewControl.follow). */
  followView(view: HostToViewerNotifications['syncView']['view']): void;
}

type ImageParams = HostToViewerNotifications['image'];

export function viewerMessages(deps: MessageDeps): Required<NotificationHandlers<HostToViewerNotifications>> {
  const { store } = deps;
  let restored = deps.restored;
  // Every message redraws every panel (what it changed may show anywhere).
  const update = (mutate: (s: ViewerState) => void, save = false) => store.update(mutate, { redraw: 'all', save });

  /**
   * `init` lists what the host posted while this page was loading; all of it has arrived by now or was
   * dropped (a page whose script had not run yet), so ask again for what is missing.
   */
  const checkEarly = (early: EarlyPosted | undefined) => {
    if (!early || early.imageSeq === undefined) return;
    const held = store.state.loaded;
    const image = held?.seq !== early.imageSeq || (early.fullResolution === true && Boolean(held.reduced));
    const analysis = early.analysis === true && !store.state.analysis;
    if (image || analysis) deps.askResend({ image, analysis });
  };

  const setError = (s: ViewerState, scope: ErrorScope, error: ErrorInfo) => {
    const info: ErrorInfo = {
      code: error?.code ?? 'INTERNAL',
      message: error?.message ?? l10n.t('Unknown error.'),
      detail: error?.detail,
    };
    s.lastError = { scope, code: info.code, message: info.message };
    s.running = undefined;
    if (scope === 'image') {
      s.imageError = info;
      s.loaded = undefined;
    } else {
      s.analysisError = info;
      s.analysis = undefined;
    }
  };
  const imageError = (error: ErrorInfo) => update((s) => setError(s, 'image', error));

  const onImage = (p: ImageParams) => {
    const receivedAt = deps.now();
    const held = store.state.loaded;
    // A reduced copy of the picture whose full pixels are already here (sent again) changes nothing.
    if (p.reducedFrom !== undefined && held && !held.reduced && p.seq !== undefined && held.seq === p.seq)
      return store.touch({ redraw: 'all' });
    const checked = checkImage(p.image);
    if ('problem' in checked)
      return imageError({
        code: 'CORRUPT',
        message: l10n.t('The viewer received an unusable image: {0}.', checked.problem),
      });
    const image = checked.image;
    const full =
      p.reducedFrom === undefined
        ? { width: image.width, height: image.height, factor: 1 }
        : checkReducedFrom(p.reducedFrom, image);
    if ('problem' in full)
      return imageError({
        code: 'CORRUPT',
        message: l10n.t('The viewer received an unusable image: {0}.', full.problem),
      });
    let layer: ImageLayer;
    try {
      layer = deps.imageLayer(image);
    } catch (err) {
      // The browser may refuse a canvas this large (memory, or its own size limit).
      return imageError({
        code: 'TOO_LARGE',
        message: l10n.t('The viewer could not allocate a {0} × {1} canvas.', image.width, image.height),
        detail: err instanceof Error ? err.message : String(err),
      });
    }
    const stats = imageStats(image);
    const options = windowOptions(image, stats);
    const loaded: LoadedImage = {
      image,
      width: full.width,
      height: full.height,
      reduced: full.factor > 1 ? { factor: full.factor } : undefined,
      seq: Number.isInteger(p.seq) ? p.seq : undefined,
      stats,
      options,
      initial: defaultOption(image, options),
      layer,
      decodeMs: Number(p.decodeMs) || 0,
      receivedAt,
    };
    if (
      held &&
      loaded.seq !== undefined &&
      held.seq === loaded.seq &&
      held.width === loaded.width &&
      held.height === loaded.height
    )
      return replacePixels(held, loaded);
    update((s) => showNewImage(s, loaded), true);
  };

  const showNewImage = (s: ViewerState, loaded: LoadedImage) => {
    const previous = s.loaded;
    const image = loaded.image;
    // Another frame of the same multi-frame file: keep the window, zoom and rulers the user set.
    const before = previous?.image;
    const sameSeries = Boolean(
      before?.frame &&
      image.frame &&
      before.frame.count === image.frame.count &&
      previous!.width === loaded.width &&
      previous!.height === loaded.height,
    );
    s.loaded = loaded;
    if (s.frameLoading === undefined || s.frameLoading === image.frame?.index) s.frameLoading = undefined;
    // The preview belongs to the image it was computed on; the host sends the new one.
    s.preview = undefined;
    s.imageError = undefined;
    if (s.lastError?.scope === 'image') s.lastError = undefined;
    // A new image (the file changed on disk) makes the previous analysis meaningless.
    s.analysis = undefined;
    s.renders = 0;
    s.timeline = {};
    const r = restored;
    if (r && r.imageKey === imageKey(loaded.width, loaded.height)) {
      // A preset's table is not saved with the view: take it from the preset again.
      const preset = r.windowId ? loaded.options.find((o) => o.id === r.windowId && o.window.table) : undefined;
      s.window = preset?.window ?? r.window ?? loaded.initial?.window;
      s.windowId = r.window ? (r.windowId ?? 'custom') : loaded.initial?.id;
      s.invert = r.invert ?? image.photometric === 'MONOCHROME1';
      s.view = r.view;
      s.fitted = !r.view;
      s.measurements = r.measurements ?? [];
    } else if (sameSeries && s.window) {
      // Window, inversion, view and rulers stay as they are.
    } else {
      resetWindow(s);
      s.fitted = true;
      s.view = undefined;
      s.measurements = [];
    }
    s.activeMeasurement = undefined;
    s.rulerDrag = undefined;
    // Only the first image of a restored tab takes the saved view.
    restored = undefined;
  };

  /**
   * Other pixels of the picture on screen (the full resolution after its reduced copy): only the pixels,
   * statistics and presets change. View, rulers, inversion, analysis and preprocessing preview stay; a
   * window the user set stays, a preset is taken again from the new statistics (same preset, its
   * values now from every pixel).
   */
  const replacePixels = (previous: LoadedImage, next: LoadedImage) => {
    update((s) => {
      s.loaded = next;
      // Counts frames drawn with the pixels held, so "renders > 0" says the new pixels are on screen.
      s.renders = 0;
      if (s.windowId && s.windowId !== 'custom') {
        const preset = next.options.find((o) => o.id === s.windowId);
        if (preset) s.window = preset.window;
      }
    });
    deps.log(
      'info',
      `Viewer: ${next.image.width}x${next.image.height} pixels replace the ${previous.image.width}x${previous.image.height} ${previous.reduced ? 'reduced copy' : 'pixels'} (view, window and analysis kept).`,
    );
  };

  return {
    init: (p) => {
      update((s) => {
        s.fileName = p.fileName;
        // A restored tab keeps the choices made in it; a new tab takes the host's current defaults.
        if (!restored) s.settings = sanitizeSettings(p.settings, s.settings);
      });
      checkEarly(p.early);
    },
    image: onImage,
    models: (p) =>
      update((s) => {
        s.models = Array.isArray(p.models) ? p.models : [];
        s.selectedId = p.selectedId ?? s.selectedId;
        s.provider = p.provider ?? s.provider;
      }),
    analysisStarted: (p) =>
      update((s) => {
        // Another model's score and map must not stay on screen as if they were the new one's.
        if (s.analysis && s.analysis.result.modelId !== p.modelId) s.analysis = undefined;
        s.running = { modelId: p.modelId };
        s.selectedId = p.modelId;
        s.analysisError = undefined;
        if (s.lastError?.scope === 'analysis') s.lastError = undefined;
      }),
    analysis: (p) => {
      const checked = checkAnalysis(p.result);
      const analysis: LoadedAnalysis = { result: checked.result };
      if (checked.mapProblem) {
        analysis.mapProblem = checked.mapProblem;
        deps.log('warn', `Anomaly map from ${p.result.modelId} not shown: ${checked.mapProblem}.`);
      } else if (checked.map) {
        analysis.heat = deps.heatmapLayer(checked.map);
        analysis.mapStats = mapStats(checked.map);
      }
      update((s) => {
        s.analysis = analysis;
        s.timeline.scoreShown = undefined;
        s.timeline.heatmapDrawn = undefined;
        s.running = undefined;
        s.analysisError = undefined;
        if (s.lastError?.scope === 'analysis') s.lastError = undefined;
        if (p.result.provider) s.provider = p.result.provider;
      });
    },
    error: (p) => update((s) => setError(s, p.scope, p.error)),
    tags: (p) =>
      update((s) => {
        const fresh = !s.tags;
        s.tags = countedTags(p);
        if (fresh) s.tagExpanded = new Set();
      }),
    // The host names the frame it is decoding, or the current one when it gave up on a request.
    frameLoading: (p) =>
      update((s) => {
        s.frameLoading = p.frame === s.loaded?.image.frame?.index ? undefined : p.frame;
      }),
    mark: (p) =>
      update((s) => {
        s.mark = p;
        if (s.activeBox !== undefined && s.activeBox >= (p.boxes?.length ?? 0)) s.activeBox = undefined;
      }),
    syncView: (p) => deps.followView(p.view),
    drift: (p) =>
      update((s) => {
        s.drift = checkDrift(p.note);
      }),
    preview: (p) =>
      update((s) => {
        s.preview = normalizePreview(p);
        const n = p.steps?.length ?? 0;
        if (s.previewStep !== null && s.previewStep >= n) s.previewStep = null;
      }),
  };
}

/** The image's own default window and inversion (MONOCHROME1 shows inverted). */
export function resetWindow(s: ViewerState): void {
  const held = s.loaded;
  if (!held) return;
  s.window = held.initial?.window;
  s.windowId = held.initial?.id;
  s.invert = held.image.photometric === 'MONOCHROME1';
}
