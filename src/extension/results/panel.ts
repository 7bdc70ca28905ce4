/**
 * One results panel: a webview panel over one scored folder and its model columns. It numbers rows
 * (RowIndex), sends them to the webview in chunks (a flush at most every 100 ms while a run streams),
 * replays everything to a webview that reloads, computes ROC/PR with core/metrics when the rows have
 * ground truth, and answers the webview's requests (open a row in the viewer, thumbnails, copy paths).
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseLabelsCsv } from '../../core/dataset/labels';
import { curves } from '../../core/metrics/curves';
import { Disposable, toDisposable } from '../../protocol/dispose';
import { PageStartWatch } from '../pageStart';
import { RpcClient, RpcHandler } from '../../protocol/rpc';
import type { DriftNote } from '../../protocol/drift';
import type {
  HeadWanted,
  HostTimes,
  HostToResultsMethods,
  HostToResultsNotifications,
  ModelMetrics,
  ResultsSource,
  ResultsToHostNotifications,
  RunProgress,
} from '../../protocol/results';
import type { Logger } from '../log';
import type { PanelColumns, PanelRow } from './backend';
import { columnsOfRows } from './panelColumns';
import { pageAsset } from '../pageAssets';
import { resultsHtml } from './html';
import { RowIndex, type ColumnCalibration } from './rowIndex';
import type { ResultsModel } from '../../protocol/results';
import { webviewL10n } from '../webviewL10n';
import { encodePaths } from './pathColumn';
import { packCells } from './denseCells';
import { PanelQuality } from './quality';
import { thumbPath } from '../../core/batch/mediaPaths';
import { ThumbQueue, type ThumbJob, type ThumbResults } from './thumbQueue';
import { PanelHeatmaps } from './panelHeatmaps';
import { FRESH_HEAD, headAnswers } from '../../protocol/resultsHead';

export const RESULTS_VIEW_TYPE = 'xrayAnomaly.results';
type HeatmapItem = { row: number; model: number; src: string };
/** Thumbnail URIs per message (the page asks for what it shows: a screenful or two). */
const THUMB_CHUNK = 2000;
/**
 * Below this many rows the whole table crosses the channel quickly (1,000 rows: ~50 ms): no head first.
 * Above it the page's first screenful goes ahead of the rest (see `sendHead`).
 */
const HEAD_FROM_ROWS = 5000;
/** How long the rows wait for the page to say it showed the head (it takes tens of ms; this is a fallback). */
const HEAD_WAIT_MS = 3000;

export interface PanelDeps {
  extensionUri: vscode.Uri;
  log: Logger;
  /** Open a row's file in the X-ray viewer with this model. */
  open(uri: vscode.Uri, modelId: string): Promise<void>;
  rescore(panel: ResultsPanel): void;
  cancel(panel: ResultsPanel): void;
  /** Labels, exports and the threshold from labels (src/extension/results/curation.ts). */
  curate?(panel: ResultsPanel, msg: CurationMessage): void;
  /** "More like this": the rows nearest to `row` by model column `model`'s features (sent with sendSimilar). */
  similar?(panel: ResultsPanel, row: number, model: number): void;
  /** The embedding map of a model column (src/extension/embeddingMap/panelMap.ts; sent with sendMap), or cancel it. */
  map?(panel: ResultsPanel, model: number | 'cancel'): void;
  /**
   * Makes the thumbnails of these files (relative to the panel's root) in its media cache, off the host;
   * each the thumbnail's path relative to the cache, or undefined when the file cannot be shown.
   */
  thumbnails?(panel: ResultsPanel, paths: string[]): Promise<(string | undefined)[]>;
  /** Makes the heatmaps of these files by model column `model` (PanelHeatmaps): each its path in the cache, or undefined. */
  heatmaps?(
    panel: ResultsPanel,
    model: number,
    items: { path: string; hash: string }[],
  ): Promise<(string | undefined)[]>;
}

