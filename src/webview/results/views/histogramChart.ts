/**
 * Histogram of the query model's normalised scores (uPlot bars; split into normal and anomalous when the
 * rows have ground truth) with the threshold as a vertical line the user drags; the flagged count follows
 * the line while it moves.
 */
import uPlot from 'uplot';
import { grabsLine, histogram, thresholdAt } from '../histogram';
import { formatCount } from '../format';
import { flaggedCount } from '../query';
import type { PanelState } from '../state';
import { readTheme, withAlpha, type ChartTheme } from './theme';
import { l10n } from '../../shared/l10n';

const BINS = 50;

export class HistogramChart {
  readonly element: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly box: HTMLElement;
  private readonly legend: HTMLElement;
  private plot?: uPlot;
  private theme: ChartTheme = readTheme();
  private dragging = false;
  private pending = false;

  constructor(private readonly state: PanelState) {
    this.element = document.createElement('section');
    this.element.className = 'chart histogram';
    this.element.setAttribute('aria-label', l10n.t('Score histogram and threshold'));
    const title = document.createElement('h3');
    title.textContent = l10n.t('Scores');
    this.caption = document.createElement('div');
    this.caption.className = 'caption';
    this.caption.setAttribute('aria-live', 'polite');
    this.box = document.createElement('div');
    this.box.className = 'plot';
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    this.element.append(title, this.caption, this.box, this.legend);
  }

