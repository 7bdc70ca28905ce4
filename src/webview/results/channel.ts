/**
 * The results webview's side of its one message protocol (src/protocol/results.ts): typed notifications
 * out, responses to the host's requests, saved state, and a structural check of what comes in.
 */
import type {
  ErrorInfo,
  HostToResultsMessage,
  ResultsToHostMessage,
  ResultsToHostNotifications,
} from '../../protocol/results';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export class ResultsChannel {
  constructor(private readonly api: VsCodeApi) {}

  notify<K extends keyof ResultsToHostNotifications & string>(type: K, params: ResultsToHostNotifications[K]): void {
    this.post({ kind: 'notify', type, params } as ResultsToHostMessage);
  }

  respond(id: number, result: unknown): void {
    this.post({ kind: 'response', id, ok: true, result });
  }

  respondError(id: number, error: ErrorInfo): void {
    this.post({ kind: 'response', id, ok: false, error });
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

  private post(msg: ResultsToHostMessage): void {
    this.api.postMessage(msg);
  }
}

/** The message if it has the envelope of a host notification or request; field contents are checked where used. */
export function asHostMessage(data: unknown): HostToResultsMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as { kind?: unknown; type?: unknown; id?: unknown; method?: unknown; params?: unknown };
  if (m.kind === 'notify' && typeof m.type === 'string' && typeof m.params === 'object' && m.params !== null)
    return data as HostToResultsMessage;
  if (m.kind === 'request' && typeof m.id === 'number' && typeof m.method === 'string')
    return data as HostToResultsMessage;
  return undefined;
}
