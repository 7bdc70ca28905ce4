/**
 * Extension host <-> viewer webview (the custom editor for one X-ray file).
 * Handshake: the webview posts `ready`; the host answers with `init`, then `image`, `models`, and
 * `analysis` (or `error`) as they become available. A large image comes twice: first a reduced copy,
 * then (after the analysis when that is quick) its full-resolution pixels with the same `seq`.
 * Head start: while a new webview boots, the host already posts the image and analysis (VS Code holds
 * them until the page has loaded, so the transfer overlaps the boot). Such messages can be lost when
 * the page's script loads slowly, so `init` says what was posted early and the webview asks for what
 * it lacks (`resendEarly`); everything posted before `init` has arrived by then, or never will. The host can also ask the webview questions
 * (RPC requests, e.g. `getViewState`), which is how tests check what the webview actually received.
 * DICOM files also get `tags` (patient data masked until the user reveals it), multi-frame files take
 * `selectFrame`, and while the preprocessing strip is open the host sends a `preview` per image and model.
 */
import type { ErrorInfo } from '../core/errors';
import type { XrayImage } from '../core/image/types';
import type { LabelBox } from '../core/labels/types';
import type { AnalysisResult } from '../core/scoring/types';
import type { DriftNote } from './drift';
import type { NotificationOf, RequestOf, ResponseMsg } from './rpc';

export interface ViewerSettings {
  heatmapOpacity: number;
  colormap: Colormap;
  /** Normalised map threshold for the outline, 0.5 = model's calibrated threshold. */
  threshold: number;
  /**
   * Normalised map value below which the overlay is fully transparent; it fades in over the next
   * short band above it (the legend shows both), so a normal image is not tinted all over. 0 draws
   * every value. Optional for messages and saved state from before it existed.
   */
  heatmapFloor?: number;
}

export type Colormap = 'jet' | 'inferno' | 'viridis' | 'hot' | 'red';

export interface ModelChoice {
  id: string;
  name: string;
  version: string;
  description?: string;
}

/** Host -> webview one-way messages. */
export type HostToViewerNotifications = {
  init: {
    fileName: string;
    settings: ViewerSettings;
    /** What the host posted before this webview said `ready` (see the head start above). */
    early?: EarlyPosted;
  };
  image: {
    image: XrayImage;
    decodeMs: number;
    /**
     * Which decode the pixels come from (the host counts them). A message whose seq is that of the image
     * on screen only replaces its pixels (the full resolution after a reduced copy): view, window,
     * rulers and analysis stay. Any other image message is a new picture and clears them.
     */
    seq?: number;
    /**
     * Present when `image` is a reduced copy sent ahead of the full-resolution pixels, which follow with
     * the same seq: the full image's size, and the copy's block size (its pixel (i, j) is the mean of the
     * stored values in full-resolution columns [i*factor, (i+1)*factor) and rows [j*factor, (j+1)*factor),
     * cut at the image's edge; still real modality values). Coordinates, rulers and the heatmap's
     * placement stay in full-resolution pixels.
     */
    reducedFrom?: { width: number; height: number; factor: number };
  };
  models: { models: ModelChoice[]; selectedId?: string; provider?: string };
  analysisStarted: { modelId: string };
  analysis: { result: AnalysisResult };
  /** scope 'image': nothing can be shown; scope 'analysis': image stays, score/heatmap unavailable. */
  error: { scope: 'image' | 'analysis'; error: ErrorInfo };
  /**
   * The file's DICOM attributes (DICOM files only). Values that identify the patient arrive masked
   * until the user reveals them in this editor; the real values never reach the webview before that.
   */
  tags: TagsMessage;
  /** The host is decoding another frame of a multi-frame file (the current one stays on screen). */
  frameLoading: { frame: number; count: number };
  /** Step-by-step preprocessing of the current image for the model shown, or why there is none. */
  preview: PreviewMessage;
  /** The image's label in the active label set (docs/labels.md), and whether the labelling keys are on. */
  mark: ViewerMark;
  /**
   * Score drift of the nearest scored folder above the image for the model shown (its batch results), or
   * null when there is none to report (no scored folder, too few scores, a model without a reference).
   */
  drift: { note: DriftNote | null };
  /** Another viewer of the same file moved: show the same view (null: fit the editor). */
  syncView: { view: SyncedView | null };
};

/**
 * What the viewer shows of the image's label. `keys`: the labelling keys are on (any image inside a workspace
 * folder); `panel`: it was opened from a results panel, so j/k and a label step through the panel's order.
 */
