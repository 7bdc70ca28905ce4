/**
 * The embedding map's canvas: one point per image (a square of 2-5 px; 100,000 draw in a few ms, grouped
 * by colour so each colour is one path), the selection ringed, the lasso being drawn. Pointer: hover finds
 * the nearest point through a grid of cells; a click (a press that hardly moved) opens it; a drag draws a
 * lasso and selects the points inside on release (Shift adds to the selection).
 */
import { pointsInPolygon, type Point } from '../lasso';
import { CanvasChart } from './canvasChart';
import { withAlpha } from './theme';

const MARGIN = 16;
/** How far from a point (CSS px) hover and click still find it. */
const PICK_RADIUS = 8;
/** A press that moves less than this (CSS px) is a click, not a lasso. */
const CLICK_SLOP = 4;

export interface MapPoints {
  rows: Uint32Array;
  /** Map coordinates, 0..1 (y up). */
  x: Float32Array;
  y: Float32Array;
  /** Colour of each point, as an index into `palette`. */
  colour: Uint8Array;
  palette: string[];
  selected: ReadonlySet<number>;
}

export interface MapCanvasEvents {
  hover(row: number | undefined, px: number, py: number): void;
  click(row: number): void;
  lasso(rows: number[], add: boolean): void;
}

export class MapCanvas extends CanvasChart {
  private data?: MapPoints;
  /** Points' pixel positions (CSS px) and a grid of cells over them, rebuilt on each draw. */
  private px = new Float32Array(0);
  private py = new Float32Array(0);
  private cells = new Map<number, number[]>();
  private drag?: { points: Point[]; add: boolean; moved: boolean };
  /** The points' extent on the map (the plot fits it, same scale on both axes). */
  private bounds = { x0: 0, x1: 1, y0: 0, y1: 1 };

