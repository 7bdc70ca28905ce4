/** Everything the viewer knows, in one place: the panels render from it and getViewState reports it. */
import type { DriftNote } from '../../protocol/drift';
import type { ModelChoice, ViewerMark, ViewerSettings, ViewStateReport } from '../../protocol/viewer';
import type { Measurement } from './measure';
import type { PanelTab, PersistedState, Tool } from './persist';
import type { HeatmapLayer } from './render/heatmapLayer';
import type { ImageLayer } from './render/imageLayer';
import type { AnalysisResult, ErrorInfo, ErrorScope, PreviewMessage, TagsMessage, XrayImage } from './types';
import type { View } from './viewport';
import type { ImageStats, WindowLevel, WindowOption } from './windowing';
import { l10n } from '../shared/l10n';

export interface LoadedImage {
  /** The pixels held: the full image, or a reduced copy while the full resolution is on its way. */
  image: XrayImage;
  /**
   * Size in full-resolution pixels: the coordinate space of the view, rulers, readout and heatmap,
   * whichever pixels are held.
   */
  width: number;
  height: number;
  /** While a reduced copy is held: each of its pixels is the mean of a factor x factor block. */
  reduced?: { factor: number };
  /** The host's number for the decode these pixels come from (pixels of the same seq replace them in place). */
  seq?: number;
  stats: ImageStats;
  options: WindowOption[];
  initial?: WindowOption;
  layer: ImageLayer;
  decodeMs: number;
  /** performance.now() when the image message arrived, for the first-paint measurement. */
  receivedAt: number;
  firstPaintMs?: number;
}

export interface LoadedAnalysis {
  result: AnalysisResult;
  heat?: HeatmapLayer;
  mapStats?: { sum: number; max: number };
  /** Why a map that came with the result is not shown (malformed), for the panel and the log. */
  mapProblem?: string;
}

export interface ViewerState {
  fileName?: string;
  /** The image's label in the active label set (src/webview/viewer/labelKeys.ts). */
  mark?: ViewerMark;
  /** Score drift of the scored folder the image belongs to (shown under the score). */
  drift?: DriftNote;
  settings: ViewerSettings;
  overlayVisible: boolean;
  outline: boolean;
  tool: Tool;
  panelOpen: boolean;
  loaded?: LoadedImage;
  window?: WindowLevel;
  /** Which preset the window came from; 'custom' after a drag or typed values. */
  windowId?: string;
  invert: boolean;
  view?: View;
  /** The view follows the editor size until the user zooms or pans. */
  fitted: boolean;
  analysis?: LoadedAnalysis;
  running?: { modelId: string };
  analysisError?: ErrorInfo;
  imageError?: ErrorInfo;
  lastError?: { scope: ErrorScope; code: string; message: string };
  models: ModelChoice[];
  selectedId?: string;
  provider?: string;
  renders: number;
  /** Rulers on the current image, in image pixels. */
  measurements: Measurement[];
  /** Index of the ruler being drawn or dragged. */
  activeMeasurement?: number;
  /** The ruler end being dragged (`created`: the drag draws a new ruler). */
  rulerDrag?: { index: number; end: 0 | 1; created: boolean };
  /** The box being drawn (image pixels, continuous), before it becomes a whole-pixel box mark. */
  boxDraft?: { x0: number; y0: number; x1: number; y1: number };
  /** Index of the picked box mark in mark.boxes (Delete removes it). */
  activeBox?: number;
  panelTab: PanelTab;
  /** DICOM attributes as the host sent them (patient data masked unless revealed). */
  tags?: TagsMessage & { count: number; masked: number };
  tagQuery: string;
  /** Index paths of the sequences the user opened. */
  tagExpanded: Set<string>;
  /** Frame requested from the host and not yet received. */
  frameLoading?: number;
  stripOpen: boolean;
  preview?: PreviewMessage;
  /** Index of the preprocessing step shown large, if any. */
  previewStep: number | null;
  /** When each part of the current image and analysis was first on screen (see ViewStateReport). */
  timeline: ViewerTimeline;
}

export type ViewerTimeline = NonNullable<ViewStateReport['timeline']>;

/** A new tab's state, or a restored tab's choices (the view itself waits for its image). */
export function initialState(settings: ViewerSettings, restored: PersistedState | undefined): ViewerState {
  return {
    settings: restored?.settings ?? settings,
    overlayVisible: restored?.overlayVisible ?? true,
    outline: restored?.outline ?? true,
    tool: restored?.tool ?? 'pan',
    panelOpen: restored?.panelOpen ?? true,
    invert: false,
    fitted: true,
    models: [],
    renders: 0,
    measurements: [],
    panelTab: restored?.panelTab ?? 'analysis',
    tagQuery: '',
    tagExpanded: new Set(),
    stripOpen: restored?.stripOpen ?? true,
    previewStep: null,
    timeline: {},
  };
}

export function modelName(s: Readonly<ViewerState>, id: string | undefined): string {
  if (!id) return l10n.t('no model');
  return s.models.find((m) => m.id === id)?.name ?? id;
}
