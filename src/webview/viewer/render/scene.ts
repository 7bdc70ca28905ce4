/**
 * Composes one frame: the windowed image through the view transform, the heatmap through
 * view ∘ toImage, the threshold outline transformed point by point and stroked at screen resolution
 * (so it stays one crisp line at any zoom), a scale bar when the pixel spacing is known, the box marks
 * of the label set and the rulers.
 */
import { apply, compose } from '../affine';
import { measurementLabel, type Measurement } from '../measure';
import type { MarkBox } from '../../../protocol/viewer';
import type { Affine } from '../types';
import { screenFromImage, type View } from '../viewport';
import { polylines } from '../polylines';
import type { HeatmapLayer } from './heatmapLayer';
import type { ImageLayer } from './imageLayer';
import { l10n } from '../../shared/l10n';

export interface Scene {
  view: View;
  image: ImageLayer;
  /** The image's size in full-resolution pixels (the view's units). */
  size: [number, number];
  /** The layer holds a reduced copy: each of its pixels covers factor x factor image pixels. */
  reducedBy?: number;
  heat?: {
    layer: HeatmapLayer;
    toImage: Affine;
    opacity: number;
    threshold: number;
    outline: boolean;
    outlineColor: string;
    /** Outline this image's own hottest part too (heatmapLayer.topRegion), dashed: where the model looks. */
    top?: boolean;
  };
  /** [row, column] spacing in mm. */
  pixelSpacing?: [number, number];
  /** CSS colour of the thin frame around the image (theme-dependent). */
  frameColor: string;
  /** Device pixels per CSS pixel, so strokes and text keep their CSS size. */
  dpr: number;
  measurements?: readonly Measurement[];
  /** Index of the ruler being drawn or moved (drawn highlighted). */
  activeMeasurement?: number;
  /** Box marks (whole image pixels), the picked one, and the box being drawn (continuous image pixels). */
  boxes?: readonly MarkBox[];
  activeBox?: number;
  boxDraft?: { x0: number; y0: number; x1: number; y1: number };
}

export function drawScene(ctx: CanvasRenderingContext2D, width: number, height: number, s: Scene): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const m = screenFromImage(s.view, width, height);
  const [iw, ih] = s.size;
  const held = s.image.canvas;

  ctx.setTransform(m[0], m[3], m[1], m[4], m[2], m[5]);
  const f = s.reducedBy ?? 1;
  if (f === 1) {
    // Smooth when shrinking, pixelated (nearest neighbour) from 1:1 up so single pixels can be inspected.
    ctx.imageSmoothingEnabled = s.view.scale < 1;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(held, 0, 0);
  } else {
    // A reduced copy: always smooth (its pixels are block means, not pixels to inspect). Held pixel i
    // covers image pixels [i*f, (i+1)*f); the last block may stick out past the edge, so the source
    // rectangle is cut to exactly the image's extent.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(held, 0, 0, iw / f, ih / f, 0, 0, iw, ih);
  }

  if (s.heat && s.heat.opacity > 0) {
    const h = compose(m, s.heat.toImage);
    ctx.setTransform(h[0], h[3], h[1], h[4], h[2], h[5]);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'medium';
    ctx.globalAlpha = s.heat.opacity;
    ctx.drawImage(s.heat.layer.canvas, 0, 0);
    ctx.globalAlpha = 1;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);

  // Frame around the image so its edge is visible against a background of the same colour.
  const [x0, y0] = apply(m, 0, 0);
  const [x1, y1] = apply(m, iw, ih);
  ctx.strokeStyle = s.frameColor;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(x0) - 0.5, Math.round(y0) - 0.5, Math.round(x1 - x0) + 1, Math.round(y1 - y0) + 1);

  if (s.heat?.top)
    drawOutline(ctx, compose(m, s.heat.toImage), s.heat.layer.topRegion().segs, TOP_COLOR, s.dpr, [
      4 * s.dpr,
      4 * s.dpr,
    ]);
  if (s.heat?.outline)
    drawOutline(ctx, compose(m, s.heat.toImage), s.heat.layer.segments(s.heat.threshold), s.heat.outlineColor, s.dpr);
  if (s.pixelSpacing) {
    // Bottom left of the visible part of the image: over the image's (usually dark) border, not over
    // the theme background where white would vanish in a light theme.
    const left = Math.max(0, Math.min(x0, x1));
    const bottom = Math.min(height, Math.max(y0, y1));
    const visibleW = Math.min(width, Math.max(x0, x1)) - left;
    drawScaleBar(ctx, left, bottom, visibleW, s.view.scale, s.pixelSpacing[1], s.dpr);
  }
  s.boxes?.forEach((b, i) => drawBox(ctx, m, b.x, b.y, b.x + b.w, b.y + b.h, i === s.activeBox, false, s.dpr));
  if (s.boxDraft) {
    const d = s.boxDraft;
    drawBox(ctx, m, d.x0, d.y0, d.x1, d.y1, true, true, s.dpr);
  }
  s.measurements?.forEach((r, i) =>
    drawRuler(ctx, m, r, measurementLabel(r, s.pixelSpacing), i === s.activeMeasurement, s.dpr),
  );
}

