/**
 * Watches that a webview page starts. In VS Code for the web (code-server) a page's start goes through a
 * service worker that every new webview replaces; two ways that failed are closed at their source (see
 * webviewHtml.ts: the pages fetch nothing, so no fetch can miss the worker or hold the next one's take-over).
 * This stays as a safety net for whatever else keeps a page from starting: a visible page that has not said
 * `ready` in time is loaded again, the wait doubling each time (10, 20, 40 s: a slow machine is not made
 * slower), and after the last try the log says so. Hidden pages do not count, and each wait starts when the
 * page is shown: VS Code loads a page when it is shown, and again each time a page it did not keep is shown
 * again (a custom editor hidden behind another tab, then brought back: a proof run at load 14 reloaded a
 * viewer 0.6 s after it was shown again, because the wait had started when it was first opened). The
 * integration runner counts these reloads; they should be none.
 */
import { Disposable, type IDisposable } from '../protocol/dispose';
import type { Logger } from './log';

/** The parts of a vscode.WebviewPanel this needs (tests pass their own). */
export interface WatchedPanel {
  readonly visible: boolean;
  /** Fires when the panel is shown or hidden (vscode.WebviewPanel.onDidChangeViewState). */
  onDidChangeViewState(listener: () => void): IDisposable;
  readonly webview: { onDidReceiveMessage(listener: (m: unknown) => void): IDisposable };
}

export interface PageStartOptions {
  /** Sets the page's html again (with a fresh nonce, so the page reloads). */
  reload(): void;
  log: Pick<Logger, 'warn' | 'error'>;
  /** The page in the log's words, e.g. "Results panel chest". */
  name: string;
  firstWaitMs?: number;
  maxLoads?: number;
}

export class PageStartWatch extends Disposable {
  private timer?: ReturnType<typeof setTimeout>;
  private loads = 1;
  private waitMs: number;
  private started = false;

  constructor(
    private readonly panel: WatchedPanel,
    private readonly opts: PageStartOptions,
  ) {
    super();
    this.waitMs = opts.firstWaitMs ?? 10_000;
    // Every page of ours says `ready` (a HostBridge notification) once it listens; a reload says it again.
    this._register(
      panel.webview.onDidReceiveMessage((m) => {
        const msg = m as { kind?: unknown; type?: unknown } | null;
        if (msg?.kind === 'notify' && msg.type === 'ready') this.onReady();
      }),
    );
    this._register({ dispose: () => clearTimeout(this.timer) });
    // Shown (again): its page loads now, so the wait starts now.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!this.started && this.panel.visible) this.arm();
      }),
    );
    if (panel.visible) this.arm();
  }

  /** Whether the page has said `ready` at least once. */
  get hasStarted(): boolean {
    return this.started;
  }

  private onReady(): void {
    this.started = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), this.waitMs);
  }

  private check(): void {
    // A hidden page waits for its next showing, which starts the wait again.
    if (this.started || this.isDisposed || !this.panel.visible) return;
    const max = this.opts.maxLoads ?? 4;
    const waited = this.waitMs / 1000;
    if (this.loads >= max) {
      this.opts.log.error(
        `${this.opts.name}: its page did not start (${this.loads} loads, the last waited ${waited} s).`,
      );
      return;
    }
    this.loads++;
    this.opts.log.warn(`${this.opts.name}: its page has not started ${waited} s after loading; loading it again.`);
    this.waitMs *= 2;
    this.opts.reload();
    this.arm();
  }
}
