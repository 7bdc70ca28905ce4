/**
 * A webview's side of its channel to the extension host, for any webview of this extension (the viewer,
 * the results panel): typed notifications to the host, typed requests to the host (with HOST_TIMEOUT
 * when it does not answer), the protocol's RpcHandler serving the host's requests and notifications,
 * and the state VS Code keeps while the tab is hidden (read once, saved debounced).
 *
 * Type parameters: `ToHost` the webview -> host notifications, `HostMethods` the requests the webview
 * may make of the host, `FromHost` the host -> webview notifications, `ServedMethods` the requests the
 * host makes of the webview.
 */
import { Disposable, type IDisposable } from '../../protocol/dispose';
import {
  RpcClient,
  RpcHandler,
  type ErrorInfo,
  type MethodMap,
  type NotificationHandlers,
  type ParamChecks,
  type RequestHandlers,
} from '../../protocol/rpc';
import { Debouncer, listen } from './lifetime';

/** What `acquireVsCodeApi()` returns (the parts we use). */
export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** What a webview serves: handlers for the host's requests and notifications, and checks of their parameters. */
export interface Served<ServedMethods extends MethodMap, FromHost extends Record<string, unknown>> {
  requests: RequestHandlers<ServedMethods>;
  notifications: NotificationHandlers<FromHost>;
  checks?: ParamChecks<(keyof ServedMethods | keyof FromHost) & string>;
  /** A host notification was refused or its handler threw (the webview keeps going; say so in the log). */
  onNotificationError?(type: string, error: ErrorInfo): void;
  /** After each message the handler took (e.g. to redraw). */
  afterMessage?(): void;
}

export class HostBridge<
  ToHost extends Record<string, unknown>,
  FromHost extends Record<string, unknown>,
  ServedMethods extends MethodMap = Record<string, never>,
  HostMethods extends MethodMap = Record<string, never>,
> extends Disposable {
  private readonly client: RpcClient<HostMethods>;
  private readonly saver: Debouncer;
  private pendingState: () => unknown = () => undefined;

  /** `name` starts the error messages of what this webview serves: "The viewer does not know ...". */
  constructor(
    private readonly api: VsCodeApi,
    private readonly name: string,
    /** Milliseconds between the last `saveState` and VS Code's setState. */
    saveDelayMs = 150,
  ) {
    super();
    this.client = new RpcClient<HostMethods>((msg) => this.api.postMessage(msg), {
      timeoutCode: 'HOST_TIMEOUT',
      name: 'The extension host',
    });
    this.saver = this._register(new Debouncer(saveDelayMs, () => this.api.setState(this.pendingState())));
  }

  notify<K extends keyof ToHost & string>(type: K, params: ToHost[K]): void {
    this.api.postMessage({ kind: 'notify', type, params });
  }

  request<K extends keyof HostMethods & string>(
    method: K,
    params: HostMethods[K][0],
    timeoutMs = 10_000,
  ): Promise<HostMethods[K][1]> {
    return this.client.request(method, params, { timeoutMs });
  }

  /**
   * Starts taking messages from the host (window 'message' events): responses go to this webview's own
   * requests, requests and notifications to `served`. Call it once the handlers can run; disposing the
   * result (or the bridge) stops it.
   */
  serve(served: Served<ServedMethods, FromHost>, target: Window = window): IDisposable {
    const handler = new RpcHandler<ServedMethods, FromHost>({
      name: this.name,
      requests: served.requests,
      notifications: served.notifications,
      checks: served.checks,
      respond: (msg) => this.api.postMessage(msg),
      onNotificationError: served.onNotificationError,
    });
    return this._register(
      listen(target, 'message', (e: MessageEvent) => {
        if (this.client.handle(e.data)) return;
        if (handler.handle(e.data)) served.afterMessage?.();
      }),
    );
  }

  /** What VS Code kept for this tab (undefined for a new one, or when it cannot be read). */
  savedState(): unknown {
    try {
      return this.api.getState();
    } catch {
      return undefined;
    }
  }

  /** Saves `snapshot()` a moment after the last call (a drag saves once, at its end). */
  saveState(snapshot: () => unknown): void {
    this.pendingState = snapshot;
    this.saver.schedule();
  }

  override dispose(): void {
    this.client.failAll({ code: 'CANCELLED', message: 'The webview is closing.' });
    super.dispose();
  }
}
