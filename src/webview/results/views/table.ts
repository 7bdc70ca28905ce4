/**
 * The virtualised table: @tanstack/virtual-core decides which rows are on screen, and a small pool of row
 * elements is moved and refilled as the list scrolls, so 100,000 rows cost what a screenful costs. Header
 * cells sort (aria-sort), rows select with click / Ctrl-click / Shift-click and the arrow keys, Enter or a
 * double click opens the row's image.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { SortKey } from '../../../protocol/results';
import { labelKeyAction, parseKeyName, type LabelKeyAction } from '../../shared/labelKeys';
import { renderMark } from './markCell';
import { formatNorm, formatRaw } from '../format';
import { isFlagged } from '../query';
import type { PanelState } from '../state';
import { l10n } from '../../shared/l10n';

export const ROW_HEIGHT = 32;

interface Column {
  id: string;
  label: string;
  width: string;
  sort?: SortKey;
  model?: number;
  className?: string;
  title?: string;
}

export interface TableEvents {
  open(row: number): void;
  wantThumbnails(rows: number[]): void;
  scrolled(top: number): void;
  /** A labelling key (1/2/3/0, n, u) pressed on the selection. */
  labelKey?(a: Exclude<LabelKeyAction, { kind: 'move' }>): void;
}

export class TableView {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private columns: Column[] = [];
  private readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  private cleanup?: () => void;
  private thumbTimer?: ReturnType<typeof setTimeout>;
  /** Scroll frames timed by the page (diagnostics, the bench reads them). */
  readonly frameTimes: number[] = [];

