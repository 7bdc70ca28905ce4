/**
 * The windowed 8-bit image, kept in an offscreen canvas at the resolution of the pixels held (full, or
 * a reduced copy while the full resolution is on its way): it is rebuilt only when the window, level or
 * inversion changes; zoom and pan just draw it with a different transform.
 */
import type { XrayImage } from '../types';
import { applyWindow, type WindowLevel } from '../windowing';

export class ImageLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly imageData: ImageData;
  private readonly pixels: Uint32Array;
  private key = '';

  constructor(readonly image: XrayImage) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('Canvas 2D is not available in this webview.');
    this.ctx = ctx;
    this.imageData = ctx.createImageData(image.width, image.height);
    this.pixels = new Uint32Array(this.imageData.data.buffer);
  }

  /** Re-window if anything changed; returns the milliseconds spent (0 when nothing changed). */
  update(w: WindowLevel, invert: boolean): number {
    const key = `${w.center}|${w.width}|${w.fn}|${invert}`;
    if (key === this.key) return 0;
    const t0 = performance.now();
    applyWindow(this.image, w, invert, this.pixels);
    this.ctx.putImageData(this.imageData, 0, 0);
    this.key = key;
    return performance.now() - t0;
  }
}
