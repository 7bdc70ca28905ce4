/**
 * Extension host <-> results panel webview (the ranked table of a batch-scored folder).
 * Handshake: the webview posts `ready`; the host answers with `init` (the folder, the model columns, what
 * the webview saved last time), then `data` (new rows, in the host's numbering, and scores and errors per
 * model column) as the store loads (one message) and as the run streams, `progress` while a run goes on,
 * and `metrics` (ROC/PR per model) when the rows carry ground truth. Rows are numbered by the host in the
 * order it first sent them and never renumbered, so a cell names its row by that number. The webview owns
 * sorting, filtering, the threshold and the selection; the host asks it (`neighbour`) which row comes
 * next in its order when the viewer steps through the panel's images.
 */
import type { ErrorInfo } from '../core/errors';
import type { LabelBox } from '../core/labels/types';
import type { QualityFlag } from '../core/quality/types';
import type { DriftNote } from './drift';
import type { NotificationOf, RequestOf, ResponseMsg } from './rpc';

/** A model column: one per model chosen for the run. */
export interface ResultsModel {
  /** `${id}@${version}`: results of another version of the same model are another column. */
  key: string;
  id: string;
  name: string;
  version: string;
  /** The model gives an anomaly map (a reconstruction or a map output); false: a score only. */
  hasMap?: boolean;
}

/** Where the rows come from; the webview saves it so that the panel can be rebuilt after a reload. */
export interface ResultsSource {
  /** Absolute path of the scored folder (file system path of a workspace folder or below). */
  root: string;
  /** ResultsModel.key of each column, in order. */
  models: string[];
  /** Labels CSV the user pointed to, if any. */
  labelsCsv?: string;
}

/** Ground truth of a row: 1 anomalous, 0 normal, -1 unknown. */
export type RowLabel = -1 | 0 | 1;

/**
 * Scores and errors of one model column for some rows, column by column so that 100,000 rows cross the
 * channel as three binary arrays (VS Code moves typed arrays without JSON) and one short list.
 * `raw` NaN: no score (the row failed, see `errors`, or is not scored yet). The normalised score keeps the
 * order of the raw one (0.5 at the model's calibrated threshold).
 */
export interface ColumnCells {
  model: number;
  rows: Uint32Array;
  raw: Float64Array;
  normalized: Float64Array;
  /** The rows among `rows` that failed, with the message; any other row of `rows` has no error. */
  errors: [row: number, message: string][];
}

/**
 * A column's cells for the rows `first .. first + raw.length - 1` (every row of a table sent whole): the
 * same as ColumnCells without the row numbers, 4 bytes a row less on the channel.
 */
export interface DenseCells {
  model: number;
  first: number;
  raw: Float64Array;
  normalized: Float64Array;
  errors: [row: number, message: string][];
}

/**
 * The paths of a `data` message, folder by folder: 100,000 files share a few thousand folders, so each
 * folder is sent once and each file as its name (all names in one UTF-8 block, cut at `nameEnds`, byte
 * offsets: binary, so it crosses the channel without JSON). Path i is `folders[folderOf[i]] + '/' + name
 * i`, or the name alone when its folder is ''.
 */
export interface PathColumn {
  folders: string[];
  /** 16-bit while there are at most 65,536 folders (half the bytes on the channel). */
  folderOf: Uint32Array | Uint16Array;
  names: Uint8Array;
  nameEnds: Uint32Array;
}

export interface RunProgress {
  running: boolean;
  /** Files scored in this run, and those of them whose rows reached the store (the batch service's counts). */
  done: number;
  saved: number;
  total: number;
  /** Already in the store (unchanged files). */
  skipped: number;
  failed: number;
  imagesPerS?: number;
  etaS?: number;
  /** Set when a run ended: finished, cancelled, or failed as a whole (with the reason). */
  ended?: 'finished' | 'cancelled' | 'failed';
  message?: string;
}

export interface CurvePoints {
  x: number[];
  y: number[];
}

export interface ModelMetrics {
  model: number;
  positives: number;
  negatives: number;
  /** Undefined when one class is missing. */
  rocAuc?: number;
  averagePrecision?: number;
  /** ROC: x = false-positive rate, y = true-positive rate (thinned to a few hundred points). */
  roc?: CurvePoints;
  /** PR: x = recall, y = precision. */
  pr?: CurvePoints;
}

/** A user label (docs/labels.md). */
export type MarkLabel = 'normal' | 'abnormal' | 'unsure';

