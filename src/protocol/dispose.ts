/**
 * Lifetime plumbing shared by the extension host and the webviews, modelled on VS Code's own extensions
 * (media-preview's `Disposable`, hexeditor's `_register`): an owner registers what it creates and one
 * `dispose()` releases everything, in reverse order, once. Plain TypeScript so both sides can import it.
 */

/** Anything that holds a resource; structurally the same as `vscode.Disposable`. */
export interface IDisposable {
  dispose(): void;
}

/** Disposes each item, newest first; one that throws does not stop the others (the first error is rethrown). */
export function disposeAll(items: IDisposable[]): void {
  let first: unknown;
  while (items.length) {
    const item = items.pop()!;
    try {
      item.dispose();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** Wraps a callback as a disposable that runs it at most once. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Base class for owners of resources: register them with `_register`, release them all with `dispose`. */
export abstract class Disposable implements IDisposable {
  private _isDisposed = false;
  protected readonly _disposables: IDisposable[] = [];

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._disposables);
  }

  /** Keeps `value` until this owner is disposed; registering after disposal disposes it at once. */
  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) value.dispose();
    else this._disposables.push(value);
    return value;
  }
}

/** A set of disposables that can be cleared and reused (e.g. the listeners of the current document). */
export class DisposableStore implements IDisposable {
  private readonly items: IDisposable[] = [];
  add<T extends IDisposable>(value: T): T {
    this.items.push(value);
    return value;
  }
  clear(): void {
    disposeAll(this.items);
  }
  dispose(): void {
    this.clear();
  }
}
