/**
 * The grid: the table's rows (same order, same filters) as thumbnails, virtualised by grid row with
 * @tanstack/virtual-core so only the tiles on screen exist (a pool of tile elements is moved and refilled).
 * The model's heatmap shows over a thumbnail on hover (or on every tile, `h`), and the image's box marks over
 * it (tileBoxes.ts); the table's keys label the
 * selection (1/2/3/0, n, u), the arrows and j/k move, Enter or a double click opens the image.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { GridReport } from '../../../protocol/results';
import { labelKeyAction, parseKeyName, type LabelKeyAction } from '../../shared/labelKeys';
import { l10n } from '../../shared/l10n';
import { formatNorm } from '../format';
import { gridColumns, gridStep } from '../gridNav';
import { isFlagged } from '../query';
import type { PanelState } from '../state';
import { heatFilter } from './heatFilter';
import { div, setImage } from './dom';
import { drawTileBoxes, tileBoxes, tileBoxesElement } from './tileBoxes';
import { markLabelText } from './markCell';

const TILE = 148;
const TILE_HEIGHT = 188;
const GAP = 8;
const PAD = 12;

export interface GridEvents {
  open(row: number): void;
  wantThumbnails(rows: number[]): void;
  labelKey(a: Exclude<LabelKeyAction, { kind: 'move' }>): void;
}

export class GridView {
  readonly element: HTMLElement;
  readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  private columns = 1;
  private cleanup?: () => void;
  private thumbTimer?: ReturnType<typeof setTimeout>;
  private heatAlways = false;

  constructor(
    private readonly state: PanelState,
    private readonly events: GridEvents,
  ) {
    this.element = div('grid-view');
    this.scroller = div('grid-scroll');
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'grid');
    this.scroller.setAttribute('aria-label', l10n.t('Scored images as a grid'));
    this.spacer = div('grid-spacer');
    this.empty = div('empty');
    this.scroller.append(this.spacer, this.empty);
    const hint = div('grid-hint');
    hint.textContent = l10n.t('Hover an image for its heatmap · h heatmaps on all · arrows or j/k move · Enter opens');
    this.element.append(hint, this.scroller, heatFilter('xray-heat'));
    this.virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: () => this.scroller,
      estimateSize: () => TILE_HEIGHT + GAP,
      overscan: 2,
      paddingStart: PAD,
      paddingEnd: PAD,
      observeElementRect,
      observeElementOffset,
      scrollToFn: elementScroll,
      onChange: () => this.render(),
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('click', (e) => {
      const row = rowOf(e.target);
      if (row === undefined) return;
      this.state.select(row, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'replace');
      this.scroller.focus();
    });
    this.scroller.addEventListener('dblclick', (e) => {
      const row = rowOf(e.target);
      if (row !== undefined) this.events.open(row);
    });
  }

  mount(): void {
    this.cleanup = this.virtualizer._didMount();
  }

  dispose(): void {
    this.cleanup?.();
    clearTimeout(this.thumbTimer);
  }

  /** The order, the data or the size changed: new column count, redraw the tiles on screen. */
  refresh(): void {
    if (this.element.hidden) return;
    this.columns = gridColumns(this.scroller.clientWidth - 2 * PAD, TILE, GAP);
    const count = Math.ceil(this.state.view.length / this.columns);
    this.virtualizer.setOptions({ ...this.virtualizer.options, count });
    this.virtualizer._willUpdate();
    this.empty.textContent =
      this.state.view.length > 0
        ? ''
        : this.state.table.size > 0
          ? l10n.t('No image matches the filters.')
          : l10n.t('No results yet.');
    this.render(true);
  }

  scrollToRow(row: number): void {
    const i = this.state.view.indexOf(row);
    if (i >= 0) this.virtualizer.scrollToIndex(Math.floor(i / this.columns), { align: 'auto' });
  }

  pressKeys(names: string[]): void {
    for (const n of names) this.onKey(new KeyboardEvent('keydown', { ...parseKeyName(n), cancelable: true }));
  }

  report(): GridReport | undefined {
    if (this.element.hidden) return undefined;
    const shown = this.pool.filter((t) => !t.hidden);
    return {
      columns: this.columns,
      tiles: shown.length,
      withThumbnail: shown.filter((t) => !!t.querySelector<HTMLImageElement>('.t-thumb:not([hidden])')).length,
      withHeatmap: shown.filter((t) => !!t.querySelector<HTMLImageElement>('.t-heat:not([hidden])')).length,
      heatmapsAlways: this.heatAlways,
      withBoxes: {
        tiles: shown.filter((t) => Number(t.dataset.boxes) > 0).length,
        boxes: shown.reduce((n, t) => n + (Number(t.dataset.boxes) || 0), 0),
      },
      first: shown
        .map((t) => Number(t.dataset.index))
        .sort((a, b) => a - b)
        .slice(0, 12)
        .map((i) => this.state.table.paths[this.state.view[i]]),
    };
  }

  private render(force = false): void {
    if (this.element.hidden) return;
    const s = this.state;
    const view = s.view;
    const cols = this.columns;
    const m = s.query.model;
    const t = s.thresholds[m] ?? 0.5;
    const heat = s.heatmaps[m];
    const missing: number[] = [];
    let k = 0;
    for (const item of this.virtualizer.getVirtualItems()) {
      for (let c = 0; c < cols; c++) {
        const index = item.index * cols + c;
        if (index >= view.length) break;
        const tile = this.pool[k] ?? this.newTile();
        k++;
        const row = view[index];
        tile.hidden = false;
        tile.style.transform = `translate(${PAD + c * (TILE + GAP)}px, ${item.start}px)`;
        const mark = s.marks.get(row);
        const flagged = isFlagged(s.table, row, m, t);
        const thumb = s.thumbnails.get(row);
        const hm = heat?.get(row);
        const boxes = mark?.boxes?.length ? `${JSON.stringify(mark.boxes)}@${s.table.quality.size(row)}` : '';
        const key = `${row}|${m}|${flagged}|${s.selection.has(row)}|${mark?.label}|${mark?.status}|${!!thumb}|${!!hm}|${boxes}`;
        tile.dataset.index = String(index);
        if (!force && tile.dataset.key === key) continue;
        tile.dataset.key = key;
        tile.dataset.row = String(row);
        this.fill(tile, row, m, flagged, thumb, hm);
        if (!thumb && s.hasThumbnails) missing.push(row);
      }
    }
    for (let j = k; j < this.pool.length; j++) this.pool[j].hidden = true;
    this.spacer.style.height = `${this.virtualizer.getTotalSize()}px`;
    if (missing.length) {
      clearTimeout(this.thumbTimer);
      this.thumbTimer = setTimeout(() => this.events.wantThumbnails(missing), 120);
    }
  }

  private newTile(): HTMLElement {
    const tile = div('tile');
    tile.setAttribute('role', 'gridcell');
    const box = div('t-box');
    const thumb = document.createElement('img');
    thumb.className = 't-thumb';
    thumb.alt = '';
    const heat = document.createElement('img');
    heat.className = 't-heat';
    heat.alt = '';
    const none = div('t-none');
    none.textContent = l10n.t('no preview');
    const chip = div('t-mark');
    // The boxes after the chip, so that fill's order of the first four children stays.
    box.append(thumb, heat, none, chip, tileBoxesElement());
    const name = div('t-name');
    name.setAttribute('translate', 'no');
    const score = div('t-score');
    tile.append(box, name, score);
    this.spacer.append(tile);
    this.pool.push(tile);
    return tile;
  }

  private fill(tile: HTMLElement, row: number, m: number, flagged: boolean, thumb?: string, hm?: string): void {
    const s = this.state;
    const [box, name, score] = tile.children as HTMLCollectionOf<HTMLElement>;
    const [img, heat, none, chip, boxes] = box.children as HTMLCollectionOf<HTMLElement>;
    setImage(img as HTMLImageElement, thumb);
    setImage(heat as HTMLImageElement, hm);
    none.hidden = !!thumb;
    const path = s.table.paths[row];
    // The end of the name shows (ellipsis at the start, rtl box); the marks keep the text left to right.
    name.textContent = `\u200e${path.slice(path.lastIndexOf('/') + 1)}\u200e`;
    tile.title = path;
    const err = s.table.error(row, m);
    const v = s.table.normalized[m][row];
    score.textContent = err ? l10n.t('error') : Number.isNaN(v) ? '…' : formatNorm(v);
    score.classList.toggle('flag-on', flagged);
    const mark = s.marks.get(row);
    chip.hidden = !mark?.label;
    chip.textContent = mark?.label ? markLabelText(mark.label) : '';
    chip.className = `t-mark ${mark?.label ? `mark-${mark.label}` : ''} ${mark && mark.status !== 'ok' ? `mark-${mark.status}` : ''}`;
    tile.dataset.boxes = String(
      drawTileBoxes(boxes as unknown as SVGSVGElement, thumb ? tileBoxes(mark, s.table.quality.size(row)) : undefined),
    );
    tile.classList.toggle('flagged', flagged);
    tile.setAttribute('aria-selected', String(s.selection.has(row)));
  }

  private onKey(e: KeyboardEvent): void {
    const s = this.state;
    const view = s.view;
    if (!view.length) return;
    if (e.key === 'h' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      this.heatAlways = !this.heatAlways;
      this.element.classList.toggle('heat-always', this.heatAlways);
      e.preventDefault();
      return;
    }
    const a = labelKeyAction(e, { arrows: false });
    if (a && a.kind !== 'move') {
      e.preventDefault();
      this.events.labelKey(a);
      // One image labelled: on to the next, so a run of images is one key each (as in the table).
      if (a.kind === 'label' && s.selection.size === 1) this.onKey(new KeyboardEvent('keydown', { key: 'j' }));
      return;
    }
    const current = s.anchor !== undefined ? view.indexOf(s.anchor) : -1;
    if (e.key === 'Enter' && s.anchor !== undefined) {
      e.preventDefault();
      this.events.open(s.anchor);
      return;
    }
    if (e.key === 'a' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      s.selectRows([...view]);
      return;
    }
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / (TILE_HEIGHT + GAP)));
    const next = gridStep(e.key, current, view.length, this.columns, page);
    if (next === undefined) return;
    e.preventDefault();
    s.select(view[next], e.shiftKey ? 'range' : 'replace');
    this.virtualizer.scrollToIndex(Math.floor(next / this.columns), { align: 'auto' });
  }
}

function rowOf(target: EventTarget | null): number | undefined {
  const t = (target as HTMLElement | null)?.closest?.<HTMLElement>('[data-row]');
  return t ? Number(t.dataset.row) : undefined;
}
