/**
 * The embedding map view: the query model's map (asked of the host when first shown, or for another model
 * column), its progress with Cancel, the points the panel's filters let through coloured by score, label or
 * ground truth with a legend, a thumbnail on hover, a click to open, a lasso to select (then the label keys
 * work on the selection, and "Show in Table" shows it alone). Keys on the focused map: 1/2/3/0/n/u label the
 * selection, Enter opens its first image, Escape clears it.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { MapColour, MapReport } from '../../../protocol/results';
import { formatCount, formatNorm } from '../format';
import { colourPoints, type Colouring } from '../mapColours';
import { l10n } from '../../shared/l10n';
import { labelKeyAction, type LabelKeyAction } from '../../shared/labelKeys';
import type { PanelState } from '../state';
import { button, div } from './dom';
import { MapCanvas } from './mapCanvas';
import { readTheme } from './theme';

export interface MapViewEvents {
  want(model: number): void;
  cancel(): void;
  open(row: number): void;
  wantThumbnails(rows: number[]): void;
  labelKey(a: Exclude<LabelKeyAction, { kind: 'move' }>): void;
  showSelection(): void;
}

type Select = HTMLElement & { value: string };

export class MapView {
  readonly element: HTMLElement;
  private readonly canvas: MapCanvas;
  private readonly status: HTMLElement;
  private readonly cancelBtn: HTMLElement;
  private readonly refreshBtn: HTMLElement;
  private readonly showBtn: HTMLElement;
  private readonly colourBy: Select;
  private readonly legend: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly tipImg: HTMLImageElement;
  private readonly tipText: HTMLElement;
  /** The model column asked for last (asked again only for another column or on Refresh). */
  private asked?: number;
  private hovered?: number;
  private colouring?: Colouring;
  /** The colouring the points and legend on screen were drawn with (the state's changes draw a frame later). */
  private drawnBy?: MapColour;

  constructor(
    private readonly state: PanelState,
    private readonly events: MapViewEvents,
  ) {
    this.element = div('map-view');
    this.element.setAttribute('aria-label', l10n.t('Embedding map'));
    this.colourBy = document.createElement('vscode-single-select') as Select;
    this.colourBy.id = 'map-colour';
    this.colourBy.setAttribute('aria-label', l10n.t('Colour the points by'));
    for (const [value, text] of [
      ['score', l10n.t('Score')],
      ['label', l10n.t('Label')],
      ['truth', l10n.t('Ground truth')],
    ]) {
      const o = document.createElement('vscode-option') as Select;
      o.value = value;
      o.textContent = text;
      this.colourBy.append(o);
    }
    this.colourBy.addEventListener('change', () => this.state.setMapColour(this.colourBy.value as MapColour));
    this.status = div('map-status');
    this.status.setAttribute('aria-live', 'polite');
    this.cancelBtn = button(l10n.t('Cancel'), true, () => this.events.cancel());
    this.cancelBtn.id = 'map-cancel';
    this.refreshBtn = button(l10n.t('Refresh'), true, () => this.ask(true));
    this.refreshBtn.title = l10n.t(
      'Compute the map again for the images scored now (a map already computed for them is read from the cache)',
    );
    this.showBtn = button(l10n.t('Show in Table'), false, () => this.events.showSelection());
    this.showBtn.id = 'map-show-selection';
    this.showBtn.title = l10n.t('Show only the selected images in the table');
    const colourField = div('map-colour-field');
    const colourLabel = document.createElement('span');
    colourLabel.textContent = l10n.t('Colour by');
    colourField.append(colourLabel, this.colourBy);
    const controls = div('map-controls');
    controls.append(colourField, this.status, this.cancelBtn, this.refreshBtn, this.showBtn);
    this.legend = div('legend map-legend');
    this.canvas = new MapCanvas({
      hover: (row, px, py) => this.hover(row, px, py),
      click: (row) => {
        this.state.select(row, 'replace');
        this.events.open(row);
      },
      lasso: (rows, add) => {
        const next = add ? [...new Set([...this.state.selection, ...rows])] : rows;
        this.state.selectRows(next);
        this.canvas.canvas.focus();
      },
    });
    this.canvas.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.tip = div('map-tip');
    this.tip.hidden = true;
    this.tipImg = document.createElement('img');
    this.tipImg.alt = '';
    this.tipText = div('map-tip-text');
    this.tipText.setAttribute('translate', 'no');
    this.tip.append(this.tipImg, this.tipText);
    this.canvas.element.append(this.tip);
    const hint = div('caption');
    hint.textContent = l10n.t(
      'Images with similar backbone features lie close together. Drag to draw a lasso (Shift adds), click a point to open it; 1/2/3 label the selection.',
    );
    this.element.append(controls, this.canvas.element, this.legend, hint);
  }

  /** Redraws from the state (map, rows, filters, selection, marks or colouring changed). */
  update(): void {
    if (this.element.hidden) return;
    const s = this.state;
    this.colourBy.value = s.mapColour;
    if (this.asked !== s.query.model) this.ask(false);
    const m = s.map?.model === s.query.model ? s.map : undefined;
    const computing = m?.status === 'computing';
    this.cancelBtn.hidden = !computing;
    this.refreshBtn.hidden = computing || !m;
    this.showBtn.hidden = s.selection.size === 0 || m?.status !== 'ready';
    if (m?.status !== 'ready' || !m.rows || !m.x || !m.y) {
      this.canvas.setData(
        {
          rows: new Uint32Array(0),
          x: new Float32Array(0),
          y: new Float32Array(0),
          colour: new Uint8Array(0),
          palette: [],
          selected: s.selection,
        },
        l10n.t('Embedding map, no points'),
      );
      this.legend.replaceChildren();
      this.colouring = undefined;
      this.drawnBy = undefined;
      this.status.textContent = this.statusText();
      return;
    }
    // The rows the panel's filters let through (the same rows the table and the grid show).
    const inView = new Uint8Array(s.table.size);
    for (const r of s.view) inView[r] = 1;
    const keep: number[] = [];
    for (let i = 0; i < m.rows.length; i++) if (inView[m.rows[i]]) keep.push(i);
    const rows = Uint32Array.from(keep, (i) => m.rows![i]);
    const x = Float32Array.from(keep, (i) => m.x![i]);
    const y = Float32Array.from(keep, (i) => m.y![i]);
    const t = readTheme();
    const c = colourPoints({
      by: s.mapColour,
      rows,
      scores: s.table.normalized[s.query.model] ?? new Float64Array(0),
      mark: (r) => s.marks.get(r)?.label,
      truth: s.table.labels,
      colours: { normal: t.normal, anomalous: t.anomalous, unsure: t.threshold },
    });
    this.colouring = c;
    this.drawnBy = s.mapColour;
    this.drawLegend(c);
    this.canvas.setData(
      { rows, x, y, colour: c.colour, palette: c.palette, selected: s.selection },
      l10n.t('Embedding map of {0}: {1} images', s.models[s.query.model]?.name ?? '', formatCount(rows.length)),
    );
    this.status.textContent = this.statusText();
  }

  resize(): void {
    this.canvas.resize();
  }

  /** The plot's box: watched for size changes (the controls above it wrap as their text changes). */
  get plotElement(): HTMLElement {
    return this.canvas.element;
  }

  themeChanged(): void {
    this.canvas.themeChanged();
    this.update();
  }

  lasso(points: [number, number][], add: boolean): void {
    this.canvas.simulateLasso(points, add);
  }

  hoverPoint(row: number): void {
    if (!this.canvas.hoverRow(row)) throw new Error(`Row ${row} has no point on the map.`);
  }

  /** Keys as the keyboard would press them on the focused map (tests). */
  pressKeys(names: string[], parse: (n: string) => KeyboardEventInit): void {
    for (const n of names) this.onKey(new KeyboardEvent('keydown', { ...parse(n), cancelable: true }));
  }

  report(): MapReport | undefined {
    if (this.element.hidden) return undefined;
    const s = this.state;
    const m = s.map?.model === s.query.model ? s.map : undefined;
    const shown = this.canvas.points;
    const legend = [...this.legend.querySelectorAll('.map-legend-item')].map((e) => e.textContent ?? '');
    const positions: MapReport['positions'] = [];
    if (m?.status === 'ready' && m.rows && m.x && m.y) {
      const inView = new Set(s.view);
      for (let i = 0; i < m.rows.length && positions.length < 2000; i++)
        if (inView.has(m.rows[i])) positions.push({ row: m.rows[i], x: m.x[i], y: m.y[i] });
    }
    return {
      model: s.query.model,
      status: m?.status ?? 'waiting',
      points: shown,
      // What is on screen, as `legend` is: a report read between a change and its frame says the old colouring.
      colourBy: this.drawnBy ?? s.mapColour,
      legend,
      text: this.status.textContent ?? '',
      cached: m?.cached,
      ms: m?.ms,
      hover:
        this.hovered !== undefined && !this.tip.hidden
          ? {
              row: this.hovered,
              thumbnail: !this.tipImg.hidden && this.tipImg.complete && this.tipImg.naturalWidth > 0,
              text: this.tipText.textContent ?? '',
            }
          : undefined,
      positions,
    };
  }

  private ask(force: boolean): void {
    const model = this.state.query.model;
    if (!force && this.asked === model) return;
    this.asked = model;
    this.events.want(model);
  }

  private statusText(): string {
    const s = this.state;
    const m = s.map?.model === s.query.model ? s.map : undefined;
    if (!m) return l10n.t('Asking for the map…');
    switch (m.status) {
      case 'computing': {
        const p = m.progress;
        const pct = p && p.total > 0 ? Math.round((100 * p.done) / p.total) : 0;
        if (!p || p.phase === 'load') return l10n.t('Reading the stored features…');
        if (p.phase === 'reduce') return l10n.t('Computing the map: principal components…');
        if (p.phase === 'neighbours')
          return l10n.t('Computing the map: nearest neighbours of {0} images…', formatCount(p.total));
        if (p.phase === 'layout') return l10n.t('Computing the map: layout {0}%', pct);
        return l10n.t('Computing the map: placing {0} of {1} more images', formatCount(p.done), formatCount(p.total));
      }
      case 'ready': {
        const fitted = m.fitted !== undefined && m.contents !== undefined && m.fitted < m.contents;
        return [
          l10n.t('{0} images on the map', formatCount(this.canvas.points)),
          fitted ? l10n.t('UMAP fitted on {0}, the rest placed by it', formatCount(m.fitted!)) : '',
          m.cached
            ? l10n.t('from the cache')
            : m.ms !== undefined
              ? l10n.t('computed in {0} s', (m.ms / 1000).toFixed(1))
              : '',
          s.selection.size ? l10n.t('{0} selected', formatCount(s.selection.size)) : '',
        ]
          .filter(Boolean)
          .join(' · ');
      }
      case 'cancelled':
        return l10n.t('Cancelled. Refresh computes the map again.');
      default:
        return m.message ?? l10n.t('No map.');
    }
  }

  private drawLegend(c: Colouring): void {
    const items: HTMLElement[] = [];
    if (c.gradient) {
      const ramp = document.createElement('span');
      ramp.className = 'map-legend-item map-ramp';
      const bar = document.createElement('span');
      bar.className = 'ramp';
      bar.style.background = c.gradient;
      ramp.append(l10n.t('normalised score {0}', '0'), bar, l10n.t('{0} (0.5: threshold)', '1'));
      items.push(ramp);
    }
    for (const e of c.legend) {
      const item = document.createElement('span');
      item.className = 'map-legend-item';
      const box = document.createElement('span');
      box.className = 'swatch';
      box.style.background = e.colour;
      item.append(box, e.text);
      items.push(item);
    }
    this.legend.replaceChildren(...items);
  }

  private hover(row: number | undefined, px: number, py: number): void {
    if (row === undefined) {
      this.tip.hidden = true;
      this.hovered = undefined;
      return;
    }
    const s = this.state;
    if (row !== this.hovered) {
      this.hovered = row;
      const src = s.thumbnails.get(row);
      this.tipImg.hidden = !src;
      if (src) this.tipImg.src = src;
      else if (s.hasThumbnails && !s.thumbsAsked.has(row)) {
        s.thumbsAsked.add(row);
        this.events.wantThumbnails([row]);
      }
      const score = s.table.normalized[s.query.model]?.[row];
      const mark = s.marks.get(row)?.label;
      this.tipText.textContent = [
        s.table.paths[row],
        Number.isFinite(score) ? l10n.t('score {0}', formatNorm(score)) : '',
        mark ? l10n.t('labelled {0}', mark) : '',
      ]
        .filter(Boolean)
        .join('\n');
    }
    this.tip.hidden = false;
    const w = this.canvas.element.clientWidth;
    const h = this.canvas.element.clientHeight;
    this.tip.style.left = px > w / 2 ? '' : `${px + 12}px`;
    this.tip.style.right = px > w / 2 ? `${w - px + 12}px` : '';
    this.tip.style.top = py > h / 2 ? '' : `${py + 12}px`;
    this.tip.style.bottom = py > h / 2 ? `${h - py + 12}px` : '';
  }

  /** A thumbnail arrived: the tip of the hovered image shows it. */
  thumbnailsChanged(): void {
    const r = this.hovered;
    const src = r === undefined ? undefined : this.state.thumbnails.get(r);
    if (src && this.tipImg.getAttribute('src') !== src) {
      this.tipImg.src = src;
      this.tipImg.hidden = false;
    }
  }

  private onKey(e: KeyboardEvent): void {
    const s = this.state;
    if (e.key === 'Escape') {
      s.selectRows([]);
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter') {
      const first = [...s.view].find((r) => s.selection.has(r));
      if (first !== undefined) this.events.open(first);
      e.preventDefault();
      return;
    }
    const a = labelKeyAction(e, { arrows: false });
    if (!a || a.kind === 'move') return;
    e.preventDefault();
    this.events.labelKey(a);
  }
}