  /** Redraws at most once per frame (rows stream in faster than that). */
  update(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  themeChanged(): void {
    this.theme = readTheme();
    this.plot?.destroy();
    this.plot = undefined;
    this.draw();
  }

  resize(): void {
    const w = this.box.clientWidth;
    if (this.plot && w > 0) this.plot.setSize({ width: w, height: 150 });
  }

  /** The same pointer events a user's drag makes, from one normalised score to another (tests). */
  simulateDrag(from: number, to: number): void {
    const u = this.plot;
    if (!u) throw new Error('The histogram is not drawn yet.');
    const rect = u.over.getBoundingClientRect();
    const y = rect.top + rect.height / 2;
    const at = (v: number) => rect.left + u.valToPos(v, 'x');
    u.over.dispatchEvent(
      new PointerEvent('pointerdown', { clientX: at(from), clientY: y, bubbles: true, pointerId: 1 }),
    );
    for (let i = 1; i <= 5; i++)
      window.dispatchEvent(
        new PointerEvent('pointermove', { clientX: at(from + ((to - from) * i) / 5), clientY: y, pointerId: 1 }),
      );
    window.dispatchEvent(new PointerEvent('pointerup', { clientX: at(to), clientY: y, pointerId: 1 }));
  }

  private draw(): void {
    const s = this.state;
    const m = s.query.model;
    const h = histogram(s.table, m, BINS);
    const labelled = h.normal.some((v) => v > 0) || h.anomalous.some((v) => v > 0);
    const x = h.edges.map((e) => e + 0.5 / BINS);
    const data: uPlot.AlignedData = labelled ? [x, h.normal, h.anomalous] : [x, h.all];
    this.updateCaption(h.total);
    if (this.plot && this.plot.series.length === data.length) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    const t = this.theme;
    const bars = uPlot.paths.bars!({ size: [0.9, 40], align: 0 });
    // No outline: an outlined empty bin draws a coloured line along the axis.
    const bar = (label: string, color: string): uPlot.Series => ({
      label,
      stroke: color,
      width: 0,
      fill: withAlpha(color, 0.6),
      paths: bars,
      points: { show: false },
    });
    const series: uPlot.Series[] = [{ label: l10n.t('score') }];
    if (labelled) series.push(bar(l10n.t('normal'), t.normal), bar(l10n.t('anomalous'), t.anomalous));
    else series.push(bar(l10n.t('images'), t.bars));
    this.legend.replaceChildren(
      ...(labelled
        ? [swatch('normal', l10n.t('normal')), swatch('anomalous', l10n.t('anomalous'))]
        : [swatch('all', l10n.t('images'))]),
      swatch('threshold', l10n.t('threshold')),
    );
    const axis = {
      stroke: t.muted,
      grid: { stroke: withAlpha(t.grid, 0.5), width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      font: t.font,
    };
    this.plot = new uPlot(
      {
        width: Math.max(200, this.box.clientWidth || 300),
        height: 150,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: false, range: [0, 1] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] } },
        axes: [
          { ...axis, values: (_u, v) => v.map((n) => n.toFixed(1)) },
          { ...axis, size: 44, values: (_u, v) => v.map((n) => (n >= 1000 ? `${n / 1000}k` : String(n))) },
        ],
        series,
        hooks: { draw: [(u) => this.drawThreshold(u)] },
      },
      data,
      this.box,
    );
    this.attachDrag(this.plot);
  }

  private updateCaption(total: number): void {
    const s = this.state;
    const m = s.query.model;
    const t = s.thresholds[m] ?? 0.5;
    const flagged = flaggedCount(s.table, m, t);
    const model = s.models[m];
    const [n, of, at] = [formatCount(flagged), formatCount(total), t.toFixed(3)];
    this.caption.textContent =
      s.models.length > 1 && model
        ? l10n.t(
            '{0} of {1} scored images flagged at threshold {2} ({3}). Drag the line to move it.',
            n,
            of,
            at,
            model.name,
          )
        : l10n.t('{0} of {1} scored images flagged at threshold {2}. Drag the line to move it.', n, of, at);
    this.caption.dataset.flagged = String(flagged);
  }

  private drawThreshold(u: uPlot): void {
    const t = this.state.thresholds[this.state.query.model] ?? 0.5;
    const x = Math.round(u.valToPos(t, 'x', true));
    const { top, height, left, width } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = withAlpha(this.theme.threshold, 0.08);
    ctx.fillRect(x, top, left + width - x, height);
    ctx.strokeStyle = this.theme.threshold;
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    // A handle at the top, so the line reads as something to grab.
    ctx.fillStyle = this.theme.threshold;
    const r = 5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x - r, top);
    ctx.lineTo(x + r, top);
    ctx.lineTo(x, top + r * 1.4);
    ctx.fill();
    ctx.restore();
  }

  private attachDrag(u: uPlot): void {
    const over = u.over;
    const lineX = () => u.valToPos(this.state.thresholds[this.state.query.model] ?? 0.5, 'x');
    const valueAt = (clientX: number) => thresholdAt(u.posToVal(clientX - over.getBoundingClientRect().left, 'x'));
    over.addEventListener('pointermove', (e) => {
      if (this.dragging) return;
      const x = e.clientX - over.getBoundingClientRect().left;
      over.style.cursor = grabsLine(x, lineX()) ? 'ew-resize' : '';
    });
    over.addEventListener('pointerdown', (e) => {
      const x = e.clientX - over.getBoundingClientRect().left;
      // A press away from the line moves the line there, then drags it: quicker than hunting for 2 px.
      this.dragging = true;
      if (!grabsLine(x, lineX())) this.setThreshold(valueAt(e.clientX));
      const move = (ev: PointerEvent) => this.setThreshold(valueAt(ev.clientX));
      const up = (ev: PointerEvent) => {
        this.setThreshold(valueAt(ev.clientX));
        this.dragging = false;
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
      e.preventDefault();
    });
  }

  private setThreshold(v: number): void {
    this.state.setThreshold(this.state.query.model, v);
  }

  /** Called on a threshold change: the line and the caption, not the bars. */
  thresholdChanged(): void {
    this.plot?.redraw(false, false);
    this.updateCaption(histogram(this.state.table, this.state.query.model, 1).total);
  }
}

function swatch(kind: string, label: string): HTMLElement {
  const item = document.createElement('span');
  const box = document.createElement('span');
  box.className = `swatch ${kind}`;
  item.append(box, label);
  return item;
}
