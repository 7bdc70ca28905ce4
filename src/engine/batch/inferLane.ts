/**
 * Batch inference off the engine's main thread. onnxruntime-node runs a session synchronously on the thread
 * that calls it, so with every run on the main thread the session runs were the pipeline's one serial stage:
 * the main thread sat 96-100% busy while a core stood idle 10-20% of the time (bench:batch, chest set).
 * A lane is a worker thread (dist/batchWorker.js, role 'infer') holding its own one-thread sessions of one
 * model: the batcher (batcher.ts) hands each lane a batch at a time, so two lanes infer on two cores while
 * the main thread only hands out files, tensors and results. A lane's session for a kind of run (all outputs,
 * or the score-only cut) is made from the model's bytes on its first run of that kind. A lane whose thread
 * stops fails its runs with LaneStopped; the batcher gives those inputs to another lane or the main thread.
 */
import { Worker } from 'node:worker_threads';
import type { OutputTensor } from '../coreOps';

/** The model's bytes for a kind of run, and whether they are a cut graph (counted as lean runs). */
export type LaneBytes = (kind: string) => Promise<{ bytes: Uint8Array; cut: boolean }>;

export class LaneStopped extends Error {}

interface LaneRun {
  resolve(outputs: Record<string, OutputTensor>): void;
  reject(err: Error): void;
}

export type LaneReply =
  | { id: number; outputs: Record<string, OutputTensor> }
  | { id: number; error: string }
  | { id: 0; loadFailed: string; kind: string };

export class InferLane {
  private readonly worker: Worker;
  private readonly runs = new Map<number, LaneRun>();
  /** Kinds whose session the worker was asked to make, and whether each is a cut graph. */
  private readonly kinds = new Map<string, Promise<boolean>>();
  private nextId = 1;
  private stopped?: string;
  /** Runs answered with outputs. */
  answered = 0;
  private closing = false;

  constructor(
    workerPath: string,
    private readonly threads: number,
    private readonly bytes: LaneBytes,
    private readonly log: (level: 'debug' | 'warn', msg: string) => void,
  ) {
    this.worker = new Worker(workerPath, { workerData: { role: 'infer' } });
    // Like the prep workers: an idle lane must not keep the engine alive.
    this.worker.unref();
    let lastError: string | undefined;
    this.worker.on('message', (m: LaneReply) => this.onReply(m));
    this.worker.on('error', (err) => (lastError = err.message));
    this.worker.on('exit', (code) => this.stop(lastError ?? `exit code ${code}`));
  }

  /** False once the thread stopped or a session could not be made there: runs stay elsewhere. */
  get usable(): boolean {
    return !this.stopped && !this.closing;
  }

  /** Whether runs of `kind` run a cut graph (false until its first run). */
  async isCut(kind: string): Promise<boolean> {
    return (await this.kinds.get(kind)?.catch(() => false)) ?? false;
  }

  /**
   * One session run of `kind` on the lane's thread. `input.data` is handed over (transferred) when
   * `transfer` is set: the caller must not read it after. Outputs come back whole (batched).
   */
  async run(
    kind: string,
    input: { name: string; data: Float32Array; dims: readonly number[] },
    fetches: readonly string[] | undefined,
    transfer: boolean,
  ): Promise<Record<string, OutputTensor>> {
    let loaded = this.kinds.get(kind);
    if (!loaded) {
      loaded = this.bytes(kind).then(({ bytes, cut }) => {
        if (this.stopped) throw new LaneStopped(this.stopped);
        this.worker.postMessage({ type: 'load', kind, bytes, threads: this.threads });
        return cut;
      });
      this.kinds.set(kind, loaded);
    }
    try {
      await loaded;
    } catch (err) {
      // The model's bytes cannot be read again (the file changed): this lane is of no use for this model.
      this.stop(`the model cannot be read (${err instanceof Error ? err.message : String(err)})`);
      throw err instanceof LaneStopped ? err : new LaneStopped(String(err));
    }
    if (this.stopped) throw new LaneStopped(this.stopped);
    const id = this.nextId++;
    return new Promise<Record<string, OutputTensor>>((resolve, reject) => {
      this.runs.set(id, { resolve, reject });
      this.worker.postMessage(
        { type: 'run', id, kind, name: input.name, data: input.data, dims: input.dims, fetches },
        transfer ? [input.data.buffer as ArrayBuffer] : [],
      );
    });
  }

  /** Ends the thread once its runs are done (a superseded model's batcher). */
  close(): void {
    this.closing = true;
    if (this.runs.size === 0) void this.worker.terminate();
  }

  private onReply(m: LaneReply): void {
    if ('loadFailed' in m) {
      this.stop(`its ${m.kind} session did not start (${m.loadFailed})`);
      return;
    }
    const run = this.runs.get(m.id);
    if (!run) return;
    this.runs.delete(m.id);
    if ('outputs' in m) {
      this.answered++;
      run.resolve(m.outputs);
    } else run.reject(new Error(m.error));
    if (this.closing && this.runs.size === 0) void this.worker.terminate();
  }

  private stop(why: string): void {
    if (this.stopped) return;
    this.stopped = why;
    if (!this.closing) this.log('warn', `A batch inference thread stopped (${why}); its batches go on elsewhere.`);
    for (const run of this.runs.values()) run.reject(new LaneStopped(why));
    this.runs.clear();
    void this.worker.terminate();
  }
}
