/**
 * The results webview's message handler: what each host notification does to the state (the one place
 * that changes it) and how each host request is answered, for the shared HostBridge / RpcHandler. Pure,
 * so it is tested without a DOM; what needs the views (a simulated drag, the rendered-row count) comes in
 * through `ViewHooks`. Unknown methods and unusable parameters are refused by the RpcHandler (BAD_REQUEST).
 */
import type {
  EmbeddingMapMessage,
  ColumnCells,
  DenseCells,
  PathColumn,
  FrameProbeRequest,
  FrameProbeResult,
  HostToResultsMethods,
  HostToResultsNotifications,
  ResultsAction,
  ResultsReport,
  SimilarRows,
} from '../../protocol/results';
import type { ParamChecks } from '../../protocol/rpc';
import type { Served } from '../shared/hostBridge';
import { decodePaths } from './pathColumn';
import { unpackDense } from './denseCells';
import { buildReport } from './report';
import type { PanelState } from './state';

export interface ViewHooks {
  /** Draws the state's pending changes now (they wait for the next frame otherwise). */
  settle?(): void;
  rendered(): number;
  /** The top row on screen, cell by cell. */
  firstRowText?(): string[];
  dragThreshold(from: number, to: number): void;
  open(row: number, model: number): void;
  reveal(row: number): void;
  /** Resizes a table column as a drag of its header's edge would (undefined: its own width again). */
  resizeColumn?(id: string, px: number | undefined): void;
  /** Presses keys in the table, as the keyboard would (labelling keys included). */
  keys?(names: string[]): void;
  /** Frame timing inside the page (the bench). */
  probe?(req: FrameProbeRequest): Promise<FrameProbeResult>;
  /** Clicks a row's point in the comparison's scatter plot. */
  clickPoint?(row: number): void;
  /** Asks the host for the images like this row's ("More Like This"). */
  moreLikeThis?(row: number): void;
  /** A lasso drawn on the embedding map through these map points (pointer events on its canvas). */
  lasso?(points: [number, number][], add: boolean): void;
  hoverPoint?(row: number): void;
  /** The label bar's Export and Threshold from Labels buttons. */
  exportRows?(): void;
  recalibrate?(): void;
  /** What the views other than the table add to the report (the comparison as drawn). */
  report?(): Partial<ResultsReport>;
}

type Names = keyof HostToResultsMethods | keyof HostToResultsNotifications;

const ACTIONS: ResultsAction['action'][] = [
  'setQuery',
  'setThreshold',
  'dragThreshold',
  'select',
  'openRow',
  'keys',
  'layout',
  'compareModels',
  'clickPoint',
  'moreLikeThis',
  'clearSimilar',
  'export',
  'recalibrate',
  'lasso',
  'mapColour',
  'showSelection',
  'hoverPoint',
  'resizeColumn',
];
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
/** An array or a typed array (VS Code carries typed arrays as such). */
const isList = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || ArrayBuffer.isView(v);
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function pathColumn(v: unknown): boolean {
  const p = v as Partial<PathColumn> | undefined;
  return !!p && isArray(p.folders) && isList(p.folderOf) && p.names instanceof Uint8Array && isList(p.nameEnds);
}

function cellsProblem(cells: unknown): string | undefined {
  if (!isArray(cells)) return 'it has no cells';
  for (const c of cells as Partial<ColumnCells>[]) {
    if (!isInt(c.model) || !isList(c.rows) || !isList(c.raw) || !isList(c.normalized) || !isArray(c.errors))
      return 'a column of cells is malformed';
    if (c.raw.length !== c.rows.length || c.normalized.length !== c.rows.length)
      return 'a column of cells has arrays of different lengths';
  }
  return undefined;
}