/** The webview's curation notifications, handled outside the panel. */
export type CurationMessage = {
  [K in 'label' | 'note' | 'undoLabel' | 'chooseLabelSet' | 'export' | 'recalibrate']: {
    type: K;
    params: ResultsToHostNotifications[K];
  };
}['label' | 'note' | 'undoLabel' | 'chooseLabelSet' | 'export' | 'recalibrate'];

export class ResultsPanel extends Disposable {
  readonly index: RowIndex;
  private drift?: (DriftNote | null)[];
  private readonly rpc: RpcClient<HostToResultsMethods>;
  /** The webview's notifications, dispatched by type (the protocol's handler; the webview asks nothing). */
  private readonly messages: RpcHandler<Record<string, never>, ResultsToHostNotifications>;
  private ready = false;
  /** The page asked for a head (its first screenful, sent ahead of the rows) and has had no rows yet. */
  private headWanted?: HeadWanted;
  /**
   * What went to the page before it said `ready` (pushFirst): a head for this request, or every row. Once per page
   * load, and only while no page has said `ready` yet.
   */
  private pushed?: HeadWanted | 'rows';
  private pushTried = false;
  /** The host's stamps of this page's open (sent with its first two messages after the store read). */
  readonly times: HostTimes = { created: Date.now() };
  private timesSent = 0;
  private flushTimer?: ReturnType<typeof setTimeout>;
  private metricsTimer?: ReturnType<typeof setTimeout>;
  /** A fresh page's follow-up (metrics, ready listeners), run once it drew the rows. */
  private afterShown?: () => void;
  private progress?: RunProgress;
  private labelsFrom?: string;
  /** Rows the page asked a thumbnail for that had none yet: sent when one is written. */
  private readonly thumbAsked = new Set<number>();
  /** Heatmap files by row, per model column (relative to the media cache). */
  private readonly heatFiles = new Map<number, Map<number, string>>();
  /** Thumbnail files by row (absolute paths in the media cache; may have been evicted). */
  readonly thumbFiles = new Map<number, string>();
  /** The row last opened in the viewer from this panel (next/previous start there). */
  current?: number;
  private readonly disposedEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposedEmitter.event;
  /** The webview (re)started and has been sent every row: state kept outside the panel is sent now. */
  private readonly readyEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidBecomeReady = this.readyEmitter.event;
  private readonly quality: PanelQuality;
  /** Thumbnails of rows that have none in the cache, made on demand (absent without a maker). */
  private readonly thumbQueue?: ThumbQueue;
  /** Heatmaps of shown rows that have none (scored without), made on demand (absent without a maker). */
  private readonly heatQueue?: PanelHeatmaps;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly source: ResultsSource,
    readonly models: ResultsModel[],
    calibration: ColumnCalibration[],
    private readonly deps: PanelDeps,
    readonly mediaDir: string | undefined,
  ) {
    super();
    this.index = new RowIndex(models, calibration);
    this.quality = this._register(new PanelQuality(this));
    if (source.labelsCsv) this.loadLabels(source.labelsCsv, false);
    this.labelsFrom = source.labelsCsv ? basename(source.labelsCsv) : undefined;
    this.rpc = new RpcClient<HostToResultsMethods>((msg) => void panel.webview.postMessage(msg), {
      timeoutCode: 'WEBVIEW_TIMEOUT',
      name: 'The results panel',
    });
    this.messages = this.webviewMessages();
    const make = deps.thumbnails;
    if (mediaDir && make) {
      const queue = new ThumbQueue(
        (paths) => make(this, paths),
        (r) => this.thumbsMade(r),
      );
      this.thumbQueue = queue;
      this._register(toDisposable(() => queue.dispose()));
    }
    const heat = deps.heatmaps;
    if (mediaDir && heat) {
      const queue = new PanelHeatmaps({
        models,
        index: this.index,
        has: (row, col) => this.heatFiles.get(row)?.has(col) ?? false,
        make: (col, items) => heat(this, col, items),
        made: (col, made, dropped) => this.heatmapsMade(col, made, dropped),
      });
      this.heatQueue = queue;
      this._register(toDisposable(() => queue.dispose()));
    }
    this._register(
      toDisposable(() => {
        clearTimeout(this.flushTimer);
        clearTimeout(this.metricsTimer);
        this.rpc.failAll({ code: 'CANCELLED', message: 'The results panel was closed.' });
      }),
    );
    // The page fetches nothing: its script and stylesheet are inline, thumbnails come as data: URIs.
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    panel.title = vscode.l10n.t('Results: {0}', basename(source.root));
    this.loadPage();
    this._register(
      new PageStartWatch(panel, {
        reload: () => this.loadPage(),
        log: deps.log,
        name: `Results panel ${basename(source.root)}`,
      }),
    );
    this._register(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!this.rpc.handle(m)) this.messages.handle(m);
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this.disposedEmitter.fire();
        this.dispose();
      }),
    );
  }

  /** Sets the page (again, with a fresh nonce: the page reloads). */
  private loadPage(): void {
    // A page loaded again never says `ready` to what went to the page before: it gets everything then.
    this.pushed = undefined;
    const webview = this.panel.webview;
    webview.html = resultsHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      script: pageAsset(this.deps.extensionUri, 'dist', 'webview', 'results.js'),
      style: pageAsset(this.deps.extensionUri, 'dist', 'webview', 'results.css'),
      title: this.panel.title,
      l10n: webviewL10n(),
    });
  }

  /** Files known to the run before they are scored: they show as pending rows. */
  plan(paths: string[]): void {
    this.index.plan(paths);
    this.scheduleFlush();
  }

  /** Rows of a run (objects, a few at a time) or of the store (columns, all at once). */
  addRows(src: readonly PanelRow[] | PanelColumns): void {
    const cols = Array.isArray(src) ? columnsOfRows(src) : (src as PanelColumns);
    const rowOf = this.index.add(cols);
    this.quality.add(cols);
    this.thumbs(cols, rowOf);
    // A page that started before the store was read waits for its first rows: now, not in 100 ms.
    if (this.headWanted) this.sendHeadThenRows();
    else if (!this.ready && !this.pushTried) this.pushFirst();
    else this.scheduleFlush();
    // A page still taking its rows computes ROC/PR once it drew them (sendAll's follow-up).
    if (this.settled) this.scheduleMetrics();
  }

  /** The folder's score drift per model column (extension/drift/folderDrift.ts). */
  setDrift(notes: (DriftNote | null)[]): void {
    this.drift = notes;
    if (this.ready) this.notify('drift', { notes });
  }

  setProgress(p: RunProgress): void {
    this.progress = p;
    if (this.ready) this.notify('progress', p);
    if (!p.running) {
      // The end of a run: everything now, not in 100 ms.
      this.flushNow();
      this.computeMetrics();
      this.quality.send();
    }
  }

  /** Asks the webview (not host state) for a report or an action's result: tests and diagnostics. */
  request<K extends keyof HostToResultsMethods & string>(
    method: K,
    params: HostToResultsMethods[K][0],
    timeoutMs = 20_000,
  ): Promise<HostToResultsMethods[K][1]> {
    if (this.ready) return this.rpc.request(method, params, { timeoutMs });
    // A page still loading would drop the request and the caller would wait out the whole timeout.
    const t0 = Date.now();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`The results panel did not start within ${timeoutMs} ms.`));
      }, timeoutMs);
      const sub = this.onDidBecomeReady(() => {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      });
    }).then(() => this.rpc.request(method, params, { timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)) }));
  }

  /** Opens the row `delta` steps from the current one in the panel's order; false at either end. */
  async step(delta: 1 | -1): Promise<boolean> {
    if (this.current === undefined) return false;
    const next = await this.request('neighbour', { row: this.current, delta });
    if (!next) return false;
    await this.openRow(next.row, undefined);
    return true;
  }

  async openRow(row: number, model: number | undefined): Promise<void> {
    const path = this.index.paths[row];
    if (path === undefined) return;
    this.current = row;
    const m = this.models[model ?? 0] ?? this.models[0];
    await this.deps.open(vscode.Uri.file(join(this.source.root, ...path.split('/'))), m.id);
  }

  private webviewMessages(): RpcHandler<Record<string, never>, ResultsToHostNotifications> {
    const rowList = (p: object) => {
      const rows = (p as { rows?: unknown }).rows;
      return Array.isArray(rows) && rows.every((r) => Number.isInteger(r)) ? undefined : 'its rows are not row numbers';
    };
    return new RpcHandler<Record<string, never>, ResultsToHostNotifications>({
      name: 'The extension host',
      requests: {},
      notifications: {
        ready: ({ head }) => {
          this.ready = true;
          this.times.ready ??= Date.now();
          const asked = headWanted(head, this.models.length);
          const pushed = this.pushed;
          this.pushed = undefined;
          // The page has (or will have, in VS Code's queue) what was pushed when it serves this page's request.
          if (pushed === 'rows' || (pushed && headAnswers(pushed, asked))) this.sendAll(pushed);
          else {
            this.headWanted = asked;
            this.sendAll();
          }
        },
        rowsShown: () => this.afterShown?.(),
        headShown: () => this.rowsAfterHead(),
        open: ({ row, model }) =>
          void this.openRow(row, model).catch((err) => this.deps.log.error(`Could not open the image: ${String(err)}`)),
        wantThumbnails: ({ rows }) =>
          void this.askThumbs(rows).catch((err) => this.deps.log.warn(`Thumbnails: ${String(err)}`)),
        copyPaths: ({ rows }) => {
          const text = rows
            .map((r) => this.index.paths[r])
            .filter(Boolean)
            .join('\n');
          void vscode.env.clipboard.writeText(text);
          void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0} paths', rows.length), 3000);
        },
        chooseLabels: () => void this.chooseLabels(),
        rescore: () => this.deps.rescore(this),
        cancel: () => this.deps.cancel(this),
        log: ({ level, message }) => this.deps.log[level](`[results] ${message}`),
        // Labels, exports and the threshold from labels: src/extension/results/curation.ts.
        label: (params) => this.deps.curate?.(this, { type: 'label', params }),
        note: (params) => this.deps.curate?.(this, { type: 'note', params }),
        undoLabel: (params) => this.deps.curate?.(this, { type: 'undoLabel', params }),
        chooseLabelSet: (params) => this.deps.curate?.(this, { type: 'chooseLabelSet', params }),
        export: (params) => this.deps.curate?.(this, { type: 'export', params }),
        recalibrate: (params) => this.deps.curate?.(this, { type: 'recalibrate', params }),
        moreLikeThis: ({ row, model }) => this.deps.similar?.(this, row, model),
        wantMap: ({ model }) => this.deps.map?.(this, model),
        cancelMap: () => this.deps.map?.(this, 'cancel'),
      },
      checks: {
        open: (p) => {
          const { row, model } = p as { row?: unknown; model?: unknown };
          return Number.isInteger(row) && Number.isInteger(model) ? undefined : 'it needs a row and a model column';
        },
        wantThumbnails: rowList,
        copyPaths: rowList,
        label: (p) => {
          const l = (p as { label?: unknown }).label;
          return (
            rowList(p) ??
            (l === null || l === 'normal' || l === 'abnormal' || l === 'unsure' ? undefined : 'unknown label')
          );
        },
        note: rowList,
        export: (p) => rowList(p) ?? rowList({ rows: (p as { selected?: unknown }).selected }),
        recalibrate: (p) =>
          Number.isInteger((p as { model?: unknown }).model) ? undefined : 'it needs a model column',
        moreLikeThis: (p) => {
          const { row, model } = p as { row?: unknown; model?: unknown };
          return Number.isInteger(row) && Number.isInteger(model) ? undefined : 'it needs a row and a model column';
        },
        wantMap: (p) => (Number.isInteger((p as { model?: unknown }).model) ? undefined : 'it needs a model column'),
        log: (p) =>
          ['info', 'warn', 'error'].includes((p as { level?: unknown }).level as string)
            ? undefined
            : 'unknown log level',
      },
      // Nothing is requested of the host; a request still gets its BAD_REQUEST answer.
      respond: (msg) => void this.panel.webview.postMessage(msg),
      onNotificationError: (type, error) => this.deps.log.warn(`Results panel message "${type}": ${error.message}`),
    });
  }

  /**
   * The store was read before the page said `ready` (VS Code takes about a second to start a page; the store's
   * index is read in a fraction of that): the page's first rows go now, in the order a fresh page shows first, and
   * VS Code hands them to the page as soon as its script has run, without the round trip of `ready` through the
   * workbench. A head at 100,000 rows (the rows follow once it is shown), every row of a small store.
   */
  private pushFirst(): void {
    this.pushTried = true;
    if (this.index.size === 0) return;
    this.times.pushed = Date.now();
    this.notify('init', this.initParams());
    if (this.index.size >= HEAD_FROM_ROWS) {
      this.pushed = FRESH_HEAD;
      this.notify('head', { wanted: FRESH_HEAD, ...this.headOf(FRESH_HEAD) });
    } else {
      this.pushed = 'rows';
      this.send(this.index.replayAll());
    }
  }

  private initParams(): HostToResultsNotifications['init'] {
    return {
      source: this.source,
      title: `${basename(this.source.root)}`,
      models: this.models,
      labelsFrom: this.labelsFrom ?? (this.index.labels.some((l) => l !== -1) ? 'folders' : undefined),
      reset: true,
      thumbnails: this.mediaDir !== undefined,
    };
  }

  /** Everything a page that said `ready` needs; `pushed`: what it was sent before (pushFirst). */
  private sendAll(pushed?: HeadWanted | 'rows'): void {
    this.rpc.failAll({ code: 'CANCELLED', message: 'The results panel reloaded.' });
    if (!pushed) this.notify('init', this.initParams());
    this.thumbAsked.clear();
    const t0 = Date.now();
    const p0 = performance.now();
    if (pushed === 'rows') this.flushNow();
    else if (pushed || this.sendHead()) {
      // Every row again, once the head is shown (see sendHeadThenRows).
      this.index.unsendAll();
      this.waitForHead();
    } else this.send(this.index.replayAll(), p0);
    this.deps.log.info(
      `Results panel ${basename(this.source.root)}: ${this.index.size} rows sent in ${Date.now() - t0} ms`,
    );
    if (this.progress) this.notify('progress', this.progress);
    if (this.drift) this.notify('drift', { notes: this.drift });
    // ROC/PR and what listens for a fresh page (labels, quality verdicts of every row) take a while at
    // 100,000 rows and would hold this thread while VS Code still writes the rows to the page: they start
    // when the page says it drew them (or after 5 s, whichever first).
    clearTimeout(this.metricsTimer);
    this.afterShown = () => {
      clearTimeout(this.metricsTimer);
      this.metricsTimer = undefined;
      this.afterShown = undefined;
      this.computeMetrics();
      this.readyEmitter.fire();
    };
    this.metricsTimer = setTimeout(() => this.afterShown?.(), 5000);
  }

  /** Sends the active label set's marks (from src/extension/results/curation.ts). */
  sendMarks(params: HostToResultsNotifications['marks']): void {
    if (this.ready) this.notify('marks', params);
  }

  /** Sends "more like this" results (from src/extension/results/similar.ts). */
  sendSimilar(params: HostToResultsNotifications['similar']): void {
    if (this.ready) this.notify('similar', params);
  }

  /** Sends the embedding map's progress or points (from src/extension/embeddingMap/panelMap.ts). */
  sendMap(params: HostToResultsNotifications['map']): void {
    if (this.ready) this.notify('map', params);
  }

  /** Sends every row's dataset-quality verdict (from src/extension/results/quality.ts). */
  sendQuality(params: HostToResultsNotifications['quality']): void {
    if (this.ready) this.notify('quality', params);
  }

  get isReady(): boolean {
    return this.ready;
  }

  /**
   * The page is up and has drawn the rows it was sent (its follow-up ran): heavy work over every row may
   * start now without holding back the rows on their way (it waits for `onDidBecomeReady` otherwise).
   */
  get settled(): boolean {
    return this.ready && this.afterShown === undefined;
  }

  private scheduleFlush(): void {
    if (!this.ready || this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushNow(), 100);
  }

  private flushNow(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const t0 = performance.now();
    if (this.ready) this.send(this.index.flush(), t0);
  }

  private send(f: ReturnType<RowIndex['flush']>, t0 = performance.now()): void {
    if (!f.rows && !f.cells.length) return;
    const rows = f.rows && {
      first: f.rows.first,
      paths: encodePaths(f.rows.paths),
      labels: Int8Array.from(f.rows.labels),
    };
    if (rows) this.headWanted = undefined;
    const { cells, dense } = packCells(f.cells);
    this.notify('data', {
      rows,
      cells,
      ...(dense.length ? { dense } : {}),
      sentAt: Date.now(),
      buildMs: Math.round(performance.now() - t0),
      host: this.hostTimes(),
    });
  }

  /**
   * The page's first screenful in its order, ahead of the whole table (a few KB instead of ~4 MB at
   * 100,000 rows: the channel takes a second or more for those), once the rows are here and the page
   * asked for it. Sent at most once per page.
   */
  private sendHead(): boolean {
    const want = this.headWanted;
    if (!want || !this.ready || this.index.size < HEAD_FROM_ROWS) return false;
    this.headWanted = undefined;
    this.notify('head', this.headOf(want));
    return true;
  }

  private headOf(want: HeadWanted): HostToResultsNotifications['head'] {
    const h = this.index.head(want);
    return {
      total: this.index.size,
      rows: h.rows,
      paths: encodePaths(Array.from(h.rows, (r) => this.index.paths[r])),
      labels: Int8Array.from(h.labels),
      cells: h.cells,
      sentAt: Date.now(),
      host: this.hostTimes(),
    };
  }

  /**
   * The head, then the rows once the page says it showed the head (`headShown`). Sent right behind it, the
   * rows' ~4 MB at 100,000 rows held the head back: the page gets a message only after the workbench, on the
   * same thread, has taken in the ones before it.
   */
  private sendHeadThenRows(): void {
    if (this.sendHead()) this.waitForHead();
    else this.flushNow();
  }

  /** The rows wait for `headShown`; a page that never says it gets them after a few seconds anyway. */
  private waitForHead(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.rowsAfterHead(), HEAD_WAIT_MS);
  }

  private rowsAfterHead(): void {
    if (this.flushTimer === undefined) return;
    this.flushNow();
  }

  /** The host's stamps, with the first messages after the store's read (a pushed head has no `ready` yet). */
  private hostTimes(): HostTimes | undefined {
    if (this.timesSent >= 2 || this.times.readEnd === undefined) return undefined;
    this.timesSent++;
    return { ...this.times };
  }

  private scheduleMetrics(): void {
    if (this.metricsTimer) return;
    this.metricsTimer = setTimeout(() => {
      this.metricsTimer = undefined;
      this.computeMetrics();
    }, 1500);
  }

  private computeMetrics(): void {
    if (!this.ready) return;
    const out: ModelMetrics[] = [];
    this.models.forEach((_, col) => {
      const { scores, labels } = this.index.scored(col);
      if (!labels.length) return;
      const c = curves(scores, labels);
      out.push({ model: col, ...c });
    });
    if (out.length || this.labelsFrom) this.notify('metrics', { labelsFrom: this.labelsFrom, models: out });
  }

  /** Remembers the thumbnail and heatmap files of new rows; sends those the page asked for earlier and lacked. */
  private thumbs(cols: PanelColumns, rowOf: Int32Array): void {
    const media = this.mediaDir;
    if (!media) return;
    const asked: number[] = [];
    const columnOf = cols.models.map((m) => this.models.findIndex((c) => c.key === `${m.id}@${m.version}`));
    for (let k = 0; k < cols.size; k++) {
      const row = rowOf[k];
      if (row < 0) continue;
      const thumb = cols.thumb(k);
      const heatmap = cols.heatmap(k);
      if (!thumb && !heatmap) continue;
      if (thumb) this.thumbFiles.set(row, join(media, thumb));
      const model = heatmap ? columnOf[cols.model(k)] : -1;
      if (heatmap && model >= 0) {
        let byModel = this.heatFiles.get(row);
        if (!byModel) this.heatFiles.set(row, (byModel = new Map()));
        byModel.set(model, heatmap);
      }
      if (this.thumbAsked.has(row)) asked.push(row);
    }
    if (asked.length) {
      void this.sendThumbs(asked, false);
      this.heatQueue?.want(asked);
    }
  }

  /** Heatmaps made on demand are sent; rows let go are handed back, so the page asks again when they show. */
  private heatmapsMade(col: number, made: { row: number; file: string }[], dropped: number[]): void {
    for (const { row, file } of made) {
      let byModel = this.heatFiles.get(row);
      if (!byModel) this.heatFiles.set(row, (byModel = new Map()));
      byModel.set(col, file);
    }
    if (made.length)
      void this.sendThumbs(
        made.map((m) => m.row),
        false,
      );
    if (dropped.length && this.ready) this.notify('thumbnails', { items: [], dropped });
  }

  /**
   * The page asks for the thumbnails of the rows it shows. A row's file may have been evicted from the cache,
   * and a row read from a store without media (the CLI's) names none although its content's thumbnail may
   * exist: both are looked for by the content hash, and what is missing is made (ThumbQueue). A row without a
   * hash is still to be scored: its thumbnail comes with its row.
   */
  private async askThumbs(asked: number[]): Promise<void> {
    const media = this.mediaDir;
    if (!this.ready || !media) return;
    const rows = asked.slice(0, THUMB_CHUNK);
    const hashes = this.index.hashes;
    const found = await Promise.all(
      rows.map((row) => {
        const h = hashes[row];
        return firstFile([this.thumbFiles.get(row), h ? join(media, thumbPath(h)) : undefined]);
      }),
    );
    const make: ThumbJob[] = [];
    rows.forEach((row, i) => {
      const file = found[i];
      const path = this.index.paths[row];
      if (file) this.thumbFiles.set(row, file);
      else if (this.thumbQueue && hashes[row] && path !== undefined) {
        this.thumbFiles.delete(row);
        make.push({ row, path });
      }
    });
    // Found ones are sent now; the others (no hash yet: a run is scoring them) are sent when their row comes.
    const making = new Set(make.map((j) => j.row));
    void this.sendThumbs(
      rows.filter((r) => !making.has(r)),
      true,
    );
    this.thumbQueue?.want(make);
    this.heatQueue?.want(rows);
  }

  /** Thumbnails the queue made are sent; rows it let go the page may ask for again. */
  private thumbsMade(r: ThumbResults): void {
    const media = this.mediaDir;
    if (!media) return;
    for (const { row, file } of r.made) this.thumbFiles.set(row, join(media, file));
    void this.sendThumbs(
      r.made.map((m) => m.row),
      false,
    );
    if (r.dropped.length && this.ready) this.notify('thumbnails', { items: [], dropped: r.dropped });
  }

  /**
   * Thumbnails and heatmaps of these rows, as data: URIs (the rows on screen: never all 100,000). Not webview
   * resource URIs: in VS Code for the web those are fetched through a service worker, and a fetch left
   * unanswered when a panel closes holds every new webview's page for 30 s (see webviewHtml.ts). A heatmap
   * file that is gone is sent empty (the preview says so); a thumbnail that is gone is dropped, to be made again.
   */
  private async sendThumbs(rows: number[], remember: boolean): Promise<void> {
    const media = this.mediaDir;
    if (!this.ready || !media) return;
    const thumbs: { row: number; file: string }[] = [];
    const heat: { row: number; model: number; file: string }[] = [];
    for (const row of rows.slice(0, THUMB_CHUNK)) {
      const file = this.thumbFiles.get(row);
      if (file) {
        this.thumbAsked.delete(row);
        thumbs.push({ row, file });
      } else if (remember) this.thumbAsked.add(row);
      for (const [model, rel] of this.heatFiles.get(row) ?? []) heat.push({ row, model, file: join(media, rel) });
    }
    if (!thumbs.length && !heat.length) return;
    const [t, h] = await Promise.all([
      Promise.all(thumbs.map((x) => dataUri(x.file))),
      Promise.all(heat.map((x) => dataUri(x.file))),
    ]);
    if (this.isDisposed || !this.ready) return;
    const items: { row: number; src: string }[] = [];
    const dropped: number[] = [];
    thumbs.forEach(({ row }, i) => {
      const src = t[i];
      if (src) items.push({ row, src });
      else {
        this.thumbFiles.delete(row);
        dropped.push(row);
      }
    });
    const heatmaps: HeatmapItem[] = heat.map(({ row, model }, i) => ({ row, model, src: h[i] ?? '' }));
    this.notify('thumbnails', { items, heatmaps, ...(dropped.length ? { dropped } : {}) });
  }

  private async chooseLabels(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(this.source.root),
      filters: { [vscode.l10n.t('Labels CSV')]: ['csv', 'txt'] },
      openLabel: vscode.l10n.t('Use Labels'),
    });
    if (!picked?.[0]) return;
    this.loadLabels(picked[0].fsPath, true);
  }

  /** Ground truth from a CSV: every row re-labelled, the webview reloaded with the new labels. */
  loadLabels(file: string, announce: boolean): void {
    try {
      const csv = parseLabelsCsv(readFileSync(file, 'utf8'));
      if (csv.problems.length)
        this.deps.log.warn(
          `Labels ${basename(file)}: ${csv.problems.length} line(s) skipped, e.g. line ${csv.problems[0].line}: ${csv.problems[0].message}`,
        );
      if (!csv.byPath.size) throw new Error(csv.problems[0]?.message ?? 'no labelled rows');
      const any = this.index.relabel(csv);
      this.source.labelsCsv = file;
      this.labelsFrom = basename(file);
      if (announce) {
        if (!any)
          void vscode.window.showWarningMessage(
            vscode.l10n.t('No image of this folder is named in {0}.', basename(file)),
          );
        if (this.ready) this.sendAll();
      }
    } catch (err) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t(
          'Could not read the labels from {0}: {1}',
          basename(file),
          err instanceof Error ? err.message : String(err),
        ),
      );
    }
  }

  private notify<K extends keyof HostToResultsNotifications & string>(
    type: K,
    params: HostToResultsNotifications[K],
  ): void {
    void this.panel.webview.postMessage({ kind: 'notify', type, params });
  }
}

