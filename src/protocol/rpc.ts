/**
 * Request/response over any one-way message channel (webview postMessage, child-process IPC).
 * Both protocols in this folder build on these envelopes, so ids, errors and timeouts behave alike
 * everywhere: `RpcClient` is the calling side, `RpcHandler` the serving side (typed dispatch by method
 * and type, one response per request, clear errors for what it cannot serve). Protocol modules hold
 * types and these small dependency-free helpers only; they import core *types* alone, so the webview
 * bundles can use them too.
 */
import type { ErrorCode, ErrorInfo } from '../core/errors';

export type { ErrorCode, ErrorInfo };

export interface RequestMsg<M extends string = string, P = unknown> {
  kind: 'request';
  id: number;
  method: M;
  params: P;
}

export type ResponseMsg<R = unknown> =
  { kind: 'response'; id: number; ok: true; result: R } | { kind: 'response'; id: number; ok: false; error: ErrorInfo };

export interface NotificationMsg<T extends string = string, P = unknown> {
  kind: 'notify';
  type: T;
  params: P;
}

/** Method name -> [params, result]. */
export type MethodMap = Record<string, [unknown, unknown]>;

export type RequestOf<M extends MethodMap> = { [K in keyof M & string]: RequestMsg<K, M[K][0]> }[keyof M & string];
export type NotificationOf<N extends Record<string, unknown>> = {
  [K in keyof N & string]: NotificationMsg<K, N[K]>;
}[keyof N & string];

export class RpcError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'RpcError';
  }
}

/** Who answers a client's requests, so that a timeout names what timed out. */
export interface RpcPeer {
  /** The code a request that gets no answer in time fails with, e.g. ENGINE_TIMEOUT or WEBVIEW_TIMEOUT. */
  timeoutCode: ErrorCode;
  /** The other side as a sentence starts with it: "The inference engine", "The viewer". */
  name: string;
}

/**
 * The calling side of a channel: numbers requests, matches responses, fails pending calls on timeout
 * (with the peer's timeout code and the method's name) or when the channel dies.
 */
export class RpcClient<M extends MethodMap> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void; timer?: ReturnType<typeof setTimeout> }
  >();

  constructor(
    private readonly send: (msg: RequestOf<M>, transfer?: ArrayBuffer[]) => void,
    private readonly peer: RpcPeer,
  ) {}

  request<K extends keyof M & string>(
    method: K,
    params: M[K][0],
    opts: { timeoutMs?: number; transfer?: ArrayBuffer[] } = {},
  ): Promise<M[K][1]> {
    const id = this.nextId++;
    return new Promise<M[K][1]>((resolve, reject) => {
      const entry: { resolve(v: unknown): void; reject(e: unknown): void; timer?: ReturnType<typeof setTimeout> } = {
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (opts.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new RpcError({
              code: this.peer.timeoutCode,
              message: `${this.peer.name} did not answer "${method}" within ${duration(opts.timeoutMs!)}.`,
            }),
          );
        }, opts.timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.send({ kind: 'request', id, method, params } as RequestOf<M>, opts.transfer);
      } catch (err) {
        this.pending.delete(id);
        if (entry.timer) clearTimeout(entry.timer);
        reject(err);
      }
    });
  }

  /** Feed every incoming message here; returns true when it was a response this client was waiting for. */
  handle(msg: unknown): boolean {
    if (!isResponse(msg)) return false;
    const entry = this.pending.get(msg.id);
    if (!entry) return false;
    this.pending.delete(msg.id);
    if (entry.timer) clearTimeout(entry.timer);
    if (msg.ok) entry.resolve(msg.result);
    else entry.reject(new RpcError(msg.error));
    return true;
  }

  /** Reject everything in flight (the other side is gone). */
  failAll(info: ErrorInfo): void {
    for (const [id, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new RpcError(info));
      this.pending.delete(id);
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }
}

/** "250 ms", "10 s". */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

export function isRequest(msg: unknown): msg is RequestMsg {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as RequestMsg).kind === 'request' &&
    typeof (msg as RequestMsg).id === 'number'
  );
}

export function isResponse(msg: unknown): msg is ResponseMsg {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as ResponseMsg).kind === 'response' &&
    typeof (msg as ResponseMsg).id === 'number'
  );
}

export function isNotification(msg: unknown): msg is NotificationMsg {
  return typeof msg === 'object' && msg !== null && (msg as NotificationMsg).kind === 'notify';
}

/** Serves one request method: returns its result (or a promise of it); a throw becomes an error response. */
export type RequestHandlers<M extends MethodMap> = {
  [K in keyof M & string]: (params: M[K][0]) => M[K][1] | Promise<M[K][1]>;
};

/** Takes one notification type; a throw is reported to `onNotificationError` (there is nobody to answer). */
export type NotificationHandlers<N extends Record<string, unknown>> = {
  [K in keyof N & string]?: (params: N[K]) => void;
};

/**
 * Checks the parameters of a method or notification type before its handler runs: returns why they are
 * unusable, or undefined. Every handler is already guaranteed an object (not null) as its parameters.
 */