/**
 * A row's entry in the active label set: [row, label | null, note | null, status, boxes?]. 'stale': the file's
 * bytes changed since it was labelled; 'moved': found by content hash under another path. boxes: the image's
 * box marks (whole image pixels, docs/labels.md), absent when it has none.
 */
export type RowMark = [
  row: number,
  label: MarkLabel | null,
  note: string | null,
  status: 'ok' | 'stale' | 'moved',
  boxes?: LabelBox[],
];

/** The active label set as the panel shows it. */
export interface LabelSetInfo {
  /** Set name (the file's name without .csv). */
  name: string;
  /** Workspace-relative path of its file. */
  file: string;
  /** Why the file cannot be used, with its line (a hand edit broke it); labelling is refused meanwhile. */
  problem?: string;
  canUndo: boolean;
}

/** Dataset-quality flags; bit i of QualityCell's flags is QUALITY_FLAG_NAMES[i]. */
export const QUALITY_FLAG_NAMES = [
  'unreadable',
  'exactDuplicate',
  'nearDuplicate',
  'dark',
  'bright',
  'lowInformation',
  'blurry',
  'oddSize',
  'oddAspect',
] as const satisfies readonly QualityFlag[];
const everyQualityFlag: [Exclude<QualityFlag, (typeof QUALITY_FLAG_NAMES)[number]>] extends [never] ? true : never =
  true;
void everyQualityFlag;

/**
 * A row's dataset-quality verdict, positional: [row, flag bits, group, mean, p1, p99, entropy, sharpness,
 * width, height] (measures as in docs/results-store.md). group: the row of the first member of the row's duplicate group (near or exact; -1 when none),
 * so a group sorts together. The measures are null for a file that was never decoded.
 */
export type QualityCell = [
  row: number,
  flags: number,
  group: number,
  mean: number | null,
  p1: number | null,
  p99: number | null,
  entropy: number | null,
  sharpness: number | null,
  width: number | null,
  height: number | null,
];

/** Host -> webview one-way messages. */
export type HostToResultsNotifications = {
  init: {
    source: ResultsSource;
    /** Folder name for the title. */
    title: string;
    models: ResultsModel[];
    /** Where ground truth comes from ('folders' for NORMAL/ and PNEUMONIA/ or MURA names, or the CSV's name). */
    labelsFrom?: string;
    /** Rows and cells follow; drop whatever an earlier init showed. */
    reset: boolean;
    /** Rows may come with thumbnails (the table keeps a column for them). */
    thumbnails: boolean;
  };
  /**
   * New rows and new or changed cells in one message, so that the table sorts once for both. Rows are
   * numbered from `first`: paths relative to the root with '/' separators (as a PathColumn: far cheaper to
   * carry than 100,000 strings), and their ground truth.
   */
  /**
   * The first screenful of rows in the order the page asked for in `ready` (HeadWanted), sent before the
   * whole table so that a panel of 100,000 rows shows its top rows while the rest crosses the channel. `rows`
   * are the host's row numbers, in that order; `total` the rows the `data` messages will bring. The page
   * shows these alone until the first `data` message, which holds them again.
   */
  head: {
    /**
     * The request it was made for, when the host sent it before the page asked (protocol/resultsHead.ts): the
     * page shows it only if it serves its own.
     */
    wanted?: HeadWanted;
    total: number;
    rows: Uint32Array;
    paths: PathColumn;
    labels: Int8Array;
    cells: ColumnCells[];
    sentAt?: number;
    host?: HostTimes;
  };
  data: {
    rows?: { first: number; paths: PathColumn; labels: Int8Array };
    cells: ColumnCells[];
    /** Columns whose changed rows are one run of rows (a whole table): applied as `cells`. */
    dense?: DenseCells[];
    /** Date.now() on the host when it sent this (the panel's timeline: what the channel took). */
    sentAt?: number;
    /** Host milliseconds spent building this message (numbering, encoding) before `sentAt`. */
    buildMs?: number;
    host?: HostTimes;
  };
  progress: RunProgress;
  metrics: { labelsFrom?: string; models: ModelMetrics[] };
  /**
   * Thumbnails as data the page may show (webview resource URIs), by row: those the page asked for;
   * `heatmaps` by row and model column (grey: value/255 is the map's normalised value, 0.5 at the model's
   * threshold; the page colours them). `dropped`: rows asked for whose thumbnail the host will not make
   * now (its small queue overflowed, or the engine was busy restarting): the page may ask again when they show.
   */
  thumbnails: {
    items: { row: number; src: string }[];
    heatmaps?: { row: number; model: number; src: string }[];
    dropped?: number[];
  };
  /** The active label set and its rows' marks (all of them when `reset`, else changed rows only). */
  marks: { set: LabelSetInfo; reset: boolean; items: RowMark[] };
  /** Every row's quality verdict (recomputed whole: duplicates and medians depend on the whole folder). */
  quality: { items: QualityCell[] };
  /**
   * "More like this" for `anchor`: the rows whose images are nearest by the model's backbone features, most
   * similar first (cosine similarity each), or why there are none (`message`).
   */
  similar: SimilarRows;
  /** Score drift of the folder per model column (null: nothing to say, e.g. too few scores). */
  drift: { notes: (DriftNote | null)[] };
  /** The embedding map of a model column: its progress while computed, then its points (docs/embedding-map.md). */
  map: EmbeddingMapMessage;
};

