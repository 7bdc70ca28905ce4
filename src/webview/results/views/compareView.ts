/**
 * "Compare models": two model columns over the rows the panel's filters let through: which two (x, y), the
 * rank correlation (Spearman, Kendall tau-b), how many images each flags alone, the scatter plot of their
 * normalised scores and the images they rank most differently. Recomputed from the state, at most once a
 * frame, only while the view is shown (O(n log n) in the rows).
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { CompareReport } from '../../../protocol/results';
import { compareColumns, type Comparison } from '../compare';
import { formatCount } from '../format';
import type { PanelState } from '../state';
import { l10n } from '../../shared/l10n';
import { DisagreementList } from './disagreementList';
import { div } from './dom';
import { ScatterChart } from './scatterChart';

type Select = HTMLElement & { value: string };

export class CompareView {
  readonly element: HTMLElement;
  private readonly pickA: Select;
  private readonly pickB: Select;
  private readonly figures: HTMLElement;
  private readonly quadrants: HTMLElement;
  private readonly scatter: ScatterChart;
  private readonly list: DisagreementList;
  private readonly legend: ReturnType<typeof legend>;
  private current?: Comparison;

  constructor(
    private readonly state: PanelState,
    open: (row: number, model: number) => void,
  ) {
    this.element = div('compare-view');
    this.element.setAttribute('aria-label', l10n.t('Model comparison'));
    this.pickA = select(l10n.t('Model on the x axis'));
    this.pickB = select(l10n.t('Model on the y axis'));
    this.pickA.id = 'compare-a';
    this.pickB.id = 'compare-b';
    const onPick = (changed: 'a' | 'b') => {
      let a = Number(this.pickA.value);
      let b = Number(this.pickB.value);
      // Picking the other side's model swaps the two rather than comparing a model with itself.
      if (a === b) [a, b] = changed === 'a' ? [a, this.state.comparePair[0]] : [this.state.comparePair[1], b];
      this.state.setComparePair(a, b);
    };
    this.pickA.addEventListener('change', () => onPick('a'));
    this.pickB.addEventListener('change', () => onPick('b'));
    this.figures = div('compare-figures');
    this.figures.setAttribute('aria-live', 'polite');
    this.quadrants = div('caption');
    const controls = div('compare-controls');
    controls.append(labelled(l10n.t('x axis'), this.pickA), labelled(l10n.t('y axis'), this.pickB), this.figures);
    const pickModel = (row: number, side: 'a' | 'b') => open(row, this.state.comparePair[side === 'a' ? 0 : 1]);
    this.scatter = new ScatterChart((row) => {
      const c = this.current;
      const i = c ? c.scatter.rows.indexOf(row) : -1;
      // The model that scores it further past its own threshold: its heatmap shows what it sees.
      const higher = c && i >= 0 && c.scatter.y[i] - c.scatter.thresholdY > c.scatter.x[i] - c.scatter.thresholdX;
      pickModel(row, higher ? 'b' : 'a');
    });
    this.list = new DisagreementList((row, side) => pickModel(row, side));
    const plot = div('compare-plot');
    this.legend = legend();
    plot.append(this.scatter.element, this.quadrants, this.legend.element);
    const body = div('compare-body');
    body.append(plot, this.list.element);
    this.element.append(controls, body);
  }

  /** Recomputes from the state (rows, filters, thresholds or the pair changed); `recompute` false: the selection only. */
  update(recompute = true): void {
    if (this.element.hidden) return;
    const s = this.state;
    if (!recompute && this.current) {
      this.draw(this.current);
      return;
    }
    const names = s.models.map((m) => m.name);
    const options = names.map((n, i) => [String(i), n] as [string, string]);
    setOptions(this.pickA, options);
    setOptions(this.pickB, options);
    const [a, b] = s.comparePair;
    this.pickA.value = String(a);
    this.pickB.value = String(b);
    const c = compareColumns(s.table, s.view, a, b, s.thresholds);
    this.current = c;
    this.draw(c);
  }

  private draw(c: Comparison): void {
    const s = this.state;
    const names = s.models.map((m) => m.name);
    const [a, b] = [c.a, c.b];
    this.figures.textContent = figuresText(c);
    const q = c.scatter.quadrants;
    this.quadrants.textContent = l10n.t(
      'Flagged by both: {0} · by x only: {1} · by y only: {2} · by neither: {3}',
      formatCount(q.both),
      formatCount(q.onlyX),
      formatCount(q.onlyY),
      formatCount(q.neither),
    );
    const classes = new Set(Array.from(c.scatter.rows, (r) => s.table.labels[r]));
    this.legend.sync(classes);
    const pair: [string, string] = [names[a] ?? '', names[b] ?? ''];
    this.scatter.setData({
      scatter: c.scatter,
      labels: s.table.labels,
      paths: s.table.paths,
      selected: s.selection,
      thresholds: [s.thresholds[a] ?? 0.5, s.thresholds[b] ?? 0.5],
      names: pair,
    });
    this.list.update(c.disagreements, s.table.paths, pair, s.selection);
  }

  resize(): void {
    this.scatter.resize();
  }

  themeChanged(): void {
    this.scatter.themeChanged();
  }

  clickPoint(row: number): void {
    if (!this.scatter.clickRow(row)) throw new Error(`Row ${row} has no point in the scatter plot.`);
  }

  report(): CompareReport | undefined {
    const c = this.current;
    if (!c || this.element.hidden) return undefined;
    const num = (v: number | undefined) => (v === undefined ? null : v);
    return {
      models: [c.a, c.b],
      n: c.n,
      spearman: num(c.spearman),
      kendall: num(c.kendall),
      text: this.figures.textContent ?? '',
      quadrants: { ...c.scatter.quadrants },
      points: this.scatter.points,
      disagreements: c.disagreements.map((d) => ({
        row: d.row,
        path: this.state.table.paths[d.row],
        rankA: d.rankA,
        rankB: d.rankB,
        x: this.state.table.normalized[c.a][d.row],
        y: this.state.table.normalized[c.b][d.row],
      })),
    };
  }
}