const RULER = '#ffd23f';
const RULER_ACTIVE = '#ffffff';

/** A ruler: line with end ticks across it, dark halo underneath, length label beside its middle. */
function drawRuler(
  ctx: CanvasRenderingContext2D,
  m: Affine,
  r: Measurement,
  label: string,
  active: boolean,
  dpr: number,
): void {
  const [ax, ay] = apply(m, r.x0, r.y0);
  const [bx, by] = apply(m, r.x1, r.y1);
  const len = Math.hypot(bx - ax, by - ay);
  // Unit normal (perpendicular); any direction will do for a zero-length ruler.
  const nx = len > 0 ? -(by - ay) / len : 0;
  const ny = len > 0 ? (bx - ax) / len : 1;
  const tick = 5 * dpr;
  const path = () => {
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    for (const [x, y] of [
      [ax, ay],
      [bx, by],
    ]) {
      ctx.moveTo(x - nx * tick, y - ny * tick);
      ctx.lineTo(x + nx * tick, y + ny * tick);
    }
  };
  ctx.lineCap = 'round';
  path();
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
  ctx.lineWidth = 4 * dpr;
  ctx.stroke();
  path();
  ctx.strokeStyle = active ? RULER_ACTIVE : RULER;
  ctx.lineWidth = 1.5 * dpr;
  ctx.stroke();

  // The label sits beside the middle, on the side away from the line's slope, always upright.
  ctx.font = `600 ${12 * dpr}px sans-serif`;
  const w = ctx.measureText(label).width;
  const side = ny > 0 ? -1 : 1;
  // Far enough along the normal that the label's box clears the line whatever the slope.
  const off = 8 * dpr + (Math.abs(nx) * w) / 2 + Math.abs(ny) * 8 * dpr;
  const cx = (ax + bx) / 2 + side * nx * off;
  const cy = (ay + by) / 2 + side * ny * off;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3 * dpr;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.85)';
  ctx.strokeText(label, cx, cy);
  ctx.fillStyle = active ? RULER_ACTIVE : RULER;
  ctx.fillText(label, cx, cy);
  ctx.textAlign = 'start';
}

const BOX = '#3fd4ff';

/** A box mark: a dark halo under a cyan line (white when picked), dashed while it is being drawn. */
function drawBox(
  ctx: CanvasRenderingContext2D,
  m: Affine,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  active: boolean,
  draft: boolean,
  dpr: number,
): void {
  const [ax, ay] = apply(m, x0, y0);
  const [bx, by] = apply(m, x1, y1);
  const rect = () => {
    ctx.beginPath();
    ctx.rect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
  };
  ctx.setLineDash(draft ? [5 * dpr, 3 * dpr] : []);
  ctx.lineJoin = 'miter';
  rect();
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
  ctx.lineWidth = 4 * dpr;
  ctx.stroke();
  rect();
  ctx.strokeStyle = active ? RULER_ACTIVE : BOX;
  ctx.lineWidth = (active ? 2 : 1.5) * dpr;
  ctx.stroke();
  ctx.setLineDash([]);
}