/** What must hold before a handler runs (the rest is checked where used, e.g. RowTable.applyCells). */
export const resultsChecks: ParamChecks<Names> = {
  init: (p) => {
    const m = p as Partial<HostToResultsNotifications['init']>;
    if (!isArray(m.models)) return 'it has no model list';
    if (typeof m.source?.root !== 'string' || !isArray(m.source.models)) return 'its source is malformed';
    return undefined;
  },
  data: (p) => {
    const m = p as Partial<HostToResultsNotifications['data']>;
    if (m.rows !== undefined) {
      if (!isInt(m.rows.first)) return 'its first row is not a row number';
      if (!pathColumn(m.rows.paths)) return 'it has no paths';
      if (!isList(m.rows.labels)) return 'it has no labels';
    }
    if (m.dense !== undefined) {
      if (!isArray(m.dense)) return 'its dense cells are not a list';
      for (const d of m.dense as Partial<DenseCells>[]) {
        if (!isInt(d.model) || !isInt(d.first) || !isList(d.raw) || !isList(d.normalized) || !isArray(d.errors))
          return 'a column of dense cells is malformed';
        if (d.raw.length !== d.normalized.length) return 'a column of dense cells has arrays of different lengths';
      }
    }
    return cellsProblem(m.cells);
  },
  head: (p) => {
    const m = p as Partial<HostToResultsNotifications['head']>;
    if (!isInt(m.total) || !isList(m.rows) || !isList(m.labels) || m.labels.length !== m.rows.length)
      return 'its rows or labels are malformed';
    if (!pathColumn(m.paths)) return 'it has no paths';
    return cellsProblem(m.cells);
  },
  metrics: (p) => (isArray((p as { models?: unknown }).models) ? undefined : 'it has no model list'),
  thumbnails: (p) => (isArray((p as { items?: unknown }).items) ? undefined : 'it has no items'),
  marks: (p) => {
    const m = p as Partial<HostToResultsNotifications['marks']>;
    return isArray(m.items) && typeof m.set?.name === 'string' ? undefined : 'it has no items or no label set';
  },
  quality: (p) => (isArray((p as { items?: unknown }).items) ? undefined : 'it has no items'),
  similar: (p) => {
    const m = p as Partial<SimilarRows>;
    return isInt(m.anchor) && isArray(m.rows) && isArray(m.similarity) ? undefined : 'it has no anchor or rows';
  },
  drift: (p) => (isArray((p as { notes?: unknown }).notes) ? undefined : 'it has no notes'),
  map: (p) => {
    const m = p as Partial<EmbeddingMapMessage>;
    if (!isInt(m.model) || typeof m.status !== 'string') return 'it has no model column or status';
    if (m.status !== 'ready') return undefined;
    return isList(m.rows) && isList(m.x) && isList(m.y) && m.x.length === m.rows.length && m.y.length === m.rows.length
      ? undefined
      : 'its points are malformed';
  },
  act: (p) => {
    const action = (p as { action?: unknown }).action;
    return ACTIONS.includes(action as ResultsAction['action'])
      ? undefined
      : `it names no known action (${String(action)})`;
  },
  probeFrames: (p) => {
    const m = p as FrameProbeRequest;
    const ok = (v: unknown) => v === undefined || (typeof v === 'number' && v >= 0 && v <= 120_000);
    return ok(m.ms) && ok(m.sweepFrames) && ok(m.stepPx)
      ? undefined
      : 'ms, sweepFrames and stepPx must be numbers from 0 to 120000';
  },
  neighbour: (p) => {
    const m = p as { row?: unknown; delta?: unknown };
    return isInt(m.row) && (m.delta === 1 || m.delta === -1) ? undefined : 'it needs a row and a delta of 1 or -1';
  },
};

