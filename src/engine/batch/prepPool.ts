/**
 * A fixed pool of worker threads running prep jobs (prepJob.ts). Each worker is handed up to `depth`
 * jobs at once and runs them one after the other: onnxruntime-node runs a session synchronously on the
 * engine's main thread, so while a batch infers (100 ms and more) the main thread cannot hand out work,
 * and a worker given one job at a time would sit idle for the rest of that run (measured: 33-40% idle).
 * The queue is bounded by the caller (the batch service keeps a bounded number of files in flight), so
 * memory stays flat whatever the folder size. A worker that dies is replaced: the job it was running
 * fails with an error row, not the batch, and the jobs queued behind it go to the other workers. Size 0
 * runs jobs in the calling thread.
 */
import { Worker } from 'node:worker_threads';
import type { PrepCore, PrepJob, PrepResult } from './prepJob';
import { runPrepJob } from './prepJob';

interface Pending {
  id: number;
  job: PrepJob;
  resolve(r: PrepResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  /** Jobs handed to this worker, oldest (the one it is running) first. */
  assigned: Pending[];
  /** The worker's own count of milliseconds in jobs and alive, as of its last answer. */
  time: WorkerTime;
}

interface WorkerTime {
  busyMs: number;
  lifeMs: number;
}

/** Jobs handed to each worker ahead of time (see the header). */
export const DEFAULT_PREP_DEPTH = 4;

export class PrepPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private disposed = false;
  /** Time of workers that were replaced. */
  private readonly retired: WorkerTime = { busyMs: 0, lifeMs: 0 };

  constructor(
    readonly size: number,
    private readonly workerPath: string,
    /** Used when size is 0. */
    private readonly inline: PrepCore,
    private readonly log: (level: 'debug' | 'warn', msg: string) => void,
    readonly depth = DEFAULT_PREP_DEPTH,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  run(job: PrepJob): Promise<PrepResult> {
    if (this.size === 0) return runPrepJob(job, this.inline);
    return new Promise<PrepResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.pump();
    });
  }

  /** Jobs waiting for a worker plus jobs handed to workers. */
  get pending(): number {
    return this.queue.length + this.slots.reduce((n, s) => n + s.assigned.length, 0);
  }

  /** Workers' milliseconds in jobs and alive, all workers so far (as of their last answers). */
  time(): WorkerTime {
    const t = { ...this.retired };
    for (const s of this.slots) {
      t.busyMs += s.time.busyMs;
      t.lifeMs += s.time.lifeMs;
    }
    return t;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.slots) void s.worker.terminate();
    for (const p of this.queue.splice(0)) p.reject(new Error('The batch worker pool was shut down.'));
  }

  /** Hands queued jobs to the least loaded workers, up to `depth` each. */
  private pump(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots) if (!best || s.assigned.length < best.assigned.length) best = s;
      if (!best || best.assigned.length >= Math.max(1, this.depth)) return;
      const p = this.queue.shift()!;
      best.assigned.push(p);
      best.worker.postMessage({ id: p.id, job: p.job });
    }
  }

  private spawn(): Slot {
    // Workers must not keep an idle engine alive; the IPC channel does that.
    const worker = new Worker(this.workerPath);
    worker.unref();
    const slot: Slot = { worker, assigned: [], time: { busyMs: 0, lifeMs: 0 } };
    worker.on('message', (msg: { id: number; result?: PrepResult; fail?: string; time?: WorkerTime }) => {
      if (msg.time) slot.time = msg.time;
      const i = slot.assigned.findIndex((p) => p.id === msg.id);
      if (i < 0) return;
      const [p] = slot.assigned.splice(i, 1);
      if (msg.result) p.resolve(msg.result);
      else p.reject(new Error(msg.fail ?? 'batch worker failed'));
      this.pump();
    });
    const onGone = (why: string) => {
      // The worker runs its jobs in order: the first was running, the others had not started.
      const [current, ...waiting] = slot.assigned.splice(0);
      this.retired.busyMs += slot.time.busyMs;
      this.retired.lifeMs += slot.time.lifeMs;
      slot.time = { busyMs: 0, lifeMs: 0 };
      this.queue.unshift(...waiting);
      if (this.disposed) return;
      this.log('warn', `A batch worker stopped (${why}); starting another.`);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      current?.resolve({
        hash: '',
        size: -1,
        mtimeMs: -1,
        error: { code: 'INTERNAL', message: `Decoding this file stopped its worker (${why}).`, stage: 'decode' },
        ms: 0,
      });
      this.pump();
    };
    let lastError: string | undefined;
    // 'error' (an uncaught exception in the worker) is always followed by 'exit'.
    worker.on('error', (err) => (lastError = err.message));
    worker.on('exit', (code) => {
      if (!this.disposed) onGone(lastError ?? `exit code ${code}`);
    });
    return slot;
  }
}
