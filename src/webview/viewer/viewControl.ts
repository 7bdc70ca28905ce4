/**
 * Zoom, pan and window/level as state changes: the view in effect (the fitted one while it follows the
 * editor's size), and each way the user moves it. The canvas size comes in as a function, so this runs
 * without a DOM.
 */
import type { ViewerStore } from './store';
import { constrain, fitView, panBy, screenFromImage, stepScale, zoomAt, type View } from './viewport';
import { adjusted } from './windowing';

/** The canvas's size in device pixels. */
export type CanvasSize = () => { width: number; height: number };

export class ViewControl {
  constructor(
    private readonly store: ViewerStore,
    private readonly canvasSize: CanvasSize,
    /** The user moved the view (null: back to fitting); other viewers of the file follow (not called by `follow`). */
    private readonly moved: (view: View | null) => void = () => undefined,
  ) {}

  /** The view in effect now (the fitted one when following the editor size). */
  current(): View | undefined {
    const s = this.store.state;
    const img = s.loaded;
    if (!img) return undefined;
    const { width, height } = this.canvasSize();
    if (s.fitted || !s.view) return fitView(img.width, img.height, Math.max(1, width), Math.max(1, height));
    return s.view;
  }

  /** Where an image point is on the canvas now (device pixels); the origin when no image is shown. */
  screenOf(x: number, y: number): [number, number] {
    const v = this.current();
    if (!v) return [0, 0];
    const { width, height } = this.canvasSize();
    const m = screenFromImage(v, width, height);
    return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
  }

  set(view: View): void {
    if (this.apply(view)) this.moved(this.store.state.view ?? null);
  }

  fit(): void {
    this.apply(null);
    this.moved(null);
  }

  /** Another viewer of the same file moved: show its view (same scale and centre), without passing it on. */
  follow(view: View | null): void {
    if (view && !(Number.isFinite(view.scale) && Number.isFinite(view.cx) && Number.isFinite(view.cy))) return;
    this.apply(view);
  }

  private apply(view: View | null): boolean {
    const img = this.store.state.loaded;
    if (view && !img) return false;
    this.store.update(
      (s) => {
        s.view = view && img ? constrain(view, img.width, img.height) : undefined;
        s.fitted = !view;
      },
      { redraw: 'bar', save: true },
    );
    return true;
  }

  oneToOne(): void {
    const v = this.current();
    if (v) this.set({ ...v, scale: 1 });
  }

  /** One step of the zoom ladder, about the canvas centre. */
  zoomStep(dir: 1 | -1): void {
    const v = this.current();
    if (!v) return;
    const { width, height } = this.canvasSize();
    this.set(zoomAt(v, stepScale(v.scale, dir), width / 2, height / 2, width, height));
  }

  /** Zoom by `factor` about the canvas centre. */
  zoomStepBy(factor: number): void {
    const { width, height } = this.canvasSize();
    this.zoomAt(factor, width / 2, height / 2);
  }

  /** Zoom by `factor` keeping the image point under (sx, sy) (device pixels) in place. */
  zoomAt(factor: number, sx: number, sy: number): void {
    const v = this.current();
    if (!v) return;
    const { width, height } = this.canvasSize();
    this.set(zoomAt(v, v.scale * factor, sx, sy, width, height));
  }

  /** Pan by device pixels. */
  pan(dx: number, dy: number): void {
    const v = this.current();
    if (v) this.set(panBy(v, dx, dy));
  }

  /** Keyboard pan: a tenth of the canvas, half with `big`. */
  panByFraction(fx: number, fy: number, big: boolean): void {
    const { width, height } = this.canvasSize();
    const f = big ? 0.5 : 0.1;
    this.pan(fx * width * f, fy * height * f);
  }

  /** Right-drag: horizontal changes the width, vertical the level; the whole range is ~500 px of drag. */
  windowDrag(dx: number, dy: number): void {
    const { loaded: img, window: w } = this.store.state;
    if (!img || !w) return;
    const range = Math.max(img.stats.max - img.stats.min, 1e-6);
    const k = range / 500;
    const integer = !(img.image.data instanceof Float32Array) && Number.isInteger(img.image.rescale.slope);
    const minWidth = integer ? 1 : range * 1e-4;
    this.store.update(
      (s) => {
        s.window = adjusted(w, w.center + dy * k, Math.max(minWidth, w.width + dx * k));
        s.windowId = 'custom';
      },
      { redraw: 'bar', save: true },
    );
  }
}
