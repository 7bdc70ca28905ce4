/**
 * The webview's side of the channel to the extension host: typed notifications out, RPC responses,
 * persisted state, and a structural check of what comes in (the bundle may not import the protocol's
 * runtime helpers, only its types).
 */
import type { HostToViewerMessage, ViewerToHostMessage, ViewerToHostNotifications } from '../../protocol/viewer';
import type { ErrorInfo } from './types';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export class HostChannel {
  constructor(private readonly api: VsCodeApi) {}

  notify<K extends keyof ViewerToHostNotifications & string>(type: K, params: ViewerToHostNotifications[K]): void {
    this.post({ kind: 'notify', type, params } as ViewerToHostMessage);
  }

  respond(id: number, result: unknown): void {
    this.post({ kind: 'response', id, ok: true, result });
  }

  respondError(id: number, error: ErrorInfo): void {
    this.post({ kind: 'response', id, ok: false, error });
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.notify('log', { level, message });
  }

  getState(): unknown {
    try {
      return this.api.getState();
    } catch {
      return undefined;
    }
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  private post(msg: ViewerToHostMessage): void {
    this.api.postMessage(msg);
  }
}

/** The message if it has the envelope of a host notification or request; field contents are checked where used. */
export function asHostMessage(data: unknown): HostToViewerMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as { kind?: unknown; type?: unknown; id?: unknown; method?: unknown; params?: unknown };
  if (m.kind === 'notify' && typeof m.type === 'string' && typeof m.params === 'object' && m.params !== null)
    return data as HostToViewerMessage;
  if (m.kind === 'request' && typeof m.id === 'number' && typeof m.method === 'string')
    return data as HostToViewerMessage;
  return undefined;
}