export function resultsServed(
  state: PanelState,
  views: ViewHooks,
  log: (message: string) => void,
): Served<HostToResultsMethods, HostToResultsNotifications> {
  // A report describes what is drawn: an action's (or a message's) changes are drawn first, not a frame later,
  // so a state field and the view that shows it can never disagree in one report.
  const report = () => {
    views.settle?.();
    return reportNow();
  };
  const reportNow = () => ({
    ...buildReport(state, views.rendered(), views.firstRowText?.()),
    layout: state.layout,
    ...views.report?.(),
  });
  return {
    requests: {
      getReport: () => report(),
      act: (action) => {
        runAction(state, action, views);
        return report();
      },
      neighbour: ({ row, delta }) => {
        const next = state.neighbour(row, delta);
        if (next === undefined) return undefined;
        state.select(next, 'replace');
        views.reveal(next);
        return { row: next };
      },
      probeFrames: (req) => {
        if (!views.probe) throw new Error('this panel cannot time its frames');
        return views.probe(req);
      },
    },
    notifications: {
      init: (p) => state.init(p),
      head: (p) => {
        const paths = decodePaths(p.paths);
        if (paths.length !== p.rows.length) throw new Error(`${paths.length} paths but ${p.rows.length} rows`);
        state.addHead(p, paths);
      },
      data: (p) => {
        state.noteArrival(p.sentAt, p.buildMs);
        state.noteHost(p.host);
        const r = p.rows;
        const paths = r ? decodePaths(r.paths) : [];
        if (r && paths.length !== r.labels.length)
          throw new Error(`${paths.length} paths but ${r.labels.length} labels`);
        const cells = p.dense?.length ? [...p.cells, ...p.dense.map(unpackDense)] : p.cells;
        state.addData(r && { first: r.first, paths, labels: r.labels }, cells, p.sentAt);
      },
      progress: (p) => state.setProgress(p),
      metrics: (p) => state.setMetrics(p.labelsFrom, p.models),
      thumbnails: (p) =>
        state.setThumbnails(
          p.items,
          Array.isArray(p.heatmaps) ? p.heatmaps : [],
          Array.isArray(p.dropped) ? p.dropped.filter(Number.isInteger) : [],
        ),
      marks: (p) => state.setMarks(p),
      quality: (p) => state.setQuality(p),
      similar: (p) => state.setSimilar(p),
      drift: (p) => state.setDrift(p.notes),
      map: (p) => state.setMap(p),
    },
    checks: resultsChecks,
    // A bad message must never take the panel down; say what happened and keep going.
    onNotificationError: (type, error) => log(`Results panel could not handle "${type}": ${error.message}`),
  };
}

/** The selected rows alone in the table (the map's "Show in Table"), in the table's order; Show All leaves. */
export function showSelection(state: PanelState): void {
  const rows = [...state.view].filter((r) => state.selection.has(r));
  if (!rows.length) return;
  state.setSimilar({ anchor: rows[0], model: state.query.model, rows, similarity: [], fromMap: true });
  // The layout goes to the table after the rows changed, so the table draws them.
  state.setLayout('table');
}

export function runAction(state: PanelState, a: ResultsAction, views: ViewHooks): void {
  switch (a.action) {
    case 'setQuery':
      state.setQuery(a.query);
      return;
    case 'setThreshold':
      state.setThreshold(a.model, a.threshold);
      return;
    case 'dragThreshold':
      views.dragThreshold(a.from, a.to);
      return;
    case 'select':
      state.selectRows(a.rows);
      return;
    case 'openRow':
      state.select(a.row, 'replace');
      views.open(a.row, state.query.model);
      return;
    case 'keys':
      views.keys?.(a.keys);
      return;
    case 'layout':
      state.setLayout(a.layout);
      return;
    case 'compareModels':
      state.setComparePair(a.a, a.b);
      return;
    case 'clickPoint':
      views.clickPoint?.(a.row);
      return;
    case 'moreLikeThis':
      state.select(a.row, 'replace');
      views.moreLikeThis?.(a.row);
      return;
    case 'clearSimilar':
      state.setSimilar(undefined);
      return;
    case 'resizeColumn':
      views.resizeColumn?.(String(a.column), typeof a.px === 'number' ? a.px : undefined);
      return;
    case 'export':
      views.exportRows?.();
      return;
    case 'lasso':
      views.lasso?.(a.points, !!a.add);
      return;
    case 'hoverPoint':
      views.hoverPoint?.(a.row);
      return;
    case 'mapColour':
      state.setMapColour(a.by);
      return;
    case 'showSelection':
      showSelection(state);
      return;
    case 'recalibrate':
      views.recalibrate?.();
      return;
  }
}
