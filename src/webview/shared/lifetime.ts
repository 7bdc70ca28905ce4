/**
 * Browser resources as disposables, so a webview registers each listener, observer and timer with its
 * owner (`Disposable._register` from the protocol's dispose.ts) and one dispose() releases them all.
 */
import { toDisposable, type IDisposable } from '../../protocol/dispose';

/** addEventListener whose removal is a dispose(). */
export function listen<K extends keyof WindowEventMap>(
  target: Window,
  type: K,
  listener: (e: WindowEventMap[K]) => void,
  options?: AddEventListenerOptions,
): IDisposable;
export function listen<K extends keyof DocumentEventMap>(
  target: Document,
  type: K,
  listener: (e: DocumentEventMap[K]) => void,
  options?: AddEventListenerOptions,
): IDisposable;
export function listen<K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  type: K,
  listener: (e: HTMLElementEventMap[K]) => void,
  options?: AddEventListenerOptions,
): IDisposable;
export function listen(
  target: EventTarget,
  type: string,
  listener: (e: Event) => void,
  options?: AddEventListenerOptions,
): IDisposable {
  target.addEventListener(type, listener, options);
  return toDisposable(() => target.removeEventListener(type, listener, options));
}

/** A ResizeObserver or MutationObserver that disconnects on dispose(). */
export function observing(observer: { disconnect(): void }): IDisposable {
  return toDisposable(() => observer.disconnect());
}

/**
 * Runs `fn` once, `ms` after the last call to `schedule` (a later call restarts the wait); dispose()
 * drops a pending run. Used for work that should happen once after a burst, such as saving state.
 */
export class Debouncer implements IDisposable {
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly ms: number,
    private readonly fn: () => void,
  ) {}

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, this.ms);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** One requestAnimationFrame at a time: `request` while one is pending does nothing; dispose() cancels it. */
export class FrameScheduler implements IDisposable {
  private frame = 0;

  constructor(private readonly fn: () => void) {}

  request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.fn();
    });
  }

  /** Runs a requested frame's work now (nothing when none is pending), so what is read next is what is drawn. */
  flush(): void {
    if (!this.frame) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.fn();
  }

  dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
