/**
 * The one place the viewer's state changes: every change goes through `update`, which says what it
 * affects (what to draw again, whether to persist, which settings become the host's new defaults);
 * subscribers (the draw loop, the state saver, the settings notifier) react to that.
 */
import { toDisposable, type IDisposable } from '../../protocol/dispose';
import type { ViewerSettings } from '../../protocol/viewer';
import type { ViewerState } from './state';

/**
 * What to draw again: nothing, the canvas only, the canvas plus toolbar and status bar (zoom, pan,
 * window), or every panel too.
 */
export type Redraw = 'none' | 'canvas' | 'bar' | 'all';

export interface Change {
  redraw: Redraw;
  /** Persist the view for when the tab comes back (debounced). */
  save?: boolean;
  /** Settings the user changed that become the host's defaults for new tabs. */
  settings?: Partial<ViewerSettings>;
}

export type ChangeListener = (change: Change, state: Readonly<ViewerState>) => void;

export class ViewerStore {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly current: ViewerState) {}

  /** Read it anywhere; change it only through `update`. */
  get state(): Readonly<ViewerState> {
    return this.current;
  }

  update(mutate: (state: ViewerState) => void, change: Change): void {
    mutate(this.current);
    this.emit(change);
  }

  /** A change that mutates nothing but still needs its effects (a redraw, a save). */
  touch(change: Change): void {
    this.emit(change);
  }

  subscribe(listener: ChangeListener): IDisposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change, this.current);
  }
}
