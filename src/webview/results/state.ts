/**
 * The panel's state and the one place that changes it. Views subscribe and redraw what a change touches;
 * the table's order is recomputed lazily (at most once per frame while a run streams rows in).
 */
import type {
  EmbeddingMapMessage,
  MapColour,
  SimilarRows,
  ColumnCells,
  HeadWanted,
  HostTimes,
  HostToResultsNotifications,
  QueryPatch,
  ModelMetrics,
  PanelLayout,
  PanelTimeline,
  ResultsModel,
  ResultsQuery,
  ResultsSource,
  RunProgress,
} from '../../protocol/results';
import type { DriftNote } from '../../protocol/drift';
import { headAnswers } from '../../protocol/resultsHead';
import { PathRanks, runQuery, sanitizeQuery, DEFAULT_QUERY } from './query';
import { MarkTable } from './marks';
import { RowTable } from './rows';

/** Rows as the table takes them: numbered from `first`, a path and a ground-truth label (-1, 0, 1) each. */

/** Rows whose thumbnail and heatmaps the page keeps (about 4 KB each as data: URIs; a screen shows a few hundred). */
export const KEEP_IMAGES = 4000;
export interface NewRows {
  first: number;
  paths: readonly string[];
  labels: ArrayLike<number>;
}

export type Change =
  | 'init'
  | 'rows'
  | 'query'
  | 'threshold'
  | 'selection'
  | 'progress'
  | 'metrics'
  | 'thumbnails'
  | 'marks'
  | 'layout'
  | 'drift'
  | 'map';

const LAYOUTS: PanelLayout[] = ['table', 'grid', 'compare', 'map'];

export interface Persisted {
  v: 1;
  source?: ResultsSource;
  query: ResultsQuery;
  thresholds: number[];
  scrollTop: number;
  layout?: PanelLayout;
  /** Table columns the user resized: CSS pixels by column id. */
  columnWidths?: Record<string, number>;
}

export class PanelState {
  table = new RowTable(1);
  models: ResultsModel[] = [];
  source?: ResultsSource;
  title = '';
  labelsFrom?: string;
  query: ResultsQuery = { ...DEFAULT_QUERY };
  thresholds: number[] = [0.5];
  /** Selected rows; `anchor` is where a shift-click range starts. */
  selection = new Set<number>();
  anchor?: number;
  progress?: RunProgress;
  metrics: ModelMetrics[] = [];
  /** Score drift per model column (core/scoring/drift.ts, worded by the host). */
  drift: (DriftNote | null)[] = [];
  thumbnails = new Map<number, string>();
  /** Heatmap images by row, one map per model column. */
  heatmaps: Map<number, string>[] = [];
  /** Rows whose thumbnail was asked for (the host sends it when it has one, now or once it is written). */
  readonly thumbsAsked = new Set<number>();
  /** The active label set's marks (user labels), apart from the ground truth in `table.labels`. */
  readonly marks = new MarkTable();
  scrollTop = 0;
  /** Table columns the user resized (CSS pixels by column id); the others keep their own width. */
  columnWidths: Record<string, number> = {};
  /** What the main area shows, and the two model columns the comparison compares (x, y). */
  layout: PanelLayout = 'table';
  comparePair: [number, number] = [0, 1];
  hasThumbnails = false;
  readonly timeline: PanelTimeline = { ...pageLoadTimes(), started: Date.now() };
  /** Rows or cells arrived and are not drawn yet (the timeline's lastRows is stamped when they are). */
  dataDrawPending = false;
  private order?: Uint32Array;
  /**
   * The host's first screenful (the `head` message), shown alone until the table's rows arrive: its rows in
   * order, and how many rows the table will hold.
   */
  head?: { order: Uint32Array; total: number };
  /** The head this page asked for in `ready` (none: its first view is not one the host can give ahead). */
  askedHead?: HeadWanted;
  similar?: SimilarRows;
  /** The embedding map last sent (any model column: the view asks for the query's), and what colours it. */
  map?: EmbeddingMapMessage;
  mapColour: MapColour = 'score';
  private readonly ranks = new PathRanks();
  private readonly listeners = new Set<(c: Change) => void>();

