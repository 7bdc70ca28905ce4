/**
 * Scatter plot of two models' normalised scores on a canvas (100,000 points draw in a few ms; an SVG or a
 * uPlot series would not): one point per image coloured by ground truth, each model's threshold as a
 * dashed line, the quadrant both models flag shaded. Hover names the image; a click opens it.
 */
import type { Scatter } from '../compare';
import { formatNorm } from '../format';
import { nearestPoint } from '../compare';
import { withAlpha } from './theme';
import { CanvasChart } from './canvasChart';
import { div } from './dom';
import { l10n } from '../../shared/l10n';

const MARGIN = { left: 54, right: 14, top: 12, bottom: 40 };
/** How far from a point (CSS px) a click or hover still finds it. */
const PICK_RADIUS = 8;

export interface ScatterInput {
  scatter: Scatter;
  /** Ground truth by row (1 anomalous, 0 normal, -1 unknown). */
  labels: ArrayLike<number>;
  paths: readonly string[];
  selected: ReadonlySet<number>;
  thresholds: [number, number];
  names: [string, string];
}

export class ScatterChart extends CanvasChart {
  private readonly tip: HTMLElement;
  private input?: ScatterInput;

  constructor(private readonly pick: (row: number) => void) {
    super('scatter');
    this.canvas.setAttribute('role', 'img');
    this.tip = div('scatter-tip');
    this.tip.hidden = true;
    this.tip.setAttribute('translate', 'no');
    this.element.append(this.canvas, this.tip);
    this.canvas.addEventListener('pointermove', (e) => this.hover(e));
    this.canvas.addEventListener('pointerleave', () => (this.tip.hidden = true));
    this.canvas.addEventListener('click', (e) => {
      const i = this.pointAt(e.clientX, e.clientY);
      if (i >= 0 && this.input) this.pick(this.input.scatter.rows[i]);
    });
  }

  setData(input: ScatterInput): void {
    this.input = input;
    const [x, y] = input.names;
    this.canvas.setAttribute(
      'aria-label',
      l10n.t('Scatter plot of {0} (x) against {1} (y), {2} images', x, y, input.scatter.rows.length),
    );
    this.draw();
  }

  /** Points drawn last time (0 before the first draw). */
  get points(): number {
    return this.size.width > 0 ? (this.input?.scatter.rows.length ?? 0) : 0;
  }

  /** A real click event at the row's point (tests); false when the row has no point. */
  clickRow(row: number): boolean {
    const s = this.input?.scatter;
    const i = s ? s.rows.indexOf(row) : -1;
    if (!s || i < 0) return false;
    const r = this.canvas.getBoundingClientRect();
    const { px, py } = this.toPixel(s.x[i], s.y[i]);
    this.canvas.dispatchEvent(new MouseEvent('click', { clientX: r.left + px, clientY: r.top + py, bubbles: true }));
    return true;
  }

  private plotBox() {
    const { width, height } = this.size;
    return {
      left: MARGIN.left,
      top: MARGIN.top,
      width: Math.max(10, width - MARGIN.left - MARGIN.right),
      height: Math.max(10, height - MARGIN.top - MARGIN.bottom),
    };
  }

  private toPixel(x: number, y: number): { px: number; py: number } {
    const s = this.input!.scatter;
    const b = this.plotBox();
    return {
      px: b.left + ((x - s.xRange[0]) / (s.xRange[1] - s.xRange[0])) * b.width,
      py: b.top + b.height - ((y - s.yRange[0]) / (s.yRange[1] - s.yRange[0])) * b.height,
    };
  }

  private pointAt(clientX: number, clientY: number): number {
    const s = this.input?.scatter;
    if (!s) return -1;
    const r = this.canvas.getBoundingClientRect();
    const b = this.plotBox();
    const sx = b.width / (s.xRange[1] - s.xRange[0]);
    const sy = b.height / (s.yRange[1] - s.yRange[0]);
    const x = s.xRange[0] + (clientX - r.left - b.left) / sx;
    const y = s.yRange[0] + (b.top + b.height - (clientY - r.top)) / sy;
    return nearestPoint(s, x, y, sx, sy, PICK_RADIUS);
  }

