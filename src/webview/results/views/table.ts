/**
 * The virtualised table: @tanstack/virtual-core decides which rows are on screen, and a small pool of row
 * elements is moved and refilled as the list scrolls, so 100,000 rows cost what a screenful costs. Header
 * cells sort (aria-sort), rows select with click / Ctrl-click / Shift-click and the arrow keys, Enter or a
 * double click opens the row's image.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { SortKey } from '../../../protocol/results';
import { labelKeyAction, parseKeyName, type LabelKeyAction } from '../../shared/labelKeys';
import type { Column, RowContext } from '../columns/column';
import { columnsFor } from '../columns/registry';
import { minimumOf, ROW_HEIGHT } from '../layout';
import { ColumnResizer } from './columnResize';
import { isFlagged } from '../query';
import type { PanelState } from '../state';
import { l10n } from '../../shared/l10n';

export { ROW_HEIGHT };

export interface TableEvents {
  open(row: number): void;
  wantThumbnails(rows: number[]): void;
  scrolled(top: number): void;
  /** A labelling key (1/2/3/0, n, u) pressed on the selection. */
  labelKey?(a: Exclude<LabelKeyAction, { kind: 'move' }>): void;
  /** The user resized a column (state.columnWidths changed). */
  resized?(): void;
}

export class TableView {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  /** The row each pooled element shows since the last full redraw (-1: none), so a scroll refills only new rows. */
  private readonly shown: number[] = [];
  /** The list index each pooled row shows (with `shown`: the same row at another index is drawn again). */
  private readonly shownIndex: number[] = [];
  /** The draw that last used each pooled row (unused ones are parked). */
  private readonly usedIn: number[] = [];
  private draws = 0;
  private columns: Column[] = [];
  private readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  private readonly resizer: ColumnResizer;
  private cleanup?: () => void;
  private thumbTimer?: ReturnType<typeof setTimeout>;
  /** Scroll frames timed by the page (diagnostics, the bench reads them). */
  readonly frameTimes: number[] = [];
  /** The body's horizontal scroll the header follows. */
  private scrollLeft = 0;
  /** The least width of the rows (their columns' least widths, gaps and padding), CSS pixels. */
  private minWidth = 0;
  private readonly sized = new ResizeObserver(() => this.updateOverflow());

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
      // Rows beyond the screen each side. A fast scroll refills every pooled row each frame, so each one
      // costs a frame's style and layout: 4 is enough to hide the edge when the list is moved by keys.
      overscan: 4,
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
    // Columns wider than the panel scroll sideways with the rows; the header follows.
    this.scroller.addEventListener(
      'scroll',
      () => {
        const x = this.scroller.scrollLeft;
        if (x === this.scrollLeft) return;
        this.scrollLeft = x;
        this.header.style.transform = x ? `translateX(${-x}px)` : '';
        this.stickPath();
      },
      { passive: true },
    );
    this.resizer = new ColumnResizer(this.header, state, {
      apply: () => this.applyWidths(),
      resized: () => this.events.resized?.(),
      reveal: (cell) => this.revealHeaderCell(cell),
    });
    this.element.append(this.resizer.status);
    // Focus on a separator past the table's right edge scrolls the table box itself (it clips, yet scrolls
    // for focus): put it back and scroll the rows instead, which the header follows.
    this.element.addEventListener('scroll', () => {
      if (!this.element.scrollLeft) return;
      this.element.scrollLeft = 0;
      const grip = document.activeElement as HTMLElement | null;
      if (grip && this.header.contains(grip)) this.revealHeaderCell(grip.parentElement!);
    });
    this.header.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('.grip')) return;
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
    this.sized.observe(this.scroller);
    this.rebuildColumns();
    this.refresh();
  }

  /** The models, the label set or the data's kinds changed: the columns again (from the registry). */
  rebuildColumns(): void {
    const cols = columnsFor(this.state);
    this.columns = cols;
    this.applyWidths();
    this.header.replaceChildren(
      ...cols.map((c) => {
        const h = el('div', `th ${c.className ?? ''}`);
        h.setAttribute('role', 'columnheader');
        h.textContent = c.header;
        h.append(this.resizer.grip(c));
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
    this.shown.length = 0;
    this.shownIndex.length = 0;
    this.usedIn.length = 0;
    this.updateSortMarks();
  }

  /**
   * The columns' tracks (a resized column in pixels) and the least width they need: below it the rows
   * scroll sideways instead of cutting the last columns off.
   */
  private applyWidths(): void {
    const widths = this.state.columnWidths;
    const em = parseFloat(getComputedStyle(this.element).fontSize) || 13;
    let min = 20 + 10 * Math.max(0, this.columns.length - 1); // the row's padding and column gaps
    const tracks = this.columns.map((c) => {
      const w = widths[c.id];
      min += w ?? minimumOf(c.width, em);
      return w ? `${w}px` : c.width;
    });
    this.element.style.setProperty('--columns', tracks.join(' '));
    this.element.style.setProperty('--table-min', `${Math.ceil(min)}px`);
    this.minWidth = Math.ceil(min);
    this.updateOverflow();
  }

  /** Rows wider than the table (a narrow panel, wide columns) scroll sideways (`.scrolls-x`). */
  private updateOverflow(): void {
    const over = this.minWidth > this.scroller.clientWidth + 0.5;
    if (this.element.classList.contains('scrolls-x') === over) return;
    this.element.classList.toggle('scrolls-x', over);
    this.stickPath();
  }

  /**
   * Rows scrolled sideways past the path's start: its cells (the header's and the pooled rows') are moved back
   * to the left edge by one CSS variable (results.css, `.shifted`), so the last columns are read beside their
   * file's name. Not CSS sticky: ~30 sticky cells in a 3.2-million-pixel scroll area cost a 100,000-row
   * table's vertical scroll 4x its frame time (bench:panel sweep p95 33 -> 133 ms).
   */
  private stickPath(): void {
    const th = this.header.querySelector<HTMLElement>('.th.c-path');
    // offsetLeft ignores transforms: the cell's place in the header as laid out.
    const natural = th ? th.offsetLeft - this.header.offsetLeft : 0;
    const shift = th ? Math.max(0, this.scrollLeft - natural) : 0;
    if (this.element.classList.contains('shifted') !== shift > 0) this.element.classList.toggle('shifted', shift > 0);
    this.element.style.setProperty('--path-shift', `${shift}px`);
  }

  /** Resizes a column as a drag of its header's edge would (tests, diagnostics). */
  resizeColumn(id: string, px: number | undefined): void {
    this.resizer.resize(id, px);
  }

  /** What the table's status line said last (a column resized). */
  get said(): string {
    return this.resizer.said;
  }

  /** Scrolls the rows sideways (the header follows) so that a header cell shows whole, if it can. */
  private revealHeaderCell(cell: HTMLElement): void {
    this.element.scrollLeft = 0;
    // The header is translated with the rows: positions relative to it are positions along the rows.
    const box = cell.getBoundingClientRect();
    const left = box.left - this.header.getBoundingClientRect().left;
    const right = left + box.width;
    const x = this.scroller.scrollLeft;
    const w = this.scroller.clientWidth;
    // A cell right of the sticky path shows only beyond it.
    const path = this.header.querySelector<HTMLElement>('.th.c-path');
    const covered =
      path && this.element.classList.contains('scrolls-x') && cell.offsetLeft > path.offsetLeft ? path.offsetWidth : 0;
    if (right > x + w) this.scroller.scrollLeft = right - w;
    else if (left < x + covered) this.scroller.scrollLeft = left - covered;
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

  /** The text of the top row on screen, cell by cell (what a user reads: the tests check it). */
  get firstRowText(): string[] {
    const top = this.pool
      .filter((r) => !r.classList.contains('parked'))
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))[0];
    return top ? [...top.children].map((c) => c.textContent ?? '') : [];
  }

  /**
   * The columns as drawn (the report): header width, and whether the top row's text in it is cut (for the
   * path, its file name: a long folder loses its start by design).
   */
  get drawnColumns(): { id: string; width: number; cut: boolean }[] {
    const top = this.pool
      .filter((r) => !r.classList.contains('parked'))
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))[0];
    const left = this.scroller.getBoundingClientRect().left;
    const right = left + this.scroller.clientWidth;
    return this.columns.map((c, i) => {
      const h = this.header.children[i] as HTMLElement;
      const cell = top?.children[i] as HTMLElement | undefined;
      const text = (cell?.querySelector<HTMLElement>('.name') ?? cell) as HTMLElement | undefined;
      const cutText = !!text && text.scrollWidth > text.clientWidth + 1;
      // A cell past the table's edges is cut too (the rows scroll sideways to it).
      const box = cell?.getBoundingClientRect();
      const cutEdge = !!box && (box.right > right + 1 || box.left < left - 1);
      return { id: c.id, width: Math.round(h.getBoundingClientRect().width), cut: cutText || cutEdge };
    });
  }

  /** The table's box as a user sees it (the report). */
  get box(): { rowsInView: number; scrollLeft: number; sideways: boolean } {
    const r = this.scroller.getBoundingClientRect();
    const h = Math.min(r.top + this.scroller.clientHeight, window.innerHeight) - Math.max(r.top, 0);
    return {
      rowsInView: Math.max(0, Math.floor(h / ROW_HEIGHT)),
      scrollLeft: Math.round(this.scroller.scrollLeft),
      sideways: this.element.classList.contains('scrolls-x'),
    };
  }

  /** Is the selection's anchor wholly on screen (keys must keep it there)? Undefined without one. */
  get anchorInView(): boolean | undefined {
    const a = this.state.anchor;
    const i = a === undefined ? -1 : this.state.view.indexOf(a);
    if (i < 0) return undefined;
    const top = i * ROW_HEIGHT;
    return top >= this.scroller.scrollTop && top + ROW_HEIGHT <= this.scroller.scrollTop + this.scroller.clientHeight;
  }

  /** Thumbnails shown in the drawn rows: images that loaded (the report). */
  get thumbnailsShown(): number {
    let n = 0;
    for (const r of this.pool)
      if (!r.classList.contains('parked'))
        for (const img of r.querySelectorAll<HTMLImageElement>('img.thumb'))
          if (!img.hidden && img.complete && img.naturalWidth > 0) n++;
    return n;
  }

  /** Box marks drawn over the drawn rows' thumbnails (the report). */
  get thumbnailBoxes(): number {
    let n = 0;
    for (const r of this.pool)
      if (!r.classList.contains('parked')) n += r.querySelectorAll('.thumb-box svg.t-boxes rect').length;
    return n;
  }

  /** How many row elements are in the DOM (virtualisation check). */
  get rendered(): number {
    return this.pool.filter((r) => !r.classList.contains('parked')).length;
  }

  scrollToRow(row: number): void {
    const i = this.state.view.indexOf(row);
    if (i >= 0) this.virtualizer.scrollToIndex(i, { align: 'auto' });
  }

  scrollBy(px: number): void {
    this.scroller.scrollTop += px;
  }

  dispose(): void {
    this.sized.disconnect();
    this.cleanup?.();
  }

  private renderRows(force = false): void {
    const t0 = performance.now();
    const s = this.state;
    const view = s.view;
    const items = this.virtualizer.getVirtualItems();
    if (this.pool.length < items.length) {
      while (this.pool.length < items.length) {
        const r = el('div', 'row tr');
        r.setAttribute('role', 'row');
        for (const c of this.columns) {
          const cell = el('div', `td ${c.className ?? ''}`.trim());
          cell.setAttribute('role', 'gridcell');
          c.setup?.(cell);
          if (c.data) cell.setAttribute('translate', 'no');
          r.append(cell);
        }
        this.spacer.append(r);
        this.pool.push(r);
        this.shown.push(-1);
        this.shownIndex.push(-1);
        this.usedIn.push(-1);
      }
      // Rows sit in the pool by list index modulo its size: a bigger pool places every row anew.
      force = true;
    }
    if (force) {
      this.shown.fill(-1);
      this.shownIndex.fill(-1);
    }
    const draw = ++this.draws;
    const size = this.pool.length;
    const model = s.query.model;
    const threshold = s.thresholds[model] ?? 0.5;
    const missingThumbs: number[] = [];
    // Each list index has its own pooled row (index modulo the pool's size), so a row that stays on screen keeps
    // its element untouched while the list scrolls: only the rows coming into view are drawn, laid out and
    // painted. (By position on screen, every row was drawn again as soon as the list moved by one row.)
    for (const item of items) {
      const k = item.index % size;
      const r = this.pool[k];
      const row = view[item.index];
      this.usedIn[k] = draw;
      if (r.classList.contains('parked')) r.classList.remove('parked');
      if (s.hasThumbnails && !s.thumbnails.has(row) && !s.thumbsAsked.has(row)) missingThumbs.push(row);
      if (this.shown[k] === row && this.shownIndex[k] === item.index) continue;
      this.shown[k] = row;
      this.shownIndex[k] = item.index;
      r.style.transform = `translateY(${item.start}px)`;
      const flagged = isFlagged(s.table, row, model, threshold);
      const ctx: RowContext = { state: s, model, threshold, flagged, mark: s.marks.get(row) };
      r.dataset.row = String(row);
      r.setAttribute('aria-rowindex', String(item.index + 2));
      // Attribute selectors style the selection: an unchanged value is not written (no style work).
      const selected = s.selection.has(row) ? 'true' : 'false';
      if (r.getAttribute('aria-selected') !== selected) r.setAttribute('aria-selected', selected);
      if (r.classList.contains('flagged') !== flagged) r.classList.toggle('flagged', flagged);
      const cells = r.children as HTMLCollectionOf<HTMLElement>;
      for (let ci = 0; ci < this.columns.length; ci++) this.columns[ci].render(cells[ci], row, ctx);
    }
    for (let k = 0; k < size; k++) {
      if (this.usedIn[k] === draw) continue;
      // Parked, not hidden: a row taken out of the layout (display: none) relaid the page's whole document, since
      // the scroller, a flex item, cannot bound a layout (bench:panel trace: 417 of 600 sweep frames).
      if (!this.pool[k].classList.contains('parked')) this.pool[k].classList.add('parked');
      this.shown[k] = -1;
      this.shownIndex[k] = -1;
    }
    const height = `${this.virtualizer.getTotalSize()}px`;
    if (this.spacer.style.height !== height) this.spacer.style.height = height;
    const top = this.virtualizer.scrollOffset ?? 0;
    if (top !== s.scrollTop) this.events.scrolled(top);
    if (missingThumbs.length) {
      clearTimeout(this.thumbTimer);
      // Ask once the list rests: a fast scroll over 100,000 rows must not queue thumbnails for all of them.
      this.thumbTimer = setTimeout(() => {
        for (const r of missingThumbs) s.thumbsAsked.add(r);
        this.events.wantThumbnails(missingThumbs);
      }, 120);
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
