/**
 * The viewer's composition root: builds the state store and the DOM, and wires the parts that each do
 * one job: the message handler (messages.ts), the actions (viewerActions.ts), zoom/pan/window
 * (viewControl.ts), the ruler tool (measureTool.ts), the box marks (boxTool.ts), the pixel readout (readout.ts), the draw loop
 * (drawLoop.ts) and the diagnostics the host and the dev harness read (diagnostics.ts).
 */
import { Disposable, toDisposable } from '../../protocol/dispose';
import type { HostToViewerMethods, HostToViewerNotifications, ViewStateReport } from '../../protocol/viewer';
import type { Served } from '../shared/hostBridge';
import { viewStateReport, type ViewerPerf } from './diagnostics';
import { DrawLoop } from './drawLoop';
import type { ViewerBridge } from './host';
import { BoxTool } from './boxTool';
import { attachKeys, attachPointer } from './input';
import { MeasureTool } from './measureTool';
import { viewerMessages } from './messages';
import { persistedState, readPersisted, sanitizeSettings, type PersistedState } from './persist';
import { readoutText, PixelReadout } from './readout';
import { HeatmapLayer } from './render/heatmapLayer';
import { ImageLayer } from './render/imageLayer';
import { ViewerLabels } from './labelKeys';
import { initialState } from './state';
import { ViewerStore } from './store';
import { HelpPopover } from './ui/helpPopover';
import { buildLayout, type Layout } from './ui/layout';
import { ViewControl } from './viewControl';
import type { View } from './viewport';
import { ViewerActions } from './viewerActions';

export type { ViewerPerf } from './diagnostics';

export class ViewerApp extends Disposable {
  readonly store: ViewerStore;
  readonly perf: ViewerPerf;
  private readonly restored?: PersistedState;
  private readonly layout: Layout;
  private readonly view: ViewControl;
  private readonly actions: ViewerActions;

  constructor(
    root: HTMLElement,
    private readonly host: ViewerBridge,
    initialSettings: unknown,
  ) {
    super();
    const settings = sanitizeSettings(initialSettings);
    this.restored = readPersisted(host.savedState(), settings);
    const store = (this.store = new ViewerStore(initialState(settings, this.restored)));
    this.perf = {
      get firstPaintMs() {
        return store.state.loaded?.firstPaintMs;
      },
      windowRenderMs: [],
      composeMs: [],
    };

    // The actions reach the DOM (focus, the help popover) only when run, after the layout is built.
    const canvasSize = () => this.layout.canvas;
    const dpr = () => window.devicePixelRatio || 1;
    // Zoom and pan reach the host at most every 40 ms (with the last one always sent): the other viewers of
    // the file follow smoothly without a message per pointer event.
    let pending: View | null | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sendView = () => {
      timer = undefined;
      if (pending !== undefined) host.notify('viewChanged', { view: pending });
      pending = undefined;
    };
    this._register(toDisposable(() => clearTimeout(timer)));
    this.view = new ViewControl(store, canvasSize, (view) => {
      pending = view && { scale: view.scale, cx: view.cx, cy: view.cy };
      timer ??= setTimeout(sendView, 40);
    });
    const measure = new MeasureTool(store, this.view, canvasSize, dpr);
    const box = new BoxTool(store, this.view, canvasSize, dpr, host);
    this.actions = new ViewerActions({
      store,
      view: this.view,
      measure,
      box,
      help: { toggle: () => help.toggle() },
      notify: (type, params) => host.notify(type, params),
      focus: {
        tagSearch: () => this.layout.tagSearch.focus(),
        setTagSearch: (query) => {
          if (this.layout.tagSearch.value !== query) this.layout.tagSearch.value = query;
        },
        // The list is rebuilt: keep keyboard focus on the row's toggle (after the redraw's frame callback).
        tagRowToggle: (id) => {
          if (document.activeElement?.classList.contains('twisty'))
            requestAnimationFrame(() =>
              this.layout.tagList.querySelector<HTMLElement>(`.tag-row[data-id="${id}"] .twisty`)?.focus(),
            );
        },
        stepView: () => requestAnimationFrame(() => this.layout.stepView.focus({ preventScroll: true })),
      },
    });
    const layout = (this.layout = buildLayout(root, this.actions));
    const help = this._register(new HelpPopover(layout.help, layout.helpBtn));
    // Registered before the viewer's own keys: its capture listener takes 1/2/3 when labelling is on.
    const labels = this._register(new ViewerLabels(store, (p) => host.notify('labelKey', p)));
    layout.viewport.append(labels.badge);

    const readout = new PixelReadout(layout.readout, (at) =>
      readoutText(store.state, this.view.current(), layout.canvas, at),
    );
    this._register(
      attachPointer(layout.canvas, {
        tool: () => store.state.tool,
        pan: (dx, dy) => this.view.pan(dx, dy),
        windowDrag: (dx, dy) => this.view.windowDrag(dx, dy),
        zoomAt: (f, sx, sy) => this.view.zoomAt(f, sx, sy),
        fit: () => this.view.fit(),
        hover: (sx, sy) => {
          if (store.state.tool === 'measure') layout.canvas.classList.toggle('over-handle', measure.overHandle(sx, sy));
          readout.pointAt([sx, sy]);
        },
        leave: () => {
          if (store.state.tool === 'measure') layout.canvas.classList.toggle('over-handle', false);
          readout.pointAt(undefined);
        },
        dragEnd: () => store.touch({ redraw: 'none', save: true }),
        measure: (phase, sx, sy) => measure.gesture(phase, sx, sy),
        box: (phase, sx, sy) => box.gesture(phase, sx, sy),
      }),
    );
    this._register(
      attachKeys(
        this.actions,
        (dx, dy, big) => this.view.panByFraction(dx, dy, big),
        () => help.close() || this.actions.closeStepView(),
      ),
    );
    this._register(
      store.subscribe((change) => {
        if (change.settings) host.notify('settingsChanged', change.settings);
        if (change.save) host.saveState(() => persistedState(store.state));
      }),
    );
    this._register(
      new DrawLoop({
        store,
        layout,
        actions: this.actions,
        perf: this.perf,
        log: (level, message) => this.log(level, message),
        afterFrame: () => readout.render(),
      }),
    );
  }

  /** Tell the host we are listening; it answers with init, image, models, analysis. */
  start(): void {
    this.host.serve(this.served());
    // Before `ready`, so the host knows whether to compute previews when it replays the image.
    this.host.notify('previewWanted', { open: this.store.state.stripOpen });
    this.host.notify('ready', {});
  }

  /** What the webview has received and shows, answered to the host's getViewState request. */
  report(): ViewStateReport {
    return viewStateReport(this.store.state, this.view.current());
  }

  private served(): Served<HostToViewerMethods, HostToViewerNotifications> {
    return {
      requests: {
        getViewState: () => this.report(),
        act: (action) => {
          this.actions.act(action);
          return this.report();
        },
      },
      notifications: viewerMessages({
        store: this.store,
        restored: this.restored,
        log: (level, message) => this.log(level, message),
        askResend: (missing) => this.host.notify('resendEarly', missing),
        imageLayer: (image) => new ImageLayer(image),
        heatmapLayer: (map) => new HeatmapLayer(map),
        now: () => performance.now(),
        followView: (view) => this.view.follow(view),
      }),
      // A bad message must never take the viewer down; say what happened and keep going.
      onNotificationError: (type, error) => this.log('error', `Viewer could not handle "${type}": ${error.message}`),
      afterMessage: () => this.store.touch({ redraw: 'all' }),
    };
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.host.notify('log', { level, message });
  }
}