/** "Spearman ρ 0.912 · Kendall τ-b 0.801 · 38 images scored by both", three decimals as the table prints. */
export function figuresText(c: Pick<Comparison, 'spearman' | 'kendall' | 'n'>): string {
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
  return l10n.t(
    'Spearman ρ {0} · Kendall τ-b {1} · {2} images scored by both',
    f(c.spearman),
    f(c.kendall),
    formatCount(c.n),
  );
}

function select(aria: string): Select {
  const s = document.createElement('vscode-single-select') as Select;
  s.setAttribute('aria-label', aria);
  return s;
}

function setOptions(sel: Select, options: [string, string][]): void {
  const now = [...sel.children].map((o) => `${(o as Select).value}\n${o.textContent}`).join('\n');
  if (now === options.map(([v, l]) => `${v}\n${l}`).join('\n')) return;
  sel.replaceChildren(
    ...options.map(([value, label]) => {
      const o = document.createElement('vscode-option') as Select;
      o.value = value;
      o.textContent = label;
      o.setAttribute('translate', 'no');
      return o;
    }),
  );
}

function labelled(label: string, control: HTMLElement): HTMLElement {
  const wrap = div('field');
  const l = document.createElement('span');
  l.className = 'field-label';
  l.textContent = label;
  wrap.append(l, control);
  return wrap;
}

/** Point colours by ground truth (only the classes present are listed) and the threshold lines. */
function legend(): { element: HTMLElement; sync(classes: Set<number>): void } {
  const element = div('legend');
  const items = new Map<number, HTMLElement>();
  for (const [cls, kind, text] of [
    [0, 'normal', l10n.t('normal')],
    [1, 'anomalous', l10n.t('anomalous')],
    [-1, 'all', l10n.t('no ground truth')],
    [NaN, 'threshold', l10n.t('thresholds')],
  ] as const) {
    const item = document.createElement('span');
    const box = document.createElement('span');
    box.className = `swatch ${kind}`;
    item.append(box, text);
    items.set(cls, item);
    element.append(item);
  }
  return {
    element,
    sync: (classes) => {
      for (const [cls, item] of items) if (!Number.isNaN(cls)) item.hidden = !classes.has(cls);
    },
  };
}