export interface ViewerMark {
  set: string;
  label: 'normal' | 'abnormal' | 'unsure' | null;
  note: string | null;
  status: 'ok' | 'stale' | 'moved';
  problem?: string;
  keys: boolean;
  panel?: boolean;
  /** Boxes marked on the image in the label set: whole image pixels of the decoded image, top-left origin. */
  boxes?: MarkBox[];
}

/** A box mark as the label file holds it (docs/labels.md): x, y, width, height in whole image pixels. */
export type MarkBox = LabelBox;

export interface EarlyPosted {
  /** An image message of this seq was posted (the reduced copy of a large image, else the image). */
  imageSeq?: number;
  /** The full-resolution pixels of that image were posted too. */
  fullResolution?: boolean;
  /** The analysis of that image was posted. */
  analysis?: boolean;
}

export interface ViewerTag {
  /** "(gggg,eeee)" */
  tag: string;
  keyword: string;
  vr: string;
  /** Display text; for a masked value, a placeholder that says why. */
  value: string;
  /** The attribute identifies the patient (masked until revealed). */
  phi: boolean;
  /** The value shown is the placeholder, not the file's. */
  masked: boolean;
  depth: number;
  /** Items and attributes of a sequence. */
  children?: ViewerTag[];
}

export interface TagsMessage {
  tags: ViewerTag[];
  /** Patient-identifying values are shown as they are in the file. */
  revealed: boolean;
  /** How many values are (or, once hidden again, would be) masked. */
  phiCount: number;
  /** Why the attributes could not be listed (the image may still have opened). */
  error?: string;
}

export interface PreviewImage {
  width: number;
  height: number;
  /** 8-bit grey (thumb) or 0/1 (mask), row-major. */
  data: Uint8Array;
}

export interface PreviewStep {
  op: string;
  label: string;
  /** Size of the step's output at full resolution. */
  width: number;
  height: number;
  thumb: PreviewImage;
  /** Foreground mask after this step, at the thumb's resolution or its own. */
  mask?: PreviewImage;
  /** Step output pixel -> original image pixel. */
  toImage: [number, number, number, number, number, number];
  ms: number;
  notice?: string;
}

export interface PreviewMessage {
  modelId: string;
  /** Frame of the image the preview was computed on (multi-frame files). */
  frame?: number;
  steps?: PreviewStep[];
  /** Separate subjects found (e.g. two hands), when the pipeline looks for them. */
  regions?: number;
  error?: ErrorInfo;
}

/** Webview -> host one-way messages. */
export type ViewerToHostNotifications = {
  ready: Record<string, never>;
  selectModel: { modelId: string };
  pickModel: Record<string, never>;
  reanalyze: Record<string, never>;
  settingsChanged: Partial<ViewerSettings>;
  log: { level: 'info' | 'warn' | 'error'; message: string };
  /** Show (true) or mask again (false) the patient-identifying tag values in this editor. */
  revealPatientData: { reveal: boolean };
  /** Decode and analyse another frame (0-based) of a multi-frame file. */
  selectFrame: { frame: number };
  /** Whether the preprocessing strip is open; the host computes previews only while it is. */
  previewWanted: { open: boolean };
  /** Put text on the system clipboard (the webview's own clipboard access is not reliable). */
  copyText: { text: string; what: string };
  /** Messages `init` listed as posted early did not arrive: send the image (and its analysis) again, or the analysis. */
  resendEarly: { image: boolean; analysis: boolean };
  /** A labelling key (src/webview/shared/labelKeys.ts): label, note, undo, or move through the results panel. */
  labelKey: {
    kind: 'label' | 'note' | 'undo' | 'move';
    label?: 'normal' | 'abnormal' | 'unsure' | null;
    delta?: 1 | -1;
  };
  /** The box tool changed the image's boxes: all of them, as they are now (an empty list removes them). */
  markBoxes: { boxes: MarkBox[] };
  /** Undo the last change of the active label set (a box drawn or deleted, or a label), as `u` in the panel. */
  undoMark: Record<string, never>;
  /**
   * The user zoomed or panned (null: back to fitting the editor). The host passes it on to the other
   * viewers of the same file (models side by side), which follow without echoing it back.
   */
  viewChanged: { view: SyncedView | null };
};

/** Zoom and pan as viewers of one file share them: device pixels per image pixel, and the image point at the centre. */
export interface SyncedView {
  scale: number;
  cx: number;
  cy: number;
}