export type ParamChecks<Names extends string> = { [K in Names]?: (params: object) => string | undefined };

export interface RpcHandlerOptions<M extends MethodMap, N extends Record<string, unknown>> {
  /** The serving side as a sentence starts with it ("The viewer"), for the error messages. */
  name: string;
  requests: RequestHandlers<M>;
  notifications: NotificationHandlers<N>;
  checks?: ParamChecks<(keyof M | keyof N) & string>;
  /** Posts a response back over the channel. */
  respond(msg: ResponseMsg): void;
  /** A notification was refused (unknown type, unusable parameters) or its handler threw. */
  onNotificationError?(type: string, error: ErrorInfo): void;
}

/**
 * The serving side of a channel: dispatches incoming requests by method and notifications by type to
 * typed handlers, and answers every request exactly once with the response envelope. An unknown method
 * or unusable parameters get a BAD_REQUEST response that names them; a handler that throws (or whose
 * promise rejects) gets its error passed on (an ErrorInfo-shaped error keeps its code, anything else
 * becomes INTERNAL). A synchronous handler is answered synchronously, so a caller can rely on the
 * order of its responses and the notifications it handled before.
 */
export class RpcHandler<M extends MethodMap, N extends Record<string, unknown> = Record<string, never>> {
  constructor(private readonly opts: RpcHandlerOptions<M, N>) {}

  /** Feed every incoming message here; returns true when it was a request or notification (handled or refused). */
  handle(msg: unknown): boolean {
    if (isRequest(msg)) {
      this.serve(msg);
      return true;
    }
    if (isNotification(msg)) {
      this.take(msg);
      return true;
    }
    return false;
  }

  private serve(req: RequestMsg): void {
    const { name, requests } = this.opts;
    const method = typeof req.method === 'string' ? req.method : String(req.method);
    const refuse = (message: string) => this.respondError(req.id, { code: 'BAD_REQUEST', message });
    if (!Object.hasOwn(requests, method))
      return refuse(`${name} does not know the request "${method}" (two versions of the extension?).`);
    const problem = this.check(method, req.params);
    if (problem) return refuse(`${name} cannot answer "${method}": ${problem}.`);
    const run = requests[method as keyof M & string] as (p: unknown) => unknown;
    let result: unknown;
    try {
      result = run(req.params);
    } catch (err) {
      return this.respondError(req.id, this.errorInfo(`could not answer "${method}"`, err));
    }
    if (isThenable(result))
      result.then(
        (value) => this.opts.respond({ kind: 'response', id: req.id, ok: true, result: value }),
        (err: unknown) => this.respondError(req.id, this.errorInfo(`could not answer "${method}"`, err)),
      );
    else this.opts.respond({ kind: 'response', id: req.id, ok: true, result });
  }

  private take(msg: NotificationMsg): void {
    const { name, notifications, onNotificationError } = this.opts;
    const type = String(msg.type);
    const refuse = (code: ErrorCode, message: string) => onNotificationError?.(type, { code, message });
    if (!Object.hasOwn(notifications, type))
      return refuse('BAD_REQUEST', `${name} does not know the message "${type}".`);
    const problem = this.check(type, msg.params);
    if (problem) return refuse('BAD_REQUEST', `${name} cannot take "${type}": ${problem}.`);
    try {
      (notifications[type as keyof N & string] as (p: unknown) => void)(msg.params);
    } catch (err) {
      onNotificationError?.(type, this.errorInfo(`could not handle "${type}"`, err));
    }
  }

  private check(name: string, params: unknown): string | undefined {
    if (typeof params !== 'object' || params === null) return 'its parameters are missing';
    const check = this.opts.checks?.[name as keyof ParamChecks<string>];
    return check?.(params);
  }

  /** `failed` completes "<name> ...": e.g. 'could not answer "act"'. */
  private errorInfo(failed: string, err: unknown): ErrorInfo {
    const known = knownErrorInfo(err);
    if (known) return known;
    const text = err instanceof Error ? err.message : String(err);
    return {
      code: 'INTERNAL',
      message: `${this.opts.name} ${failed}: ${text}`,
      detail: err instanceof Error ? err.stack : undefined,
    };
  }

  private respondError(id: number, error: ErrorInfo): void {
    this.opts.respond({ kind: 'response', id, ok: false, error });
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

/**
 * The error's own code and message when it has ours: an RpcError, an XrayError (recognised by name: the
 * protocol may not import core's runtime), or a plain ErrorInfo that crossed a channel. Other errors
 * (a TypeError, Node's ENOENT) are not ours to name and become INTERNAL.
 */
function knownErrorInfo(err: unknown): ErrorInfo | undefined {
  if (err instanceof RpcError) return err.info;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as Partial<ErrorInfo>;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return undefined;
  if (err instanceof Error && err.name !== 'XrayError') return undefined;
  return { code: e.code as ErrorCode, message: e.message, detail: typeof e.detail === 'string' ? e.detail : undefined };
}
