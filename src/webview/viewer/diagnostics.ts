/**
 * What the viewer tells about itself: the view-state report the host asks for (`getViewState`, and
 * after each diagnostic `act`: integration tests check the webview through it), the canvas's spoken
 * description, and the timings kept for the dev harness. Pure functions of the state.
 */
import type { ViewStateReport } from '../../protocol/viewer';
import { lengthMm, lengthPx, measurementLabel } from './measure';
import { hotRegion, type HotRegion } from './render/heatmapLayer';
import { modelName, type LoadedAnalysis, type ViewerState } from './state';
import { visibleRows } from './tagTree';
import type { ViewerTag } from './types';
import type { View } from './viewport';
import { l10n } from '../shared/l10n';

/** Timings kept for the dev harness and the log. */
export interface ViewerPerf {
  /** From receiving the image message to the end of the first frame that shows it. */
  readonly firstPaintMs?: number;
  /** Windowing (LUT + upload) plus compositing time of each frame that re-windowed. */
  windowRenderMs: number[];
  /** Compositing time of frames that did not re-window (zoom, pan, overlay). */
  composeMs: number[];
}

/** Keeps the last 200 values. */
export function pushBounded(list: number[], v: number): void {
  list.push(v);
  if (list.length > 200) list.shift();
}

/** What the webview has received and shows (`view`: the view in effect now). */
export function viewStateReport(s: Readonly<ViewerState>, view: View | undefined): ViewStateReport {
  const held = s.loaded;
  const img = held?.image;
  const r = s.analysis?.result;
  return {
    fileName: s.fileName,
    mark: s.mark,
    drift: s.drift && {
      status: s.drift.status,
      images: s.drift.images,
      folder: s.drift.folder,
      normals: s.drift.normals?.count,
      text: s.drift.text,
    },
    image:
      img && held
        ? {
            width: held.width,
            height: held.height,
            bitsStored: img.bitsStored,
            format: img.source.format,
            min: held.stats.min,
            max: held.stats.max,
            frame: img.frame,
            pixelSpacing: img.pixelSpacing,
            reduced: held.reduced && { width: img.width, height: img.height },
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
              hot: hotRegionAt(s.analysis, s.settings.threshold),
              top: topReport(s),
            }
          : undefined,
    },
    error: s.lastError,
    view: {
      zoom: view?.scale ?? 0,
      center: view ? [view.cx, view.cy] : undefined,
      fitted: s.fitted,
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
    tags: s.tags && tagsReport(s),
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
    timeline: { ...s.timeline },
  };
}

/** The above-threshold region, computed once per analysis and threshold (a memo, not state). */
const hotCache = new WeakMap<LoadedAnalysis, { threshold: number; region?: HotRegion }>();
function hotRegionAt(analysis: LoadedAnalysis, threshold: number): HotRegion | undefined {
  if (!analysis.heat) return undefined;
  let hot = hotCache.get(analysis);
  if (hot?.threshold !== threshold) {
    hot = { threshold, region: hotRegion(analysis.heat.map, threshold) };
    hotCache.set(analysis, hot);
  }
  return hot.region;
}

/** The image's own hottest part (outlined dashed whatever the score), and whether it is drawn. */
function topReport(s: Readonly<ViewerState>): NonNullable<NonNullable<ViewStateReport['analysis']>['map']>['top'] {
  const heat = s.analysis?.heat;
  if (!heat) return undefined;
  const { level } = heat.topRegion();
  if (!Number.isFinite(level)) return undefined;
  return { level, drawn: s.outline && s.overlayVisible, region: hotRegion(heat.map, level) };
}

function tagsReport(s: Readonly<ViewerState>): ViewStateReport['tags'] {
  const t = s.tags!;
  const all: ViewerTag[] = [];
  const walk = (list: ViewerTag[]) => {
    for (const x of list) {
      all.push(x);
      if (x.children) walk(x.children);
    }
  };
  walk(t.tags);
  const sample = all.find((x) => x.tag.replace(/[^0-9a-f]/gi, '') === '00100010') ?? all.find((x) => x.phi);
  const query = s.tagQuery.trim();
  return {
    count: t.count,
    phiCount: t.phiCount,
    masked: t.masked,
    revealed: t.revealed,
    sample: sample && { tag: sample.tag, keyword: sample.keyword, value: sample.value },
    query,
    matches: query ? visibleRows(t.tags, s.tagExpanded, query).matches : t.count,
    error: t.error,
  };
}

/** The canvas's accessible name: what is shown and, once known, the score. */
export function describeImage(s: Readonly<ViewerState>): string {
  const img = s.loaded;
  if (!img) return l10n.t('X-ray image (not loaded)');
  const name = s.fileName ?? '';
  const d = img.reduced
    ? l10n.t('X-ray {0}, {1} by {2} pixels (reduced copy shown, full resolution loading)', name, img.width, img.height)
    : l10n.t('X-ray {0}, {1} by {2} pixels', name, img.width, img.height);
  const r = s.analysis?.result;
  if (!r) return d;
  const score = r.score.normalized.toFixed(2);
  return r.score.aboveThreshold
    ? l10n.t('{0}; anomaly score {1}, above threshold ({2})', d, score, modelName(s, r.modelId))
    : l10n.t('{0}; anomaly score {1}, below threshold ({2})', d, score, modelName(s, r.modelId));
}
