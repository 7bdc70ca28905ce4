/**
 * ROC and precision-recall curves of the query model when the rows carry ground truth (the host computes
 * them with core/metrics, the one definition the CLI uses too), with the threshold's operating point.
 */
import uPlot from 'uplot';
import type { CurvePoints } from '../../../protocol/results';
import { operatingPoint } from '../histogram';
import type { PanelState } from '../state';
import { readTheme, withAlpha, type ChartTheme } from './theme';

export class CurvesView {
  readonly element: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly rocBox: HTMLElement;
  private readonly prBox: HTMLElement;
  private roc?: uPlot;
  private pr?: uPlot;
  private theme: ChartTheme = readTheme();

  constructor(private readonly state: PanelState) {
    this.element = document.createElement('section');
    this.element.className = 'chart curves';
    this.element.setAttribute('aria-label', 'ROC and precision-recall curves');
    const title = document.createElement('h3');
    title.textContent = 'Against ground truth';
    this.caption = document.createElement('div');
    this.caption.className = 'caption';
    this.rocBox = document.createElement('div');
    this.rocBox.className = 'plot';
    this.prBox = document.createElement('div');
    this.prBox.className = 'plot';
    this.element.append(title, this.caption, this.rocBox, this.prBox);
    this.element.hidden = true;
  }

  themeChanged(): void {
    this.theme = readTheme();
    this.roc?.destroy();
    this.pr?.destroy();
    this.roc = this.pr = undefined;
    this.update();
  }

  update(): void {
    const s = this.state;
    const m = s.metrics.find((x) => x.model === s.query.model);
    this.element.hidden = !m;
    if (!m) return;
    const parts = [
      m.rocAuc !== undefined ? `ROC-AUC ${m.rocAuc.toFixed(3)}` : undefined,
      m.averagePrecision !== undefined ? `AP ${m.averagePrecision.toFixed(3)}` : undefined,
      `${m.negatives.toLocaleString('en-US')} normal, ${m.positives.toLocaleString('en-US')} anomalous`,
      s.labelsFrom ? `labels from ${s.labelsFrom}` : undefined,
    ].filter(Boolean);
    this.caption.textContent = parts.join(' · ');
    if (!m.roc || !m.pr) {
      this.caption.textContent += ' · curves need both classes';
      return;
    }
    this.roc = this.plot(this.roc, this.rocBox, m.roc, 'false-positive rate', 'true-positive rate', true);
    this.pr = this.plot(this.pr, this.prBox, m.pr, 'recall', 'precision', false);
  }

  /** The operating point moves with the threshold. */
  thresholdChanged(): void {
    this.roc?.redraw(false, false);
    this.pr?.redraw(false, false);
  }

  resize(): void {
    const w = this.rocBox.clientWidth;
    if (w <= 0) return;
    this.roc?.setSize({ width: w, height: 170 });
    this.pr?.setSize({ width: w, height: 170 });
  }

  private plot(
    existing: uPlot | undefined,
    box: HTMLElement,
    c: CurvePoints,
    xLabel: string,
    yLabel: string,
    isRoc: boolean,
  ): uPlot {
    const data: uPlot.AlignedData = isRoc ? [c.x, c.y, c.x] : [c.x, c.y];
    if (existing) {
      existing.setData(data);
      return existing;
    }
    const t = this.theme;
    const axis = {
      stroke: t.muted,
      grid: { stroke: withAlpha(t.grid, 0.5), width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      font: t.font,
      labelFont: t.font,
    };
    const series: uPlot.Series[] = [
      {},
      { label: isRoc ? 'ROC' : 'PR', stroke: t.curve, width: 2, points: { show: false } },
    ];
    if (isRoc)
      series.push({
        label: 'chance',
        stroke: withAlpha(t.muted, 0.6),
        dash: [4, 4],
        width: 1,
        points: { show: false },
      });
    return new uPlot(
      {
        width: Math.max(200, box.clientWidth || 300),
        height: 170,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1.02] } },
        axes: [
          { ...axis, label: xLabel, size: 36 },
          { ...axis, label: yLabel, size: 48 },
        ],
        series,
        hooks: { draw: [(u) => this.drawPoint(u, isRoc)] },
      },
      data,
      box,
    );
  }

  private drawPoint(u: uPlot, isRoc: boolean): void {
    const s = this.state;
    const op = operatingPoint(s.table, s.query.model, s.thresholds[s.query.model] ?? 0.5);
    if (!op) return;
    const x = u.valToPos(isRoc ? op.fpr : op.tpr, 'x', true);
    const y = u.valToPos(isRoc ? op.tpr : op.precision, 'y', true);
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = this.theme.threshold;
    ctx.beginPath();
    ctx.arc(x, y, 4.5 * devicePixelRatio, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }
}
