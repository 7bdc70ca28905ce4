/**
 * Draws at most once per animation frame, and only what a change asked for: the panels (all, or just
 * the toolbar and status bar), then the canvas. Re-windowing (the only per-pixel work) happens only when
 * the window or inversion changed (ImageLayer caches); zoom, pan and overlay changes just recompose.
 * Also keeps the canvas sized to its viewport and in the theme's colours.
 */
import { Disposable } from '../../protocol/dispose';
import { FrameScheduler, observing } from '../shared/lifetime';
import { describeImage, pushBounded, type ViewerPerf } from './diagnostics';
import { outlineColor } from './render/colormaps';
import { drawScene } from './render/scene';
import type { Redraw, ViewerStore } from './store';
import type { Actions } from './ui/actions';
import type { Layout } from './ui/layout';
import { renderHeat } from './ui/heatPanel';
import { renderErrorCard, renderInfo, renderScore, renderToolbar } from './ui/panels';
import { renderStepView, renderStrip } from './ui/previewStrip';
import { renderTabs, renderTags } from './ui/tagsPanel';
import { fitView } from './viewport';

export interface DrawDeps {
  store: ViewerStore;
  layout: Layout;
  actions: Actions;
  perf: Pick<ViewerPerf, 'windowRenderMs' | 'composeMs'>;
  log(level: 'info' | 'error', message: string): void;
  /** Redraws the pixel readout after each frame (the values under the pointer may have changed). */
  afterFrame(): void;
}

export class DrawLoop extends Disposable {
  private readonly frames: FrameScheduler;
  private readonly ctx: CanvasRenderingContext2D;
  /** Panels still to redraw: 'bar' the toolbar and status only (zoom, pan, window), 'all' every panel. */
  private panelsDirty: false | 'bar' | 'all' = 'all';
  private frameColor = '#888';
  private lastDrawError?: string;

  constructor(private readonly deps: DrawDeps) {
    super();
    const { layout } = deps;
    const ctx = layout.canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('Canvas 2D is not available in this webview.');
    this.ctx = ctx;
    this.frames = this._register(new FrameScheduler(() => this.draw()));
    this._register(deps.store.subscribe((change) => this.invalidate(change.redraw)));
    const resize = new ResizeObserver(() => this.fitCanvas());
    resize.observe(layout.viewport);
    this._register(observing(resize));
    // VS Code swaps body classes when the colour theme changes; the canvas reads theme colours itself.
    const theme = new MutationObserver(() => this.readThemeColors());
    theme.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
    this._register(observing(theme));
    this.readThemeColors();
    this.invalidate('all');
  }

  invalidate(redraw: Redraw): void {
    if (redraw === 'none') return;
    if (redraw === 'all' || (redraw === 'bar' && !this.panelsDirty)) this.panelsDirty = redraw;
    this.frames.request();
  }

  private readThemeColors(): void {
    this.frameColor = getComputedStyle(this.deps.layout.canvas).color || '#888';
    this.invalidate('canvas');
  }

  /** The canvas backing store follows the viewport's size in device pixels. */
  private fitCanvas(): void {
    const { canvas, viewport } = this.deps.layout;
    const dpr = window.devicePixelRatio || 1;
    const r = viewport.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      // The step view is sized to the viewport.
      this.invalidate(this.deps.store.state.previewStep !== null ? 'all' : 'bar');
    }
  }

  private draw(): void {
    try {
      this.drawFrame();
    } catch (err) {
      // Log once per distinct failure; the next state change tries again.
      const message = `Viewer could not draw: ${err instanceof Error ? err.message : String(err)}`;
      if (message !== this.lastDrawError) this.deps.log('error', message);
      this.lastDrawError = message;
    }
  }

  private drawFrame(): void {
    const { store, layout } = this.deps;
    const canvas = layout.canvas;
    const held = store.state.loaded;
    if (held && store.state.fitted && canvas.width >= 2 && canvas.height >= 2)
      store.update((s) => void (s.view = fitView(held.width, held.height, canvas.width, canvas.height)), {
        redraw: 'none',
      });
    this.renderPanels();
    const s = store.state;
    if (!held || !s.window || !s.view || canvas.width < 2 || canvas.height < 2) return;
    const t0 = performance.now();
    const windowMs = held.layer.update(s.window, s.invert);
    const heat = s.analysis?.heat && s.overlayVisible ? s.analysis.heat : undefined;
    heat?.paint(s.settings.colormap, s.settings.heatmapFloor ?? 0);
    drawScene(this.ctx, canvas.width, canvas.height, {
      view: s.view,
      image: held.layer,
      size: [held.width, held.height],
      reducedBy: held.reduced?.factor,
      heat: heat && {
        layer: heat,
        toImage: heat.map.toImage,
        opacity: s.settings.heatmapOpacity,
        threshold: s.settings.threshold,
        outline: s.outline,
        outlineColor: outlineColor(s.settings.colormap),
        top: s.outline,
      },
      pixelSpacing: held.image.pixelSpacing,
      frameColor: this.frameColor,
      dpr: window.devicePixelRatio || 1,
      measurements: s.measurements,
      activeMeasurement: s.activeMeasurement,
      boxes: s.mark?.boxes,
      activeBox: s.activeBox,
      boxDraft: s.boxDraft,
    });
    const ms = performance.now() - t0;
    const now = Date.now();
    const firstPaint = held.firstPaintMs === undefined;
    store.update(
      (st) => {
        st.renders++;
        st.timeline.imageDrawn ??= now;
        if (heat) st.timeline.heatmapDrawn ??= now;
        if (!held.reduced) st.timeline.fullResolutionDrawn ??= now;
        if (firstPaint) held.firstPaintMs = performance.now() - held.receivedAt;
      },
      { redraw: 'none' },
    );
    pushBounded(windowMs > 0 ? this.deps.perf.windowRenderMs : this.deps.perf.composeMs, ms);
    if (firstPaint && held.firstPaintMs !== undefined) {
      const what = held.reduced
        ? `reduced copy (${held.image.width}x${held.image.height}) of the ${held.width}x${held.height} image`
        : `${held.width}x${held.height} image`;
      this.deps.log(
        'info',
        `Viewer: ${what} drawn ${Math.round(held.firstPaintMs)} ms after it arrived (windowing ${Math.round(windowMs)} ms).`,
      );
    }
    this.deps.afterFrame();
  }

  private renderPanels(): void {
    const { store, layout: L, actions } = this.deps;
    const s = store.state;
    if (!this.panelsDirty) return;
    const all = this.panelsDirty === 'all';
    this.panelsDirty = false;
    renderToolbar(L, s);
    if (!all) return;
    renderScore(L, s, actions);
    renderHeat(L, s);
    renderInfo(L, s);
    renderTabs(L, s);
    renderTags(L, s, actions);
    renderStrip(L, s, actions);
    renderStepView(L, s, actions);
    renderErrorCard(L, s);
    L.loading.hidden = Boolean(s.loaded || s.imageError);
    L.canvas.hidden = !s.loaded;
    L.canvas.setAttribute('aria-label', describeImage(s));
    L.canvas.classList.toggle('tool-window', s.tool === 'window');
    L.canvas.classList.toggle('tool-measure', s.tool === 'measure' || s.tool === 'box');
    if (s.analysis && s.timeline.scoreShown === undefined) {
      const now = Date.now();
      store.update((st) => void (st.timeline.scoreShown = now), { redraw: 'none' });
    }
  }
}
