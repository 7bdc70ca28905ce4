/**
 * ROC and precision-recall curves of the query model when the rows carry ground truth (the host computes
 * them with core/metrics, the one definition the CLI uses too), with the threshold's operating point.
 */
import uPlot from 'uplot';
import type { CurvePoints } from '../../../protocol/results';
import { operatingPoint } from '../histogram';
import type { PanelState } from '../state';
import { readTheme, withAlpha, type ChartTheme } from './theme';
import { l10n } from '../../shared/l10n';

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
    this.element.setAttribute('aria-label', l10n.t('ROC and precision-recall curves'));
    const title = document.createElement('h3');
    title.textContent = l10n.t('Against ground truth');
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
      m.rocAuc !== undefined ? l10n.t('ROC-AUC {0}', m.rocAuc.toFixed(3)) : undefined,
      m.averagePrecision !== undefined ? l10n.t('AP {0}', m.averagePrecision.toFixed(3)) : undefined,
      l10n.t('{0} normal, {1} anomalous', m.negatives.toLocaleString('en-US'), m.positives.toLocaleString('en-US')),
      s.labelsFrom ? l10n.t('labels from {0}', s.labelsFrom) : undefined,
    ].filter(Boolean);
    this.caption.textContent = parts.join(' · ');
    if (!m.roc || !m.pr) {
      this.caption.textContent += ` · ${l10n.t('curves need both classes')}`;
      return;
    }
    this.roc = this.plot(
      this.roc,
      this.rocBox,
      m.roc,
      l10n.t('false-positive rate'),
      l10n.t('true-positive rate'),
      true,
    );
    this.pr = this.plot(this.pr, this.prBox, m.pr, l10n.t('recall'), l10n.t('precision'), false);
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
      { label: isRoc ? l10n.t('ROC') : l10n.t('PR'), stroke: t.curve, width: 2, points: { show: false } },
    ];
    if (isRoc)
      series.push({
        label: l10n.t('chance'),
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
