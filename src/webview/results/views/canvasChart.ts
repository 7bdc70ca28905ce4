/**
 * A chart drawn by hand on one canvas (the scatter plot, the embedding map: 100,000 points in a few ms, where
 * SVG or uPlot series would not keep up): the element's size and the theme's colours, redrawn when either
 * changes, and a context in CSS pixels for the device's pixel ratio.
 */
import { div } from './dom';
import { readTheme, type ChartTheme } from './theme';

export abstract class CanvasChart {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  protected theme: ChartTheme = readTheme();
  protected size = { width: 0, height: 0 };

  constructor(className: string) {
    this.element = div(className);
    this.canvas = document.createElement('canvas');
  }

  themeChanged(): void {
    this.theme = readTheme();
    this.draw();
  }

  resize(): void {
    const w = this.element.clientWidth;
    const h = this.element.clientHeight;
    if (w === this.size.width && h === this.size.height) return;
    this.size = { width: w, height: h };
    this.draw();
  }

  protected abstract draw(): void;

  /** The canvas sized to the element (resized only when that changed), cleared; undefined while it has no size. */
  protected context(): CanvasRenderingContext2D | undefined {
    const { width, height } = this.size;
    if (width <= 0 || height <= 0) return undefined;
    const dpr = devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return undefined;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
  }
}
