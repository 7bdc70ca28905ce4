/**
 * The results panel: builds the views, routes host messages through the handler into the state, and
 * redraws what each state change touches (at most once per frame while rows stream in).
 */
import { HeldChanges } from './heldChanges';
import { Disposable, toDisposable } from '../../protocol/dispose';
import { FrameScheduler, observing } from '../shared/lifetime';
import type { ResultsBridge } from './host';
import { resultsServed, type ViewHooks } from './messages';
import { PanelState, readPersisted, type Change } from './state';
import type { LabelKeyAction } from '../shared/labelKeys';
import { probeFrames } from './frameProbe';
import { CompareView } from './views/compareView';
import { CurvesView } from './views/curves';
import { GridView } from './views/gridView';
import { LayoutSwitch } from './views/layoutSwitch';
import { MapView } from './views/mapView';
import { PreviewView } from './views/previewView';
import { showSelection } from './messages';
import { parseKeyName } from '../shared/labelKeys';
import { DriftLine } from './views/driftLine';
import { LabelBar } from './views/labelBar';
import { HistogramChart } from './views/histogramChart';
import { ROW_HEIGHT, TableView } from './views/table';
import { onThemeChange, themeKind } from './views/theme';
import { Toolbar } from './views/toolbar';

export class ResultsApp extends Disposable {
  readonly state: PanelState;
  readonly table: TableView;
  private readonly toolbar: Toolbar;
  private readonly histogram: HistogramChart;
  private readonly curves: CurvesView;
  private readonly labelBar: LabelBar;
  private readonly compare: CompareView;
  private readonly grid: GridView;
  private readonly map: MapView;
  private readonly preview: PreviewView;
  private readonly layout: LayoutSwitch;
  private readonly driftLine: DriftLine;
  private readonly hooks: ViewHooks;
  /** The preview and the charts: beside the main view, or below it in a narrow panel (results.css). */
  private readonly side = Object.assign(document.createElement('aside'), { className: 'side' });
  private dirty = new Set<Change>();
  private readonly held = new HeldChanges();
  private paintWatch = false;
  private readonly frame = this._register(new FrameScheduler(() => this.flush()));