  private hover(e: PointerEvent): void {
    const i = this.pointAt(e.clientX, e.clientY);
    this.canvas.style.cursor = i >= 0 ? 'pointer' : '';
    const input = this.input;
    if (i < 0 || !input) {
      this.tip.hidden = true;
      return;
    }
    const s = input.scatter;
    const row = s.rows[i];
    this.tip.textContent = `${input.paths[row]}\n${input.names[0]} ${formatNorm(s.x[i])} · ${input.names[1]} ${formatNorm(s.y[i])}`;
    const { px, py } = this.toPixel(s.x[i], s.y[i]);
    this.tip.hidden = false;
    // Keep the tip inside the chart: left of the point in the right half, below it in the top half.
    const right = px > this.size.width / 2;
    this.tip.style.left = right ? '' : `${px + 10}px`;
    this.tip.style.right = right ? `${this.size.width - px + 10}px` : '';
    this.tip.style.top = `${py > this.size.height / 2 ? py - 44 : py + 10}px`;
  }

  protected draw(): void {
    const input = this.input;
    const ctx = input && this.context();
    if (!input || !ctx) return;
    const { height } = this.size;
    const t = this.theme;
    const s = input.scatter;
    const b = this.plotBox();
    const [tx, ty] = input.thresholds;
    const at = (x: number, y: number) => this.toPixel(x, y);

    // Grid and axes.
    ctx.font = t.font;
    ctx.lineWidth = 1;
    ctx.strokeStyle = withAlpha(t.grid, 0.5);
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of ticks(s.xRange)) {
      const { px } = at(v, s.yRange[0]);
      line(ctx, px, b.top, px, b.top + b.height);
      ctx.fillText(v.toFixed(2).replace(/0$/, ''), px, b.top + b.height + 4);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticks(s.yRange)) {
      const { py } = at(s.xRange[0], v);
      line(ctx, b.left, py, b.left + b.width, py);
      ctx.fillText(v.toFixed(2).replace(/0$/, ''), b.left - 5, py);
    }
    ctx.fillStyle = t.foreground;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(fit(ctx, input.names[0], b.width), b.left + b.width / 2, height - 2);
    ctx.save();
    ctx.translate(10, b.top + b.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(fit(ctx, input.names[1], b.height), 0, 0);
    ctx.restore();

    // Both models flag the top-right quadrant; the diagonal is "equally far past each threshold".
    const corner = at(tx, ty);
    const top = at(s.xRange[1], s.yRange[1]);
    ctx.fillStyle = withAlpha(t.threshold, 0.08);
    ctx.fillRect(corner.px, top.py, top.px - corner.px, corner.py - top.py);
    ctx.strokeStyle = withAlpha(t.muted, 0.35);
    const d0 = at(Math.max(s.xRange[0], s.yRange[0]), Math.max(s.xRange[0], s.yRange[0]));
    const d1 = at(Math.min(s.xRange[1], s.yRange[1]), Math.min(s.xRange[1], s.yRange[1]));
    line(ctx, d0.px, d0.py, d1.px, d1.py);
    ctx.strokeStyle = t.threshold;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 4]);
    line(ctx, corner.px, b.top, corner.px, b.top + b.height);
    line(ctx, b.left, corner.py, b.left + b.width, corner.py);
    ctx.setLineDash([]);

    // Points: unlabelled, then normal, then anomalous on top; the selection last, ringed.
    const r = s.rows.length > 5000 ? 1.5 : s.rows.length > 500 ? 2.5 : 3.5;
    const colour = [t.bars, t.normal, t.anomalous];
    for (const [cls, c] of [
      [-1, colour[0]],
      [0, colour[1]],
      [1, colour[2]],
    ] as const) {
      ctx.fillStyle = withAlpha(c, 0.75);
      ctx.beginPath();
      for (let i = 0; i < s.rows.length; i++) {
        const l = input.labels[s.rows[i]];
        if ((l === 0 || l === 1 ? l : -1) !== cls) continue;
        const { px, py } = at(s.x[i], s.y[i]);
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.strokeStyle = t.foreground;
    ctx.lineWidth = 2;
    for (let i = 0; i < s.rows.length; i++) {
      if (!input.selected.has(s.rows[i])) continue;
      const { px, py } = at(s.x[i], s.y[i]);
      ctx.beginPath();
      ctx.arc(px, py, r + 3, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}

function line(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

/** The text, cut with an ellipsis to fit `width` (model names can be long). */
function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > width) n--;
  return `${text.slice(0, n)}…`;
}

/** Tick values every 0.25 on [0, 1] (wider ranges: every 0.5 or more). */
function ticks([lo, hi]: [number, number]): number[] {
  const step = hi - lo <= 1.5 ? 0.25 : Math.ceil((hi - lo) / 6 / 0.5) * 0.5;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}