/**
 * The embedding map of model column `model`: 'computing' (with progress), 'ready' (one point per row whose
 * content has stored features: `rows`, `x`, `y` in [0, 1], binary), 'none' (no features; `message` says why),
 * 'cancelled' or 'failed' (`message`).
 */
export interface EmbeddingMapMessage {
  model: number;
  status: 'computing' | 'ready' | 'none' | 'cancelled' | 'failed';
  progress?: { phase: 'load' | 'reduce' | 'neighbours' | 'layout' | 'place'; done: number; total: number };
  rows?: Uint32Array;
  x?: Float32Array;
  y?: Float32Array;
  /** Distinct contents placed, and how many UMAP was fitted on (the others placed by its transform). */
  contents?: number;
  fitted?: number;
  /** Read from the cache rather than computed now; how long the computation took (ms) when it was. */
  cached?: boolean;
  ms?: number;
  message?: string;
}

export type SortKey = 'path' | 'raw' | 'normalized' | 'flag' | 'error' | 'label' | 'quality';
/** Rows by dataset quality: 'any' flag, 'none', exact or near 'duplicates', or one flag. */
export type QualityFilter = 'all' | 'any' | 'none' | 'duplicates' | (typeof QUALITY_FLAG_NAMES)[number];
export type FlagFilter = 'all' | 'flagged' | 'unflagged' | 'errors';

/** The webview's view of the rows; saved with the panel and reported to tests. */
export interface ResultsQuery {
  /** Model column the score, flag and histogram refer to. */
  model: number;
  sort: { key: SortKey; descending: boolean };
  text: string;
  /** Folder prefix ('' for all). */
  folder: string;
  flag: FlagFilter;
  /** Normalised score range, inclusive; undefined: open. */
  min?: number;
  max?: number;
  /** Dataset-quality filter ('all' when absent). */
  quality?: QualityFilter;
}

/** What a diagnostic `act` request asks the webview to do, as if through its own controls. */
/** A change to the query: absent fields stay; `null` clears the score range (JSON has no undefined). */
export type QueryPatch = Partial<Omit<ResultsQuery, 'min' | 'max'>> & { min?: number | null; max?: number | null };

export type ResultsAction =
  | { action: 'setQuery'; query: QueryPatch }
  | { action: 'setThreshold'; model: number; threshold: number }
  /** The histogram's threshold line dragged from one normalised score to another (pointer events in the chart). */
  | { action: 'dragThreshold'; from: number; to: number }
  | { action: 'select'; rows: number[] }
  | { action: 'openRow'; row: number }
  /** Keys pressed in the table (as the keyboard would), e.g. ['j', '2', 'shift+ArrowDown']. */
  | { action: 'keys'; keys: string[] }
  /** Show the table, the grid of thumbnails or the model comparison. */
  | { action: 'layout'; layout: PanelLayout }
  /** The two model columns the comparison view compares (x then y). */
  | { action: 'compareModels'; a: number; b: number }
  /** A click on this row's point in the comparison's scatter plot (pointer events on the canvas). */
  | { action: 'clickPoint'; row: number }
  /** "More Like This" on a row (as its button does), and back to the whole table. */
  | { action: 'moreLikeThis'; row: number }
  | { action: 'clearSimilar' }
  /** The Export and Threshold from Labels buttons (the palette's commands press them: the panel's order and selection). */
  | { action: 'export' }
  | { action: 'recalibrate' }
  /** A lasso drawn on the embedding map with the pointer, through these points (map coordinates, 0..1); `add`: shift held. */
  | { action: 'lasso'; points: [number, number][]; add?: boolean }
  /** What the embedding map's points are coloured by. */
  | { action: 'mapColour'; by: MapColour }
  /** The pointer over this row's point on the embedding map (its hover tip with the thumbnail). */
  | { action: 'hoverPoint'; row: number }
  /** The map's "Show in Table": the table then shows only the selected rows. */
  | { action: 'showSelection' }
  /** A table column's header edge dragged to this width in CSS pixels (null: its own width again). */
  | { action: 'resizeColumn'; column: string; px: number | null };

