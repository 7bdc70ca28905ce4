/**
 * The worker side of an inference lane (inferLane.ts): makes a one-thread session per kind of run from the
 * bytes it is sent, runs what it is given, and sends the outputs back (their buffers handed over).
 */
import type { MessagePort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import type { OutputTensor } from '../coreOps';
import { sessionOptions } from '../providers';
import type { LaneReply } from './inferLane';

type LaneMessage =
  | { type: 'load'; kind: string; bytes: Uint8Array; threads: number }
  | {
      type: 'run';
      id: number;
      kind: string;
      name: string;
      data: Float32Array;
      dims: number[];
      fetches?: string[];
    };

export function serveInferLane(port: MessagePort, load: () => typeof ort): void {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const reply = (m: LaneReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  port.on('message', (m: LaneMessage) => {
    if (m.type === 'load') {
      const made = load().InferenceSession.create(m.bytes, sessionOptions('cpu', m.threads));
      made.catch((err: unknown) => reply({ id: 0, kind: m.kind, loadFailed: firstLine(err) }));
      sessions.set(m.kind, made);
      return;
    }
    void run(m).then(
      (outputs) =>
        reply(
          { id: m.id, outputs },
          Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer),
        ),
      (err: unknown) => reply({ id: m.id, error: firstLine(err) }),
    );
  });

  async function run(m: Extract<LaneMessage, { type: 'run' }>): Promise<Record<string, OutputTensor>> {
    const session = await sessions.get(m.kind);
    if (!session) throw new Error(`No ${m.kind} session was loaded.`);
    const feeds = { [m.name]: new (load().Tensor)('float32', m.data, m.dims) };
    const results = await (m.fetches ? session.run(feeds, m.fetches) : session.run(feeds));
    const out: Record<string, OutputTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      // A copy of our own: ORT's output buffers are not ours to hand to another thread.
      out[name] = { data: toFloat32(t.data, name), dims: t.dims.map(Number) };
      t.dispose?.();
    }
    return out;
  }
}

function toFloat32(data: unknown, name: string): Float32Array {
  if (data instanceof Float32Array) return data.slice();
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array))
    return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`Output "${name}" is not a numeric tensor.`);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