  constructor(saved?: Persisted) {
    if (saved) {
      this.query = saved.query;
      this.thresholds = saved.thresholds;
      this.scrollTop = saved.scrollTop;
      this.source = saved.source;
      this.layout = saved.layout ?? 'table';
      this.columnWidths = saved.columnWidths ?? {};
    }
  }

  on(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rows in the table's order (the filters applied). */
  get view(): Uint32Array {
    if (this.head && this.table.size === 0) return this.head.order;
    // "More like this" shows its rows, most similar first, instead of the query's.
    if (this.similar && !this.similar.message)
      return (this.order ??= Uint32Array.from(this.similar.rows.filter((r) => r < this.table.size)));
    return (this.order ??= runQuery(this.table, this.query, this.thresholds, this.ranks));
  }

  init(p: HostToResultsNotifications['init']): void {
    const sameSource =
      this.source?.root === p.source.root && this.source.models.join('\n') === p.source.models.join('\n');
    if (p.reset || this.table.modelCount !== p.models.length) {
      this.table = new RowTable(Math.max(1, p.models.length));
      this.head = undefined;
      this.selection.clear();
      this.thumbnails.clear();
      this.heatmaps = [];
      this.thumbsAsked.clear();
      this.metrics = [];
    }
    this.models = p.models;
    this.title = p.title;
    this.labelsFrom = p.labelsFrom;
    this.hasThumbnails = p.thumbnails;
    // A saved query and thresholds belong to the folder and models they were made for.
    if (!sameSource) {
      this.query = { ...DEFAULT_QUERY };
      this.thresholds = p.models.map(() => 0.5);
      this.scrollTop = 0;
    } else {
      this.query = sanitizeQuery(this.query, p.models.length);
      this.thresholds = p.models.map((_, i) => this.thresholds[i] ?? 0.5);
    }
    this.source = p.source;
    const [a, b] = this.comparePair;
    if (a >= p.models.length || b >= p.models.length || a === b) this.comparePair = [0, 1];
    if (this.layout === 'compare' && p.models.length < 2) this.layout = 'table';
    this.order = undefined;
    this.emit('init');
  }

  /**
   * What this page would show first, if the host can give it ahead of the rows (HeadWanted): with no filter,
   * sorted by a score or the path, at the top of the list. `rows`: a screenful and a little more.
   */
  headWanted(rows: number): HeadWanted | undefined {
    const q = this.query;
    const plain = !q.text && !q.folder && q.flag === 'all' && q.min === undefined && q.max === undefined && !q.quality;
    const key = q.sort.key;
    if (!plain || this.scrollTop > 0 || this.layout !== 'table') return undefined;
    if (key !== 'raw' && key !== 'normalized' && key !== 'path') return undefined;
    return { model: q.model, key, descending: q.sort.descending, rows };
  }

  /** The host's first screenful (see `head`): ignored once the table has rows, or when it is not the one asked for. */
  addHead(p: HostToResultsNotifications['head'], paths: readonly string[]): void {
    if (this.table.size > 0) return;
    // Sent before the page asked (protocol/resultsHead.ts): another order than this page's gets its own head.
    if (p.wanted && !headAnswers(p.wanted, this.askedHead)) return;
    this.timeline.headArrived ??= Date.now();
    this.timeline.headSent ??= typeof p.sentAt === 'number' ? p.sentAt : undefined;
    this.noteHost(p.host);
    this.table.placeHead(p.total, p.rows, paths, p.labels);
    for (const c of p.cells) this.table.applyCells(c, p.total);
    this.head = { order: Uint32Array.from(p.rows), total: p.total };
    this.order = undefined;
    this.emit('rows');
  }

  noteHost(host: HostTimes | undefined): void {
    // The first messages each carry them (a head sent before the page asked has no `ready` stamp yet).
    if (host && typeof host === 'object') this.timeline.host = { ...this.timeline.host, ...host };
  }

  /** A `data` message reached the page (before it is decoded): the timeline's split of the channel's time. */
  noteArrival(sentAt: unknown, buildMs: unknown): void {
    if (this.timeline.firstDataArrived !== undefined) return;
    this.timeline.firstDataArrived = Date.now();
    if (typeof buildMs === 'number') this.timeline.firstDataBuildMs = buildMs;
    if (typeof sentAt === 'number') this.timeline.firstDataSent = sentAt;
  }

  /** New rows and new or changed cells (one host message): the order is recomputed once for both. */
  addData(rows: NewRows | undefined, cells: readonly ColumnCells[] = [], sentAt?: number): void {
    if (this.timeline.firstData === undefined) {
      this.timeline.firstData = Date.now();
      this.timeline.firstDataSent = typeof sentAt === 'number' ? sentAt : undefined;
    }
    this.dataDrawPending = true;
    if (rows) this.table.addRows(rows.first, rows.paths, rows.labels);
    if (this.table.size > 0) this.head = undefined;
    for (const c of cells) this.table.applyCells(c);
    this.order = undefined;
    this.emit('rows');
  }

  /** "More like this" results (undefined: back to the query's rows). */
  setSimilar(p: SimilarRows | undefined): void {
    this.similar = p;
    this.order = undefined;
    this.emit('query');
  }

  setQuery(patch: QueryPatch): void {
    // Any change of the query leaves "more like this".
    this.similar = undefined;
    // null clears a bound: sanitizeQuery turns anything but a number into "open".
    this.query = sanitizeQuery(
      { ...this.query, ...patch, sort: { ...this.query.sort, ...patch.sort } },
      this.models.length,
    );
    this.order = undefined;
    this.emit('query');
  }

  setThreshold(model: number, value: number): void {
    if (model < 0 || model >= this.thresholds.length || !Number.isFinite(value)) return;
    this.thresholds[model] = Math.min(1, Math.max(0, value));
    // Only the flag filter and the flag sort depend on the threshold.
    if (
      model === this.query.model &&
      (this.query.flag === 'flagged' || this.query.flag === 'unflagged' || this.query.sort.key === 'flag')
    )
      this.order = undefined;
    this.emit('threshold');
  }

  /** Click semantics: plain replaces, toggle adds/removes one row, range extends from the anchor in view order. */
  select(row: number, mode: 'replace' | 'toggle' | 'range'): void {
    if (mode === 'range' && this.anchor !== undefined) {
      const view = this.view;
      const a = view.indexOf(this.anchor);
      const b = view.indexOf(row);
      if (a >= 0 && b >= 0) {
        this.selection.clear();
        for (let i = Math.min(a, b); i <= Math.max(a, b); i++) this.selection.add(view[i]);
        this.emit('selection');
        return;
      }
    }
    if (mode === 'toggle') {
      if (this.selection.has(row)) this.selection.delete(row);
      else this.selection.add(row);
    } else {
      this.selection.clear();
      this.selection.add(row);
    }
    this.anchor = row;
    this.emit('selection');
  }

  selectRows(rows: number[]): void {
    this.selection = new Set(rows.filter((r) => r >= 0 && r < this.table.size));
    this.anchor = rows[0];
    this.emit('selection');
  }

  /** The row `delta` places from `row` in the current order; undefined at either end or when it is filtered out. */
  neighbour(row: number, delta: 1 | -1): number | undefined {
    const view = this.view;
    const i = view.indexOf(row);
    if (i < 0) return undefined;
    const j = i + delta;
    return j >= 0 && j < view.length ? view[j] : undefined;
  }

  setLayout(layout: PanelLayout): void {
    if (!LAYOUTS.includes(layout) || (layout === 'compare' && this.models.length < 2)) return;
    this.layout = layout;
    this.emit('layout');
  }

  /** Compares model column `a` (x) with `b` (y); two different existing columns, else nothing changes. */
  setComparePair(a: number, b: number): void {
    const ok = (m: number) => Number.isInteger(m) && m >= 0 && m < this.models.length;
    if (!ok(a) || !ok(b) || a === b) return;
    this.comparePair = [a, b];
    this.emit('layout');
  }

  setMap(m: EmbeddingMapMessage): void {
    this.map = m;
    this.emit('map');
  }

  setMapColour(by: MapColour): void {
    if (by !== 'score' && by !== 'label' && by !== 'truth') return;
    this.mapColour = by;
    this.emit('map');
  }

  setProgress(p: RunProgress): void {
    this.progress = p;
    this.emit('progress');
  }

  setMetrics(labelsFrom: string | undefined, models: ModelMetrics[]): void {
    this.labelsFrom = labelsFrom ?? this.labelsFrom;
    this.metrics = models;
    this.emit('metrics');
  }

  setDrift(notes: (DriftNote | null)[]): void {
    this.drift = notes;
    this.emit('drift');
  }

  setThumbnails(
    items: { row: number; src: string }[],
    heatmaps: { row: number; model: number; src: string }[] = [],
    dropped: readonly number[] = [],
  ): void {
    for (const { row, src } of items) renew(this.thumbnails, row, src);
    // Not made now: asked again when the row next shows.
    for (const row of dropped) this.thumbsAsked.delete(row);
    for (const { row, model, src } of heatmaps) {
      if (!Number.isInteger(model) || model < 0 || model >= this.models.length) continue;
      renew((this.heatmaps[model] ??= new Map()), row, src);
    }
    // Images arrive as data: URIs (a few KB each): the page keeps the latest KEEP_IMAGES rows' and forgets the
    // oldest, which are asked for again if they show again.
    for (const map of [this.thumbnails, ...this.heatmaps]) {
      if (!map) continue;
      for (const row of map.keys()) {
        if (map.size <= KEEP_IMAGES) break;
        this.forgetImages(row);
      }
    }
    this.emit('thumbnails');
  }

  /** Drops a row's thumbnail and heatmaps; the views ask for them again when the row shows. */
  private forgetImages(row: number): void {
    this.thumbnails.delete(row);
    for (const map of this.heatmaps) map?.delete(row);
    this.thumbsAsked.delete(row);
  }

  setQuality(p: HostToResultsNotifications['quality']): void {
    this.table.quality.apply(p.items);
    this.order = undefined;
    this.emit('rows');
  }

  setMarks(p: HostToResultsNotifications['marks']): void {
    this.marks.apply(p.set, p.reset, p.items);
    this.emit('marks');
  }

  persisted(): Persisted {
    return {
      v: 1,
      source: this.source,
      query: this.query,
      thresholds: [...this.thresholds],
      scrollTop: this.scrollTop,
      layout: this.layout,
      columnWidths: { ...this.columnWidths },
    };
  }

  private emit(c: Change): void {
    for (const l of this.listeners) l(c);
  }
}

/** Saved state read back, every field checked (a panel saved by an older version must not break this one). */
export function readPersisted(raw: unknown): Persisted | undefined {
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== 1) return undefined;
  const r = raw as Record<string, unknown>;
  const s = r.source as Partial<ResultsSource> | undefined;
  const source =
    s && typeof s.root === 'string' && Array.isArray(s.models) && s.models.every((m) => typeof m === 'string')
      ? { root: s.root, models: s.models, labelsCsv: typeof s.labelsCsv === 'string' ? s.labelsCsv : undefined }
      : undefined;
  const models = source?.models.length ?? 1;
  const thresholds = Array.isArray(r.thresholds)
    ? r.thresholds.map((t) => (typeof t === 'number' && t >= 0 && t <= 1 ? t : 0.5))
    : [];
  return {
    v: 1,
    source,
    query: sanitizeQuery(r.query, models),
    thresholds: Array.from({ length: models }, (_, i) => thresholds[i] ?? 0.5),
    scrollTop: typeof r.scrollTop === 'number' && r.scrollTop >= 0 ? r.scrollTop : 0,
    layout: LAYOUTS.includes(r.layout as PanelLayout) ? (r.layout as PanelLayout) : undefined,
    columnWidths: readWidths(r.columnWidths),
  };
}

function readWidths(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, w] of Object.entries(v)) if (typeof w === 'number' && w >= 16 && w <= 4000) out[k] = w;
  return out;
}

/** Sets `key` as the newest entry of `map` (a Map iterates in insertion order: oldest first). */
function renew<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
}

/**
 * When the page's document began loading (VS Code's empty fake.html, through the webview's service worker),
 * when that empty document was loaded (VS Code then writes this page into it), both as Date.now() stamps.
 */
function pageLoadTimes(): Pick<PanelTimeline, 'pageOrigin' | 'pageShellLoaded'> {
  if (typeof performance === 'undefined' || !performance.timeOrigin) return {};
  const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  const origin = performance.timeOrigin;
  return {
    pageOrigin: Math.round(origin),
    pageShellLoaded: nav?.domContentLoadedEventEnd ? Math.round(origin + nav.domContentLoadedEventEnd) : undefined,
  };
}