export type MapColour = 'score' | 'label' | 'truth';

export interface SimilarRows {
  anchor: number;
  /** Model column whose features were compared. */
  model: number;
  rows: number[];
  similarity: number[];
  message?: string;
  /** Rows chosen on the embedding map (lasso, then "Show in Table"), not neighbours: no similarity to show. */
  fromMap?: boolean;
}

export type PanelLayout = 'table' | 'grid' | 'compare' | 'map';

/** The comparison view as drawn (present while it is shown). */
export interface CompareReport {
  models: [number, number];
  /** Rows of the current view both models scored. */
  n: number;
  spearman: number | null;
  kendall: number | null;
  /** The figures as the view prints them. */
  text: string;
  quadrants: { both: number; onlyX: number; onlyY: number; neither: number };
  /** Points drawn in the scatter plot. */
  points: number;
  /** The disagreement list, in order, with each image's point in the scatter plot (normalised scores). */
  disagreements: { row: number; path: string; rankA: number; rankB: number; x: number; y: number }[];
}

/**
 * The order of the rows a fresh page will show first, when the host can give it without the page's own
 * query code: no filter, sorted by a score column (raw and normalised keep one order) or by path. Rows
 * without a score come last whichever the direction; ties fall back to the path, then the row number.
 */
export interface HeadWanted {
  model: number;
  key: 'raw' | 'normalized' | 'path';
  descending: boolean;
  /** How many rows (a screenful and a little more). */
  rows: number;
}

/** Date.now() stamps of the host's part of an open (the panel's timeline). */
export interface HostTimes {
  /** The panel and its page were created. */
  created?: number;
  /** The stored rows were read (start, end). */
  readStart?: number;
  readEnd?: number;
  /** The page's `ready` reached the host. */
  ready?: number;
  /** The host sent the page its first rows (a head, or every row of a small store) before the page asked. */
  pushed?: number;
}

export interface PanelTimeline {
  /**
   * The page's document began loading (performance.timeOrigin: VS Code's empty fake.html), that empty
   * document was loaded (VS Code then writes the page into it), and the page's script started (`started`).
   */
  pageOrigin?: number;
  pageShellLoaded?: number;
  started?: number;
  /** The page sent `ready` (before building its views: the head crosses meanwhile). */
  readySent?: number;
  /** The page's views were built and mounted (its script's first task ends here). */
  built?: number;
  /** The host's own stamps (HostTimes), as its first message carried them. */
  host?: HostTimes;
  /** The head (first screenful) was sent, reached the page, and its rows were drawn. */
  headSent?: number;
  headArrived?: number;
  /** The first rows (head or table) were drawn and the frame holding them painted (the task after it). */
  firstPainted?: number;
  /** When the host sent the first `data` message (after building it for `firstDataBuildMs`), when the page's
   * handler got it (`firstDataArrived`: the channel's share), and when it was decoded and taken in. */
  firstDataSent?: number;
  firstDataBuildMs?: number;
  firstDataArrived?: number;
  firstData?: number;
  firstRows?: number;
  lastRows?: number;
}