/** The page's head request, if it is one the host can answer (else none: the rows come as they are). */
function headWanted(h: unknown, models: number): HeadWanted | undefined {
  const w = h as Partial<HeadWanted> | undefined;
  if (typeof w !== 'object' || w === null) return undefined;
  const ok =
    Number.isInteger(w.model) &&
    w.model! >= 0 &&
    w.model! < models &&
    (w.key === 'raw' || w.key === 'normalized' || w.key === 'path') &&
    typeof w.descending === 'boolean' &&
    Number.isInteger(w.rows) &&
    w.rows! > 0;
  return ok ? { model: w.model!, key: w.key!, descending: w.descending!, rows: Math.min(w.rows!, 500) } : undefined;
}

/** The first of these files that exists. */
async function firstFile(files: (string | undefined)[]): Promise<string | undefined> {
  for (const f of files)
    if (
      f &&
      (await fsp.access(f).then(
        () => true,
        () => false,
      ))
    )
      return f;
  return undefined;
}

/** A thumbnail or heatmap file (WebP, see core/batch/mediaPaths.ts) as a data: URI; undefined when unreadable. */
async function dataUri(file: string): Promise<string | undefined> {
  try {
    return `data:image/webp;base64,${(await fsp.readFile(file)).toString('base64')}`;
  } catch {
    return undefined;
  }
}