  constructor(
    private readonly root: HTMLElement,
    private readonly host: ResultsBridge,
  ) {
    super();
    this.state = new PanelState(readPersisted(host.savedState()));
    // Ready first, before the views are built: the host's answer (the head) crosses the channel meanwhile. No
    // message can be handled before main.ts has built the app and called start() (one synchronous task).
    // A screenful and a little more, for the host to send ahead of the rows (PanelState.headWanted).
    const screenful = Math.min(200, Math.ceil(window.innerHeight / ROW_HEIGHT) + 10);
    this.state.askedHead = this.state.headWanted(screenful);
    host.notify('ready', { head: this.state.askedHead });
    this.state.timeline.readySent = Date.now();
    const open = (row: number, model = this.state.query.model) => {
      this.state.select(row, 'replace');
      host.notify('open', { row, model });
    };
    const labelKey = (a: Exclude<LabelKeyAction, { kind: 'move' }>) => {
      const rows = this.selectedInOrder();
      if (a.kind === 'undo') host.notify('undoLabel', {});
      else if (!rows.length) return;
      else if (a.kind === 'note') host.notify('note', { rows });
      else host.notify('label', { rows, label: a.label });
    };
    const wantThumbnails = (rows: number[]) => host.notify('wantThumbnails', { rows });
    const moreLikeThis = (row: number) => host.notify('moreLikeThis', { row, model: this.state.query.model });
    this.table = new TableView(this.state, {
      open: (row) => open(row),
      wantThumbnails,
      scrolled: (top) => {
        this.state.scrollTop = top;
        this.save();
      },
      labelKey,
      resized: () => this.save(),
    });
    this.grid = new GridView(this.state, { open: (row) => open(row), wantThumbnails, labelKey });
    const exportRows = () =>
      host.notify('export', {
        rows: [...this.state.view],
        selected: this.selectedInOrder(),
        thresholds: [...this.state.thresholds],
      });
    const recalibrate = () => host.notify('recalibrate', { model: this.state.query.model });
    this.labelBar = new LabelBar(this.state, {
      chooseSet: () => host.notify('chooseLabelSet', {}),
      exportRows,
      recalibrate,
    });
    this.toolbar = new Toolbar(this.state, {
      cancel: () => host.notify('cancel', {}),
      rescore: () => host.notify('rescore', {}),
      chooseLabels: () => host.notify('chooseLabels', {}),
      copyPaths: () => host.notify('copyPaths', { rows: this.selectedInOrder() }),
      openSelected: () => {
        const rows = this.selectedInOrder();
        if (rows.length) open(rows[0]);
      },
      moreLikeThis: () => {
        const rows = this.selectedInOrder();
        if (rows.length) moreLikeThis(rows[0]);
      },
      clearSimilar: () => this.state.setSimilar(undefined),
    });
    this.compare = new CompareView(this.state, open);
    this.map = new MapView(this.state, {
      want: (model) => host.notify('wantMap', { model }),
      cancel: () => host.notify('cancelMap', {}),
      open: (row) => open(row),
      wantThumbnails,
      labelKey,
      showSelection: () => showSelection(this.state),
    });
    this.layout = new LayoutSwitch(this.state, ['table', 'grid', 'compare', 'map']);
    this.preview = new PreviewView(this.state, { open: (row) => open(row), wantThumbnails });
    this.histogram = new HistogramChart(this.state);
    this.driftLine = new DriftLine(this.state);
    this.curves = new CurvesView(this.state);
    this.hooks = {
      settle: () => this.frame.flush(),
      rendered: () => this.table.rendered,
      firstRowText: () => this.table.firstRowText,
      dragThreshold: (from, to) => this.histogram.simulateDrag(from, to),
      open: (row, model) => open(row, model),
      reveal: (row) => (this.state.layout === 'grid' ? this.grid.scrollToRow(row) : this.table.scrollToRow(row)),
      keys: (names) =>
        this.state.layout === 'grid'
          ? this.grid.pressKeys(names)
          : this.state.layout === 'map'
            ? this.map.pressKeys(names, parseKeyName)
            : this.table.pressKeys(names),
      lasso: (points, add) => this.map.lasso(points, add),
      hoverPoint: (row) => this.map.hoverPoint(row),
      resizeColumn: (id, px) => this.table.resizeColumn(id, px),
      probe: (req) => probeFrames({ scroller: this.table.scroller, workTimes: this.table.frameTimes }, req),
      clickPoint: (row) => this.compare.clickPoint(row),
      moreLikeThis: (row) => moreLikeThis(row),
      exportRows,
      recalibrate,
      report: () => ({
        compare: this.compare.report(),
        grid: this.grid.report(),
        map: this.map.report(),
        preview: this.preview.report(),
        anchorInView: this.table.anchorInView,
        columns: this.table.drawnColumns,
        tableSaid: this.table.said,
        page: {
          width: document.documentElement.clientWidth,
          side: this.side.offsetTop > (this.side.parentElement?.offsetTop ?? 0) + 1 ? 'below' : 'beside',
          theme: themeKind(),
          // A narrow page scrolls its body (results.css).
          scrollY: Math.round(Math.max(document.body.scrollTop, document.scrollingElement?.scrollTop ?? 0)),
        },
        table: this.table.box,
        savedColumnWidths: readPersisted(this.host.savedState())?.columnWidths,
        savedQuery: readPersisted(this.host.savedState())?.query,
        thumbnailsShown: this.table.thumbnailsShown,
        thumbnailBoxes: this.table.thumbnailBoxes,
      }),
    };
    this._register(toDisposable(this.state.on((c) => this.changed(c))));
    this._register(toDisposable(() => this.table.dispose()));
    this._register(toDisposable(() => this.grid.dispose()));
  }

  start(): void {
    // 'ready' went out in the constructor; the host's messages are handled from here on.
    this.host.serve(
      resultsServed(this.state, this.hooks, (message) => this.host.notify('log', { level: 'error', message })),
    );
    const side = this.side;
    side.append(this.preview.element, this.histogram.element, this.curves.element);
    const main = document.createElement('div');
    main.className = 'main';
    main.append(this.table.element, this.grid.element, this.compare.element, this.map.element, side);
    this.toolbar.filters.append(this.layout.element);
    this.root.replaceChildren(
      this.toolbar.header,
      this.driftLine.element,
      this.labelBar.element,
      this.toolbar.filters,
      main,
    );
    this.showLayout();
    this.table.mount();
    this.grid.mount();
    this.toolbar.sync();
    const resize = new ResizeObserver(() => {
      this.histogram.resize();
      this.curves.resize();
      this.compare.resize();
      this.grid.refresh();
      this.map.resize();
    });
    resize.observe(side);
    resize.observe(this.compare.element);
    resize.observe(this.grid.element);
    resize.observe(this.map.plotElement);
    this._register(observing(resize));
    this._register(
      toDisposable(
        onThemeChange(() => {
          this.histogram.themeChanged();
          this.curves.themeChanged();
          this.compare.themeChanged();
          this.map.themeChanged();
        }),
      ),
    );
  }