export interface ResultsReport {
  rows: number;
  /** Rows the filters let through, in the table's order. */
  visible: number;
  /** First visible rows' paths, in order (at most 50). */
  top: {
    row: number;
    path: string;
    raw: number | null;
    normalized: number | null;
    flagged: boolean;
    error: string | null;
    /** The row's label in the active set, if any. */
    mark?: MarkLabel;
    note?: string;
    /** The row's dataset-quality flags, once the host has sent them. */
    quality?: string[];
    /** Its duplicate group (the group's first row), when it has one. */
    group?: number;
  }[];
  /** Rows per dataset-quality flag (once the host has sent verdicts). */
  quality?: Record<string, number>;
  /** "More like this" in force: its image and how many neighbours are shown (or why none). */
  similar?: { anchor: number; rows: number; message?: string };
  /** The active label set, and how many rows of this panel carry each label. */
  labels?: LabelSetInfo & { counts: Record<MarkLabel, number> };
  query: ResultsQuery;
  thresholds: number[];
  /** Rows at or above the threshold of the query's model, among all rows. */
  flagged: number;
  errors: number;
  selected: string[];
  histogram: { bins: number; total: number };
  metrics?: { model: number; rocAuc?: number; averagePrecision?: number }[];
  progress?: RunProgress;
  /** The run status line the header shows for `progress`. */
  progressText?: string;
  /** Rows the table has in the DOM now (proves virtualisation). */
  rendered: number;
  /** Thumbnails the table shows now: its rows' images that loaded (what a user sees, not what is held). */
  thumbnailsShown?: number;
  /** Box marks drawn over those thumbnails. */
  thumbnailBoxes?: number;
  /** The drift line shown for the query's model, if any. */
  drift?: { status: DriftNote['status']; images: number; normals?: number; text: string };
  /** The text of the top row on screen, cell by cell (what is drawn, not what is held). */
  firstRowText?: string[];
  /**
   * The table's columns as drawn: header width, whether the header's text is cut, and for the top row's
   * cell whether its text is cut (the path's file name; CSS pixels). `overflow`: the rows are wider than
   * the table and scroll sideways.
   */
  columns?: { id: string; width: number; cut: boolean }[];
  /** The page's width (CSS pixels) and where the preview and charts are: beside the main view or below it. */
  page?: { width: number; side: 'beside' | 'below'; theme: 'light' | 'dark' | 'high-contrast'; scrollY: number };
  /**
   * The table's box: whole rows a user sees without scrolling (its part inside the page's viewport), how far
   * its rows are scrolled sideways, and whether they are wider than it (then the path sticks at its left).
   */
  table?: { rowsInView: number; scrollLeft: number; sideways: boolean };
  /** What the table's status line (read by screen readers) said last: a column resized. */
  tableSaid?: string;
  /** The column widths in the page's saved state (what a reload reads back). */
  savedColumnWidths?: Record<string, number>;
  /** The query in the page's saved state (saved a moment after the last change). */
  savedQuery?: ResultsQuery;
  /** The selection's anchor (the row keys move) is wholly inside the table's visible area. */
  anchorInView?: boolean;
  /**
   * Date.now() when the page started, when the first `data` message was sent and arrived, when the table
   * first showed rows, and when it showed all rows of the last `data` message.
   */
  timeline: PanelTimeline;
  layout?: PanelLayout;
  compare?: CompareReport;
  grid?: GridReport;
  map?: MapReport;
  preview?: PreviewReport;
}

/** The preview of the selected image beside the charts, as drawn. */
export interface PreviewReport {
  row?: number;
  /** The model column whose heatmap it shows. */
  model: number;
  /** The thumbnail and the heatmap over it loaded and show. */
  thumbnail: boolean;
  heatmap: boolean;
  /** Why there is no heatmap (or no preview), as shown. */
  message?: string;
  /** The image's label line as shown (label, status, note), absent when it has none. */
  mark?: string;
  /** Box marks drawn over the image. */
  boxes?: number;
}

/** The embedding map as drawn (present while it is shown). */
export interface MapReport {
  model: number;
  status: EmbeddingMapMessage['status'] | 'waiting';
  /** Points drawn (rows on the map that the panel's filters let through). */
  points: number;
  colourBy: MapColour;
  /** The legend's entries as shown. */
  legend: string[];
  /** Progress or status text as shown. */
  text: string;
  cached?: boolean;
  ms?: number;
  /** The hover tip shown: its image's row, whether its thumbnail is loaded, its text. */
  hover?: { row: number; thumbnail: boolean; text: string };
  /** Each drawn point (at most 2,000): its row and place on the map (0..1). */
  positions?: { row: number; x: number; y: number }[];
}

/** The grid view as drawn (present while it is shown). */
export interface GridReport {
  columns: number;
  /** Tiles in the DOM now (proves virtualisation). */
  tiles: number;
  withThumbnail: number;
  /** Tiles holding the query model's heatmap (shown on hover, or on all with `h`). */
  withHeatmap: number;
  heatmapsAlways: boolean;
  /** Tiles drawing box marks over their thumbnail, and how many boxes they draw in all. */
  withBoxes?: { tiles: number; boxes: number };
  /** Paths of the first tiles in the DOM, in grid order (at most 12). */
  first: string[];
}