  constructor(
    private readonly state: PanelState,
    private readonly events: TableEvents,
  ) {
    this.element = el('div', 'table');
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-label', l10n.t('Scored images'));
    this.header = el('div', 'thead row');
    this.header.setAttribute('role', 'row');
    this.scroller = el('div', 'tbody');
    this.scroller.tabIndex = 0;
    this.spacer = el('div', 'spacer');
    this.empty = el('div', 'empty');
    this.scroller.append(this.spacer, this.empty);
    this.element.append(this.header, this.scroller);
    this.virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: () => this.scroller,
      estimateSize: () => ROW_HEIGHT,
      overscan: 8,
      observeElementRect,
      observeElementOffset,
      scrollToFn: elementScroll,
      initialOffset: state.scrollTop,
      onChange: () => this.renderRows(),
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('click', (e) => this.onClick(e));
    this.scroller.addEventListener('dblclick', (e) => {
      const row = rowOf(e.target);
      if (row !== undefined) this.events.open(row);
    });
    this.header.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-sort]');
      if (!cell) return;
      const key = cell.dataset.sort as SortKey;
      const model = cell.dataset.model !== undefined ? Number(cell.dataset.model) : this.state.query.model;
      const same = this.state.query.sort.key === key && this.state.query.model === model;
      // A score column sorts highest first on the first click; text columns A to Z.
      const descending = same ? !this.state.query.sort.descending : key !== 'path';
      this.state.setQuery({ model, sort: { key, descending } });
    });
  }

  mount(): void {
    this.cleanup = this.virtualizer._didMount();
    this.rebuildColumns();
    this.refresh();
  }

  /** The models changed: new columns. */
  rebuildColumns(): void {
    const s = this.state;
    const cols: Column[] = [];
    if (s.hasThumbnails) cols.push({ id: 'thumb', label: '', width: `${ROW_HEIGHT + 8}px`, className: 'c-thumb' });
    cols.push({ id: 'path', label: l10n.t('Path'), width: 'minmax(14em, 3fr)', sort: 'path', className: 'c-path' });
    if (s.table.hasLabels() || s.labelsFrom)
      cols.push({
        id: 'label',
        label: l10n.t('Truth'),
        width: '6.5em',
        sort: 'label',
        title: s.labelsFrom ? l10n.t('Ground truth ({0})', s.labelsFrom) : l10n.t('Ground truth (labels)'),
      });
    s.models.forEach((m, i) => {
      const several = s.models.length > 1;
      cols.push({
        id: `raw${i}`,
        label: several ? l10n.t('{0} Score', m.name) : l10n.t('Score'),
        width: '6.5em',
        sort: 'raw',
        model: i,
        className: 'num',
        title: l10n.t('{0} {1}: raw anomaly score', m.name, m.version),
      });
      cols.push({
        id: `norm${i}`,
        label: several ? l10n.t('{0} Norm.', m.name) : l10n.t('Norm.'),
        width: '5.5em',
        sort: 'normalized',
        model: i,
        className: 'num',
        title: l10n.t(
          '{0} {1}: normalised score, 0.5 at the calibrated threshold, same order as the raw score',
          m.name,
          m.version,
        ),
      });
    });
    if (s.marks.set)
      cols.push({
        id: 'mark',
        label: 'Label',
        width: '7.5em',
        title: `Your label in the set "${s.marks.set.name}" (keys 1 normal, 2 abnormal, 3 unsure, 0 clear, n note, u undo)`,
      });
    cols.push({
      id: 'flag',
      label: l10n.t('Flag'),
      width: '5.5em',
      sort: 'flag',
      title: l10n.t('At or above the threshold set in the histogram'),
    });
    cols.push({ id: 'error', label: l10n.t('Error'), width: 'minmax(6em, 1fr)', sort: 'error', className: 'c-error' });
    this.columns = cols;
    this.element.style.setProperty('--columns', cols.map((c) => c.width).join(' '));
    this.header.replaceChildren(
      ...cols.map((c) => {
        const h = el('div', `th ${c.className ?? ''}`);
        h.setAttribute('role', 'columnheader');
        h.textContent = c.label;
        if (c.title) h.title = c.title;
        if (c.sort) {
          h.dataset.sort = c.sort;
          if (c.model !== undefined) h.dataset.model = String(c.model);
          h.tabIndex = -1;
        }
        return h;
      }),
    );
    for (const r of this.pool) r.remove();
    this.pool.length = 0;
    this.updateSortMarks();
  }

  updateSortMarks(): void {
    const q = this.state.query;
    for (const h of this.header.children as HTMLCollectionOf<HTMLElement>) {
      const active =
        h.dataset.sort === q.sort.key && (h.dataset.model === undefined || Number(h.dataset.model) === q.model);
      // Raw and normalised sort the same order: mark the one clicked, or both when sorting by score.
      const scoreTwin =
        (q.sort.key === 'raw' || q.sort.key === 'normalized') &&
        (h.dataset.sort === 'raw' || h.dataset.sort === 'normalized') &&
        Number(h.dataset.model) === q.model &&
        h.dataset.sort === q.sort.key;
      h.setAttribute('aria-sort', active || scoreTwin ? (q.sort.descending ? 'descending' : 'ascending') : 'none');
    }
  }

  /** The order or the data changed: new count, redraw what is visible. */
  refresh(): void {
    const count = this.state.view.length;
    this.virtualizer.setOptions({ ...this.virtualizer.options, count });
    this.virtualizer._willUpdate();
    this.spacer.style.height = `${this.virtualizer.getTotalSize()}px`;
    this.empty.textContent =
      count > 0
        ? ''
        : this.state.table.size > 0
          ? l10n.t('No image matches the filters.')
          : this.state.progress?.running
            ? l10n.t('Scanning the folder...')
            : l10n.t('No results yet.');
    this.renderRows(true);
  }

  hasColumn(id: string): boolean {
    return this.columns.some((c) => c.id === id);
  }

  /** How many row elements are in the DOM (virtualisation check). */
  get rendered(): number {
    return this.pool.filter((r) => !r.hidden).length;
  }

  scrollToRow(row: number): void {
    const i = this.state.view.indexOf(row);
    if (i >= 0) this.virtualizer.scrollToIndex(i, { align: 'auto' });
  }

  scrollBy(px: number): void {
    this.scroller.scrollTop += px;
  }

  dispose(): void {
    this.cleanup?.();
  }

  private renderRows(force = false): void {
    const t0 = performance.now();
    const s = this.state;
    const view = s.view;
    const items = this.virtualizer.getVirtualItems();
    while (this.pool.length < items.length) {
      const r = el('div', 'row tr');
      r.setAttribute('role', 'row');
      for (const c of this.columns) {
        const cell = el('div', `td ${c.className ?? ''}`);
        cell.setAttribute('role', 'gridcell');
        if (c.id === 'thumb') cell.append(el('img', 'thumb'));
        // Paths and the engine's error messages are data.
        if (c.id === 'path' || c.id === 'error') cell.setAttribute('translate', 'no');
        r.append(cell);
      }
      this.spacer.append(r);
      this.pool.push(r);
    }
    const m = s.query.model;
    const t = s.thresholds[m] ?? 0.5;
    const missingThumbs: number[] = [];
    items.forEach((item, k) => {
      const r = this.pool[k];
      const row = view[item.index];
      r.hidden = false;
      r.style.transform = `translateY(${item.start}px)`;
      const flagged = isFlagged(s.table, row, m, t);
      const mark = s.marks.get(row);
      const key = `${row}|${flagged}|${s.selection.has(row)}|${mark?.label}|${mark?.status}|${mark?.note}`;
      if (!force && r.dataset.key === key) return;
      r.dataset.key = key;
      r.dataset.row = String(row);
      r.setAttribute('aria-rowindex', String(item.index + 2));
      r.setAttribute('aria-selected', String(s.selection.has(row)));
      r.classList.toggle('flagged', flagged);
      const cells = r.children as HTMLCollectionOf<HTMLElement>;
      this.columns.forEach((c, ci) => {
        const cell = cells[ci];
        switch (c.id) {
          case 'thumb': {
            const img = cell.firstElementChild as HTMLImageElement;
            const src = s.thumbnails.get(row);
            if (src) {
              if (img.getAttribute('src') !== src) img.src = src;
              img.hidden = false;
            } else {
              img.hidden = true;
              img.removeAttribute('src');
              missingThumbs.push(row);
            }
            break;
          }
          case 'path':
            cell.textContent = s.table.paths[row];
            cell.title = s.table.paths[row];
            break;
          case 'label': {
            const l = s.table.labels[row];
            cell.textContent = l === 1 ? l10n.t('anomalous') : l === 0 ? l10n.t('normal') : '';
            cell.className = `td ${l === 1 ? 'label-pos' : l === 0 ? 'label-neg' : ''}`;
            break;
          }
          case 'mark':
            renderMark(cell, mark);
            break;
          case 'flag':
            cell.textContent = flagged ? l10n.t('flagged') : '';
            cell.className = `td ${flagged ? 'flag-on' : ''}`;
            break;
          case 'error': {
            const e = s.table.anyError(row) ?? '';
            cell.textContent = e;
            cell.title = e;
            break;
          }
          default: {
            const mi = c.model ?? 0;
            const err = s.table.error(row, mi);
            if (c.id.startsWith('raw')) cell.textContent = err ? '—' : formatRaw(s.table.raw[mi][row]);
            else cell.textContent = err ? '—' : formatNorm(s.table.normalized[mi][row]);
            if (!err && Number.isNaN(s.table.raw[mi][row])) cell.textContent = '…';
          }
        }
      });
    });
    for (let k = items.length; k < this.pool.length; k++) this.pool[k].hidden = true;
    this.spacer.style.height = `${this.virtualizer.getTotalSize()}px`;
    const top = this.virtualizer.scrollOffset ?? 0;
    if (top !== s.scrollTop) this.events.scrolled(top);
    if (missingThumbs.length) {
      clearTimeout(this.thumbTimer);
      // Ask once the list rests: a fast scroll over 100,000 rows must not queue thumbnails for all of them.
      this.thumbTimer = setTimeout(() => this.events.wantThumbnails(missingThumbs), 120);
    }
    if (view.length && s.timeline.firstRows === undefined) s.timeline.firstRows = Date.now();
    this.frameTimes.push(performance.now() - t0);
    if (this.frameTimes.length > 5000) this.frameTimes.splice(0, 2500);
  }

  private onClick(e: MouseEvent): void {
    const row = rowOf(e.target);
    if (row === undefined) return;
    this.state.select(row, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'replace');
    this.scroller.focus();
  }

  /** Presses keys as the keyboard would (the `keys` diagnostic action; the bench's 100 labels). */
  pressKeys(names: string[]): void {
    for (const n of names) this.onKey(new KeyboardEvent('keydown', { ...parseKeyName(n), cancelable: true }));
  }

  private onKey(e: KeyboardEvent): void {
    const s = this.state;
    const view = s.view;
    if (!view.length) return;
    const a = labelKeyAction(e, { arrows: false });
    if (a && a.kind !== 'move') {
      e.preventDefault();
      this.events.labelKey?.(a);
      // One image labelled: on to the next, so a run of images is one key each.
      if (a.kind === 'label' && s.selection.size === 1) this.onKey(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
      return;
    }
    const current = s.anchor !== undefined ? view.indexOf(s.anchor) : -1;
    let next: number;
    if (e.key === 'ArrowDown' || (a?.kind === 'move' && a.delta > 0)) next = Math.min(view.length - 1, current + 1);
    else if (e.key === 'ArrowUp' || a?.kind === 'move') next = Math.max(0, current - 1);
    else if (e.key === 'PageDown') next = Math.min(view.length - 1, current + 15);
    else if (e.key === 'PageUp') next = Math.max(0, current - 15);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = view.length - 1;
    else if (e.key === 'Enter' && s.anchor !== undefined) {
      this.events.open(s.anchor);
      e.preventDefault();
      return;
    } else if (e.key === 'a' && (e.ctrlKey || e.metaKey)) {
      s.selectRows([...view]);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    s.select(view[next], e.shiftKey ? 'range' : 'replace');
    this.virtualizer.scrollToIndex(next, { align: 'auto' });
  }
}

function rowOf(target: EventTarget | null): number | undefined {
  const r = (target as HTMLElement | null)?.closest?.<HTMLElement>('[data-row]');
  return r ? Number(r.dataset.row) : undefined;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