/** Summary of what the webview has received and is showing; answers `getViewState`. */
export interface ViewStateReport {
  fileName?: string;
  /** The image's label as the viewer shows it (badge), when it has a label set. */
  mark?: ViewerMark;
  /** The drift note shown, if any. */
  drift?: { status: DriftNote['status']; images: number; folder: string; normals?: number; text: string };
  image?: {
    /** Size in full-resolution pixels, also while only a reduced copy is held. */
    width: number;
    height: number;
    bitsStored: number;
    format: string;
    /** Of the pixels held (a reduced copy's block means span less than the full image's values). */
    min: number;
    max: number;
    frame?: { index: number; count: number };
    pixelSpacing?: [number, number];
    /** Size of the pixels held while they are a reduced copy (the full resolution is on its way). */
    reduced?: { width: number; height: number };
  };
  analysis?: {
    modelId: string;
    provider: string;
    scoreRaw: number;
    scoreNormalized: number;
    aboveThreshold: boolean;
    map?: {
      width: number;
      height: number;
      sum: number;
      max: number;
      /** Where the region at or above the outline threshold lands on the image (image pixels). */
      hot?: { pixels: number; centroid: [number, number]; bounds: [number, number, number, number] };
      /** This image's own hottest part (the dashed outline, drawn whatever the score): its level and region. */
      top?: {
        level: number;
        drawn: boolean;
        region?: { pixels: number; centroid: [number, number]; bounds: [number, number, number, number] };
      };
    };
  };
  error?: { scope: 'image' | 'analysis'; code: string; message: string };
  view: {
    zoom: number;
    /** The image point at the canvas centre. */
    center?: [number, number];
    /** Following the editor's size (not zoomed or panned by the user). */
    fitted: boolean;
    window: { center: number; width: number };
    invert: boolean;
    overlayVisible: boolean;
    opacity: number;
    threshold: number;
    colormap: Colormap;
    heatmapFloor?: number;
    tool?: string;
  };
  models: { selectedId?: string; count: number };
  /**
   * Number of frames the canvas has drawn with the current image (proves rendering happened); counts
   * again from 0 when a reduced copy's pixels are replaced by the full resolution.
   */
  renders: number;
  tags?: {
    /** Attributes received, nested ones included. */
    count: number;
    phiCount: number;
    /** Values the webview holds as placeholders. */
    masked: number;
    revealed: boolean;
    /** Patient's Name (or the first patient-identifying attribute) as the webview holds it. */
    sample?: { tag: string; keyword: string; value: string };
    /** The search box's text and how many attributes match it. */
    query: string;
    matches: number;
    error?: string;
  };
  preview?: { modelId: string; frame?: number; steps: number; labels: string[]; open: boolean; error?: string };
  measurements?: { lengthPx: number; lengthMm?: number; label: string }[];
  /** Frame the webview asked for and is waiting for, if any. */
  frameLoading?: number;
  /**
   * When the user could see each part of the current image and analysis: Date.now() in the webview
   * (the same clock as the host's on one machine), taken as the frame or panel was drawn. Benchmarks
   * read these rather than poll, since a poll queues behind large messages in the same channel.
   */
  timeline?: {
    /** First frame with the image's pixels (a reduced copy for a large image). */
    imageDrawn?: number;
    /** The score panel showing the analysis. */
    scoreShown?: number;
    /** First frame with the heatmap over the image. */
    heatmapDrawn?: number;
    /** First frame with the full-resolution pixels. */
    fullResolutionDrawn?: number;
  };
}

/** What a diagnostic `act` request asks the webview to do, as if through its own controls. */
export type ViewerAction =
  | { action: 'revealPatientData'; reveal: boolean }
  | { action: 'searchTags'; query: string }
  | { action: 'showTab'; tab: 'analysis' | 'tags' }
  | { action: 'selectFrame'; frame: number }
  | { action: 'setStripOpen'; open: boolean }
  | { action: 'openPreviewStep'; index: number | null }
  | { action: 'measure'; from: [number, number]; to: [number, number] }
  | { action: 'setTool'; tool: 'pan' | 'window' | 'measure' | 'box' }
  /** Draw a box mark by dragging between two image points (the box tool's own gesture, through the view). */
  | { action: 'drawBox'; from: [number, number]; to: [number, number] }
  /** A click at an image point with the box tool (selects the box under it), then Delete. */
  | { action: 'deleteBox'; at?: [number, number] }
  /** Zoom by a factor about the canvas centre, and pan by device pixels, as the wheel and a drag do. */
  | { action: 'zoomPan'; factor: number; dx: number; dy: number };

/** Host -> webview requests (the webview answers). */
export type HostToViewerMethods = {
  getViewState: [Record<string, never>, ViewStateReport];
  /**
   * Runs one viewer action through the same code the webview's controls use, then reports the view
   * state (diagnostics and integration tests: a real round trip through the webview).
   */
  act: [ViewerAction, ViewStateReport];
};

export type HostToViewerMessage = NotificationOf<HostToViewerNotifications> | RequestOf<HostToViewerMethods>;
export type ViewerToHostMessage = NotificationOf<ViewerToHostNotifications> | ResponseMsg;
