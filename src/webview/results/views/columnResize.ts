/**
 * Resizing the table's columns on their header separators: drag a header cell's right edge, double-click it
 * for the column's own width, or Tab to it and press Left/Right (Shift: a bigger step), Home (narrowest) or
 * Enter (its own width). However made, the new width is said in a status line (screen readers read it) and
 * saved with the panel.
 */
import type { Column } from '../columns/column';
import { clampWidth, COLUMN_MAX, COLUMN_MIN, widthForKey } from '../columnWidth';
import type { PanelState } from '../state';
import { l10n } from '../../shared/l10n';

export interface ResizeHost {
  /** The state's widths changed: lay the columns out again. */
  apply(): void;
  /** A resize ended: save it. */
  resized(): void;
  /** This header cell should be on screen (the rows scroll sideways to it). */
  reveal(cell: HTMLElement): void;
}

export class ColumnResizer {
  /** Polite status line: what the last resize did. */
  readonly status: HTMLElement;

  constructor(
    private readonly header: HTMLElement,
    private readonly state: PanelState,
    private readonly host: ResizeHost,
  ) {
    this.status = document.createElement('div');
    this.status.className = 'sr-only';
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    header.addEventListener('pointerdown', (e) => this.startDrag(e));
    header.addEventListener('dblclick', (e) => {
      const grip = gripOf(e.target);
      if (grip) this.set(grip, undefined);
    });
    header.addEventListener('keydown', (e) => this.onKey(e));
    header.addEventListener('focusin', (e) => {
      const grip = gripOf(e.target);
      if (!grip) return;
      this.showValue(grip);
      this.host.reveal(grip.parentElement!);
    });
  }

  /** The separator at the right edge of a column's header cell. */
  grip(c: Column): HTMLElement {
    const g = document.createElement('span');
    g.className = 'grip';
    g.dataset.column = c.id;
    g.dataset.name = c.header || l10n.t('Thumbnail');
    g.tabIndex = 0;
    g.setAttribute('role', 'separator');
    g.setAttribute('aria-orientation', 'vertical');
    g.setAttribute('aria-valuemin', String(COLUMN_MIN));
    g.setAttribute('aria-valuemax', String(COLUMN_MAX));
    g.setAttribute('aria-label', l10n.t('Resize the {0} column', g.dataset.name));
    g.title = l10n.t(
      'Drag, or press Left/Right here (Shift: faster), to resize the column; double-click or Enter for its own width',
    );
    return g;
  }

  /** Sets a column's width (undefined: its own again), as a drag of its edge would (tests, diagnostics). */
  resize(id: string, px: number | undefined): void {
    const grip = [...this.header.querySelectorAll<HTMLElement>('.grip')].find((g) => g.dataset.column === id);
    if (grip) this.set(grip, px);
    else {
      if (px === undefined) delete this.state.columnWidths[id];
      else this.state.columnWidths[id] = clampWidth(px);
      this.host.apply();
      this.host.resized();
    }
  }

  /** What the status line said last. */
  get said(): string {
    return this.status.textContent ?? '';
  }

  private set(grip: HTMLElement, px: number | undefined): void {
    const id = grip.dataset.column!;
    if (px === undefined) delete this.state.columnWidths[id];
    else this.state.columnWidths[id] = clampWidth(px);
    this.host.apply();
    this.host.resized();
    const w = this.showValue(grip);
    this.status.textContent =
      px === undefined
        ? l10n.t('{0} column: its own width, {1} pixels', grip.dataset.name!, w)
        : l10n.t('{0} column: {1} pixels', grip.dataset.name!, w);
    if (document.activeElement === grip) this.host.reveal(grip.parentElement!);
  }

  /** The separator's value is its column's drawn width; returns it. */
  private showValue(grip: HTMLElement): number {
    const w = widthOf(grip);
    grip.setAttribute('aria-valuenow', String(w));
    return w;
  }

  private onKey(e: KeyboardEvent): void {
    const grip = gripOf(e.target);
    if (!grip) return;
    const change = widthForKey(e, widthOf(grip));
    if (!change) return;
    e.preventDefault();
    e.stopPropagation();
    this.set(grip, change === 'own' ? undefined : change.px);
  }

  /** Dragging a header cell's right edge (pointer captured until released). */
  private startDrag(e: PointerEvent): void {
    const grip = gripOf(e.target);
    const id = grip?.dataset.column;
    if (!grip || !id || e.button !== 0) return;
    e.preventDefault();
    const startX = e.clientX;
    const start = widthOf(grip);
    grip.setPointerCapture(e.pointerId);
    let last: number | undefined;
    const move = (m: PointerEvent) => {
      last = clampWidth(start + m.clientX - startX);
      this.state.columnWidths[id] = last;
      this.host.apply();
    };
    const end = () => {
      grip.removeEventListener('pointermove', move);
      grip.removeEventListener('pointerup', end);
      grip.removeEventListener('pointercancel', end);
      if (last !== undefined) this.set(grip, last);
    };
    grip.addEventListener('pointermove', move);
    grip.addEventListener('pointerup', end);
    grip.addEventListener('pointercancel', end);
  }
}

function gripOf(target: EventTarget | null): HTMLElement | undefined {
  return (target as HTMLElement | null)?.closest?.<HTMLElement>('.grip') ?? undefined;
}

/** The drawn width of the grip's header cell, in whole CSS pixels. */
function widthOf(grip: HTMLElement): number {
  return Math.round(grip.parentElement!.getBoundingClientRect().width);
}
