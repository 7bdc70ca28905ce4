/**
 * The ruler tool: drawing a new ruler, or moving an end of an existing one when the drag starts on it,
 * plus adding and removing rulers. Screen positions are canvas device pixels.
 */
import { clampToImage, handleAt, lengthPx } from './measure';
import type { ViewerStore } from './store';
import type { CanvasSize, ViewControl } from './viewControl';
import { imageFromScreen, screenFromImage } from './viewport';

/** How close (CSS pixels) the pointer must be to grab a ruler's end. */
const GRAB_CSS_PX = 8;
/** A drag shorter than this (CSS pixels on screen) is a click: it makes no ruler. */
const MIN_RULER_CSS_PX = 4;

export class MeasureTool {
  constructor(
    private readonly store: ViewerStore,
    private readonly view: ViewControl,
    private readonly canvasSize: CanvasSize,
    private readonly devicePixelRatio: () => number,
  ) {}

  gesture(phase: 'start' | 'move' | 'end', sx?: number, sy?: number): void {
    const img = this.store.state.loaded;
    const v = this.view.current();
    if (!img || !v) return;
    const { width, height } = this.canvasSize();
    const dpr = this.devicePixelRatio();
    const toImage = (x: number, y: number) =>
      clampToImage(...imageFromScreen(v, width, height, x, y), img.width, img.height);
    if (phase === 'start' && sx !== undefined && sy !== undefined) {
      const hit = handleAt(this.store.state.measurements, screenFromImage(v, width, height), sx, sy, GRAB_CSS_PX * dpr);
      this.store.update(
        (s) => {
          if (hit) s.rulerDrag = { ...hit, created: false };
          else {
            const [x, y] = toImage(sx, sy);
            s.measurements.push({ x0: x, y0: y, x1: x, y1: y });
            s.rulerDrag = { index: s.measurements.length - 1, end: 1, created: true };
          }
          s.activeMeasurement = s.rulerDrag.index;
        },
        { redraw: 'bar' },
      );
      return;
    }
    const drag = this.store.state.rulerDrag;
    if (!drag || !this.store.state.measurements[drag.index]) return;
    if (phase === 'move' && sx !== undefined && sy !== undefined) {
      const [x, y] = toImage(sx, sy);
      this.store.update(
        (s) => {
          const r = s.measurements[drag.index];
          s.measurements[drag.index] = drag.end ? { ...r, x1: x, y1: y } : { ...r, x0: x, y0: y };
        },
        { redraw: 'canvas' },
      );
      return;
    }
    if (phase === 'end')
      this.store.update(
        (s) => {
          const r = s.measurements[drag.index];
          if (drag.created && lengthPx(r) * v.scale < MIN_RULER_CSS_PX * dpr) s.measurements.splice(drag.index, 1);
          s.rulerDrag = undefined;
          s.activeMeasurement = undefined;
        },
        { redraw: 'bar', save: true },
      );
  }

  /** Whether the screen point is on a ruler's end (the cursor shows it can be grabbed). */
  overHandle(sx: number, sy: number): boolean {
    const v = this.view.current();
    if (!v) return false;
    const { width, height } = this.canvasSize();
    return Boolean(
      handleAt(
        this.store.state.measurements,
        screenFromImage(v, width, height),
        sx,
        sy,
        GRAB_CSS_PX * this.devicePixelRatio(),
      ),
    );
  }

  /** A ruler between two image points (clamped to the image), as if drawn. */
  add(from: [number, number], to: [number, number]): void {
    const img = this.store.state.loaded;
    if (!img) return;
    const [x0, y0] = clampToImage(Number(from[0]), Number(from[1]), img.width, img.height);
    const [x1, y1] = clampToImage(Number(to[0]), Number(to[1]), img.width, img.height);
    this.store.update((s) => void s.measurements.push({ x0, y0, x1, y1 }), { redraw: 'bar', save: true });
  }

  deleteLast(): void {
    const s = this.store.state;
    if (s.measurements.length === 0 || s.rulerDrag) return;
    this.store.update((st) => void st.measurements.pop(), { redraw: 'bar', save: true });
  }

  clear(): void {
    if (this.store.state.measurements.length === 0) return;
    this.store.update(
      (s) => {
        s.measurements = [];
        s.rulerDrag = undefined;
        s.activeMeasurement = undefined;
      },
      { redraw: 'bar', save: true },
    );
  }
}