  private selectedInOrder(): number[] {
    const sel = this.state.selection;
    return [...this.state.view].filter((r) => sel.has(r));
  }

  private changed(c: Change): void {
    this.dirty.add(c);
    // A drag must feel immediate: the line and the count redraw in the same frame as the pointer.
    if (c === 'threshold') this.histogram.thresholdChanged();
    this.frame.request();
    if (c === 'query' || c === 'threshold' || c === 'init' || c === 'layout') this.save();
  }

  private flush(): void {
    const d = this.dirty;
    this.dirty = new Set();
    // While only the head is here (the first screenful, sent ahead of the rows), the frame is the table's: the
    // side views (charts, drift line, preview, grid, map, comparison) catch up when the rows arrive.
    const s = this.held.take(d, this.state.head !== undefined);
    if (d.has('init')) {
      this.table.rebuildColumns();
      this.toolbar.sync();
    }
    if (d.has('rows') && this.state.table.hasLabels() && !this.table.element.querySelector('[data-sort="label"]'))
      this.table.rebuildColumns();
    if (d.has('rows') && this.state.table.quality.known && !this.table.hasColumn('quality'))
      this.table.rebuildColumns();
    if (d.has('marks')) {
      if (!this.table.hasColumn('mark')) this.table.rebuildColumns();
      this.labelBar.update();
    }
    if (
      d.has('init') ||
      d.has('rows') ||
      d.has('query') ||
      d.has('threshold') ||
      d.has('selection') ||
      d.has('thumbnails') ||
      d.has('marks')
    )
      this.table.refresh();
    this.notePainted();
    if (d.has('query')) this.table.updateSortMarks();
    if (d.has('rows')) this.toolbar.syncFolders();
    if (d.has('init') || d.has('rows') || d.has('query') || d.has('selection')) this.toolbar.updateCounts();
    if (s.has('init') || s.has('rows') || s.has('query')) this.histogram.update();
    if (d.has('progress')) {
      this.toolbar.updateProgress();
      if (!this.state.table.size) this.table.refresh();
    }
    if (s.has('metrics') || s.has('query') || s.has('init')) this.curves.update();
    if (s.has('threshold')) this.curves.thresholdChanged();
    if (s.has('drift') || s.has('query') || s.has('init')) this.driftLine.update();
    if (d.has('query') || d.has('init')) this.toolbar.sync();
    if (d.has('layout') || d.has('init')) this.showLayout();
    else if (['rows', 'query', 'threshold', 'selection', 'thumbnails', 'marks'].some((c) => s.has(c as Change)))
      this.grid.refresh();
    if (['init', 'rows', 'query', 'selection', 'marks', 'map', 'layout'].some((c) => s.has(c as Change)))
      this.map.update();
    if (s.has('thumbnails')) this.map.thumbnailsChanged();
    if (['init', 'rows', 'query', 'selection', 'thumbnails'].some((c) => s.has(c as Change))) this.preview.update();
    if (['init', 'rows', 'query', 'threshold', 'layout'].some((c) => s.has(c as Change))) this.compare.update();
    else if (s.has('selection')) this.compare.update(false);
    // When the last chunk's rows were all drawn, counted and charted (the bench's "all rows ready").
    if (this.state.dataDrawPending) {
      this.state.dataDrawPending = false;
      this.state.timeline.lastRows = Date.now();
      this.host.notify('rowsShown', { rows: this.state.table.size });
    }
  }

  /**
   * The timeline's "first rows painted": this runs in an animation frame, whose rendering follows it; a task
   * queued now runs once that frame is rendered.
   */
  private notePainted(): void {
    const t = this.state.timeline;
    if (t.firstRows === undefined || t.firstPainted !== undefined || this.paintWatch) return;
    this.paintWatch = true;
    setTimeout(() => {
      t.firstPainted = Date.now();
      // The host holds the rows back until the head is on screen (see the protocol's headShown).
      if (this.state.head) this.host.notify('headShown', {});
    }, 0);
  }

  /** Shows the table or the comparison in the main area (the side charts stay). */
  private showLayout(): void {
    const l = this.state.layout;
    this.table.element.hidden = l !== 'table';
    this.grid.element.hidden = l !== 'grid';
    this.compare.element.hidden = l !== 'compare';
    this.map.element.hidden = l !== 'map';
    this.layout.sync();
    if (l === 'table') this.table.refresh();
    else if (l === 'grid') this.grid.refresh();
    else if (l === 'map') this.map.resize();
    else this.compare.resize();
  }

  private save(): void {
    this.host.saveState(() => this.state.persisted());
  }
}
