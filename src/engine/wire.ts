/**
 * Engine-private messages beside the RPC envelopes of src/protocol: only the engine process and its
 * client (both in this folder) see them.
 */
export interface ReadyMsg {
  kind: 'ready';
  pid: number;
  /** Time from process start to listening, as the engine measured it. */
  bootMs: number;
}

export function isReady(msg: unknown): msg is ReadyMsg {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as ReadyMsg).kind === 'ready' &&
    typeof (msg as ReadyMsg).pid === 'number'
  );
}