/**
 * Frame timing inside the webview (the bench): record requestAnimationFrame deltas and long tasks for `ms`
 * milliseconds (the test presses keys meanwhile), or while the table is scrolled from top to bottom in
 * `sweepFrames` frames (as a wheel would, one scroll step per frame).
 */
export interface FrameProbeRequest {
  ms?: number;
  sweepFrames?: number;
  /** Sweep by this many pixels a frame, turning back at either end (the same work per frame at any size). */
  stepPx?: number;
}

export interface FrameProbeResult {
  frames: number;
  /** requestAnimationFrame deltas, ms. */
  p50: number;
  p95: number;
  max: number;
  /**
   * Frames longer than 16.7 ms (a 60 Hz frame missed). The deltas themselves cannot go below one refresh
   * (16.7 ms at 60 Hz): a p95 of 16.7 means fewer than 5% of frames were dropped, not that work took that long.
   */
  over16: number;
  /** The table's own work per redraw (row recycling and filling), ms. */
  workP50: number;
  workP95: number;
  redraws: number;
  /** PerformanceObserver long tasks (> 50 ms) seen meanwhile. */
  longTasks: number;
  longTaskMs: number;
  /** Scroll offset at the end, and the table's full height. */
  scrollTop: number;
  scrollHeight: number;
  ms: number;
}

/** Host -> webview requests (the webview answers). */
export type HostToResultsMethods = {
  getReport: [Record<string, never>, ResultsReport];
  probeFrames: [FrameProbeRequest, FrameProbeResult];
  act: [ResultsAction, ResultsReport];
  /** The row `delta` steps from `row` in the webview's current order (undefined at either end); it becomes the selection. */
  neighbour: [{ row: number; delta: 1 | -1 }, { row: number } | undefined];
};

/** Webview -> host one-way messages. */
export type ResultsToHostNotifications = {
  /** The page listens; `head`: it would show these rows first (see the `head` notification). */
  ready: { head?: HeadWanted };
  /**
   * The head (first screenful) was drawn and painted: the host sends the rows now. Sent later, they would
   * have held the head back (the workbench and the page share a thread, which decodes the big message first).
   */
  headShown: Record<string, never>;
  /** The table drew the rows of the last `data` message (the host's heavier follow-up waits for it). */
  rowsShown: { rows: number };
  /** Open a row's image in the X-ray viewer, scored with that model column. */
  open: { row: number; model: number };
  /** Thumbnails wanted for these rows (the visible ones). */
  wantThumbnails: { rows: number[] };
  /** Copy the paths of these rows (the selection) to the clipboard. */
  copyPaths: { rows: number[] };
  /** Ask for a labels CSV (open dialog on the host). */
  chooseLabels: Record<string, never>;
  /** Run the scoring again on the same folder and models (unchanged files are skipped). */
  rescore: Record<string, never>;
  cancel: Record<string, never>;
  /** Label these rows (null clears their label): one undo step. */
  label: { rows: number[]; label: MarkLabel | null };
  /** Ask the user for a note for these rows. */
  note: { rows: number[] };
  /** Undo the last label change of the active set. */
  undoLabel: Record<string, never>;
  /** Pick (or create) the active label set. */
  chooseLabelSet: Record<string, never>;
  /** Export scores, flags and labels (the rows in the panel's order; `selected` for copy/move). */
  export: { rows: number[]; selected: number[]; thresholds: number[] };
  /** Offer to recalibrate a model column's threshold on the rows labelled normal. */
  recalibrate: { model: number };
  /** The embedding map of a model column (answered with `map` messages); `cancel` stops its computation. */
  wantMap: { model: number };
  cancelMap: Record<string, never>;
  /** Images like this row's, by the model column's backbone features (answered with `similar`). */
  moreLikeThis: { row: number; model: number };
  log: { level: 'info' | 'warn' | 'error'; message: string };
};

/** Webview -> host requests: none yet; the envelope exists so the panel answers with RPC responses. */
export type HostToResultsMessage = NotificationOf<HostToResultsNotifications> | RequestOf<HostToResultsMethods>;
export type ResultsToHostMessage = NotificationOf<ResultsToHostNotifications> | ResponseMsg;

export type { ErrorInfo };