  constructor(private readonly events: MapCanvasEvents) {
    super('map-canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.tabIndex = 0;
    this.element.append(this.canvas);
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointerleave', () => {
      if (!this.drag) this.events.hover(undefined, 0, 0);
    });
  }

  setData(data: MapPoints, aria: string): void {
    this.data = data;
    const b = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
    for (let i = 0; i < data.x.length; i++) {
      b.x0 = Math.min(b.x0, data.x[i]);
      b.x1 = Math.max(b.x1, data.x[i]);
      b.y0 = Math.min(b.y0, data.y[i]);
      b.y1 = Math.max(b.y1, data.y[i]);
    }
    this.bounds = data.x.length ? b : { x0: 0, x1: 1, y0: 0, y1: 1 };
    this.canvas.setAttribute('aria-label', aria);
    this.draw();
  }

  get points(): number {
    return this.size.width > 0 ? (this.data?.rows.length ?? 0) : 0;
  }

  /** Map coordinates to CSS px inside the canvas: the points' extent fitted and centred, same scale on both axes. */
  toPixel(x: number, y: number): [number, number] {
    const { width, height } = this.size;
    const { x0, x1, y0, y1 } = this.bounds;
    const spanX = Math.max(x1 - x0, 1e-6);
    const spanY = Math.max(y1 - y0, 1e-6);
    const scale = Math.max(1, Math.min((width - 2 * MARGIN) / spanX, (height - 2 * MARGIN) / spanY));
    const left = (width - spanX * scale) / 2;
    const top = (height - spanY * scale) / 2;
    return [left + (x - x0) * scale, top + (y1 - y) * scale];
  }

  /** A real pointer move over this row's point (tests: the hover tip); false when it has none. */
  hoverRow(row: number): boolean {
    const d = this.data;
    const i = d ? d.rows.indexOf(row) : -1;
    if (!d || i < 0) return false;
    const r = this.canvas.getBoundingClientRect();
    const [px, py] = this.toPixel(d.x[i], d.y[i]);
    this.canvas.dispatchEvent(
      new PointerEvent('pointermove', { clientX: r.left + px, clientY: r.top + py, bubbles: true }),
    );
    return true;
  }

  /**
   * A lasso through map points as real pointer events on the canvas (tests): press at the first, move
   * through the others, release.
   */
  simulateLasso(points: [number, number][], add: boolean): void {
    const r = this.canvas.getBoundingClientRect();
    const ev = (type: string, [x, y]: [number, number]) => {
      const [px, py] = this.toPixel(x, y);
      this.canvas.dispatchEvent(
        new PointerEvent(type, {
          clientX: r.left + px,
          clientY: r.top + py,
          shiftKey: add,
          bubbles: true,
          pointerId: 1,
        }),
      );
    };
    if (!points.length) return;
    ev('pointerdown', points[0]);
    for (const p of points.slice(1)) ev('pointermove', p);
    ev('pointerup', points[points.length - 1]);
  }

  private local(e: PointerEvent): Point {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private down(e: PointerEvent): void {
    if (e.button !== undefined && e.button > 0) return;
    this.drag = { points: [this.local(e)], add: e.shiftKey, moved: false };
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic events (tests) have no active pointer to capture.
    }
  }

  private move(e: PointerEvent): void {
    const p = this.local(e);
    const d = this.drag;
    if (!d) {
      const i = this.pointAt(p[0], p[1]);
      this.canvas.style.cursor = i >= 0 ? 'pointer' : 'crosshair';
      this.events.hover(i >= 0 ? this.data!.rows[i] : undefined, p[0], p[1]);
      return;
    }
    const [x0, y0] = d.points[0];
    if (Math.hypot(p[0] - x0, p[1] - y0) > CLICK_SLOP) d.moved = true;
    d.points.push(p);
    this.events.hover(undefined, 0, 0);
    this.draw();
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = undefined;
    if (!d) return;
    const data = this.data;
    if (!d.moved || d.points.length < 3) {
      const [x, y] = this.local(e);
      const i = this.pointAt(x, y);
      if (i >= 0 && data) this.events.click(data.rows[i]);
      this.draw();
      return;
    }
    const inside = pointsInPolygon(this.px, this.py, d.points);
    this.draw();
    if (data)
      this.events.lasso(
        inside.map((i) => data.rows[i]),
        d.add,
      );
  }

  /** Index of the nearest point within PICK_RADIUS of (x, y) CSS px, or -1. */
  private pointAt(x: number, y: number): number {
    let best = -1;
    let bestD = PICK_RADIUS * PICK_RADIUS;
    const cx = Math.floor(x / PICK_RADIUS);
    const cy = Math.floor(y / PICK_RADIUS);
    for (let gx = cx - 1; gx <= cx + 1; gx++)
      for (let gy = cy - 1; gy <= cy + 1; gy++)
        for (const i of this.cells.get(gx * 65536 + gy) ?? []) {
          const d = (this.px[i] - x) ** 2 + (this.py[i] - y) ** 2;
          if (d <= bestD) [best, bestD] = [i, d];
        }
    return best;
  }

  protected draw(): void {
    const ctx = this.context();
    const data = this.data;
    if (!ctx || !data) return;
    const t = this.theme;
    const n = data.rows.length;
    this.px = new Float32Array(n);
    this.py = new Float32Array(n);
    this.cells = new Map();
    for (let i = 0; i < n; i++) {
      const [x, y] = this.toPixel(data.x[i], data.y[i]);
      this.px[i] = x;
      this.py[i] = y;
      const key = Math.floor(x / PICK_RADIUS) * 65536 + Math.floor(y / PICK_RADIUS);
      const cell = this.cells.get(key);
      if (cell) cell.push(i);
      else this.cells.set(key, [i]);
    }
    const size = n > 20000 ? 2 : n > 2000 ? 3 : 5;
    const half = size / 2;
    // One path per colour; the palette's later colours (labelled, high scores) drawn on top.
    for (let c = 0; c < data.palette.length; c++) {
      ctx.fillStyle = withAlpha(data.palette[c], 0.85);
      ctx.beginPath();
      let any = false;
      for (let i = 0; i < n; i++)
        if (data.colour[i] === c) {
          ctx.rect(this.px[i] - half, this.py[i] - half, size, size);
          any = true;
        }
      if (any) ctx.fill();
    }
    ctx.strokeStyle = t.foreground;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < n; i++)
      if (data.selected.has(data.rows[i])) ctx.rect(this.px[i] - half - 2, this.py[i] - half - 2, size + 4, size + 4);
    ctx.stroke();
    const d = this.drag;
    if (d && d.points.length > 1) {
      ctx.strokeStyle = t.threshold;
      ctx.fillStyle = withAlpha(t.threshold, 0.1);
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(d.points[0][0], d.points[0][1]);
      for (const [x, y] of d.points.slice(1)) ctx.lineTo(x, y);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}