/** The top-region outline: a muted white, dashed, so it reads as "look here" beside the threshold's solid line. */
export const TOP_COLOR = 'rgba(255, 255, 255, 0.8)';

// The layers keep their segment arrays while the map and threshold stay, so each is joined once.
const joined = new WeakMap<Float32Array, Float32Array[]>();
function linesOf(segs: Float32Array): Float32Array[] {
  let lines = joined.get(segs);
  if (!lines) joined.set(segs, (lines = polylines(segs)));
  return lines;
}

function drawOutline(
  ctx: CanvasRenderingContext2D,
  m: Affine,
  segs: Float32Array,
  color: string,
  dpr: number,
  dash: number[] = [],
): void {
  if (segs.length === 0) return;
  ctx.setLineDash(dash);
  ctx.beginPath();
  // Whole outlines, not their segments: a dash pattern restarts at every moveTo.
  for (const line of linesOf(segs)) {
    ctx.moveTo(m[0] * line[0] + m[1] * line[1] + m[2], m[3] * line[0] + m[4] * line[1] + m[5]);
    for (let i = 2; i < line.length; i += 2)
      ctx.lineTo(m[0] * line[i] + m[1] * line[i + 1] + m[2], m[3] * line[i] + m[4] * line[i + 1] + m[5]);
  }
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  // A dark halo under a bright line reads on bright bone, dark background and every colormap alike.
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
  ctx.lineWidth = 3.5 * dpr;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * dpr;
  ctx.stroke();
  ctx.setLineDash([]);
}

/** A bar of a round length (1, 2 or 5 x 10^k mm) about 100 CSS pixels long, bottom left. */
export function scaleBarLength(mmPerDevicePx: number, targetDevicePx: number): number {
  const target = mmPerDevicePx * targetDevicePx;
  const p = 10 ** Math.floor(Math.log10(target));
  return [5, 2, 1].map((k) => k * p).find((v) => v <= target) ?? p;
}

export function formatLength(mm: number): string {
  if (mm >= 10) return l10n.t('{0} cm', +(mm / 10).toPrecision(3));
  if (mm >= 1) return l10n.t('{0} mm', +mm.toPrecision(3));
  return l10n.t('{0} µm', +(mm * 1000).toPrecision(3));
}

function drawScaleBar(
  ctx: CanvasRenderingContext2D,
  left: number,
  bottom: number,
  visibleW: number,
  scale: number,
  spacingMm: number,
  dpr: number,
): void {
  if (!(spacingMm > 0)) return;
  const mmPerPx = spacingMm / scale;
  const target = Math.min(110 * dpr, visibleW * 0.4);
  if (target < 30 * dpr) return;
  const mm = scaleBarLength(mmPerPx, target);
  const len = mm / mmPerPx;
  const x = left + 14 * dpr;
  const y = bottom - 14 * dpr;
  const label = formatLength(mm);
  ctx.font = `${12 * dpr}px sans-serif`;
  ctx.textBaseline = 'bottom';
  ctx.lineCap = 'butt';
  const path = () => {
    ctx.beginPath();
    ctx.moveTo(x, y - 5 * dpr);
    ctx.lineTo(x, y);
    ctx.lineTo(x + len, y);
    ctx.lineTo(x + len, y - 5 * dpr);
  };
  path();
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
  ctx.lineWidth = 4 * dpr;
  ctx.stroke();
  path();
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1.5 * dpr;
  ctx.stroke();
  ctx.lineWidth = 3 * dpr;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
  ctx.strokeText(label, x + 4 * dpr, y - 6 * dpr);
  ctx.fillStyle = '#ffffff';
  ctx.fillText(label, x + 4 * dpr, y - 6 * dpr);
}
