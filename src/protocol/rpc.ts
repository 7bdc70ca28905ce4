/**
 * Request/response over any one-way message channel (webview postMessage, child-process IPC).
 * Both protocols in this folder build on these envelopes, so ids, errors and timeouts behave alike
 * everywhere. Protocol modules hold types and this tiny helper only; they import core *types* alone.
 */
import type { ErrorInfo } from '../core/errors';

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

/**
 * The calling side of a channel: numbers requests, matches responses, fails pending calls on timeout
 * or when the channel dies.
 */
export class RpcClient<M extends MethodMap> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void; timer?: ReturnType<typeof setTimeout> }
  >();

  constructor(private readonly send: (msg: RequestOf<M>, transfer?: ArrayBuffer[]) => void) {}

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
              code: 'ENGINE_TIMEOUT',
              message: `"${method}" did not answer within ${Math.round(opts.timeoutMs! / 1000)} s.`,
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
