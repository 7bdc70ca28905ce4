/**
 * A fixed pool of worker threads running prep jobs (prepJob.ts), one job per worker at a time, the rest
 * queued. The queue is bounded by the caller (the batch service keeps a bounded number of files in
 * flight), so memory stays flat whatever the folder size. A worker that dies is replaced and its job
 * fails with an error row, not the batch. Size 0 runs jobs in the calling thread.
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
  current?: Pending;
}

export class PrepPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private disposed = false;

  constructor(
    readonly size: number,
    private readonly workerPath: string,
    /** Used when size is 0. */
    private readonly inline: PrepCore,
    private readonly log: (level: 'debug' | 'warn', msg: string) => void,
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

  /** Jobs waiting for a worker plus jobs running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.current).length;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.slots) void s.worker.terminate();
    for (const p of this.queue.splice(0)) p.reject(new Error('The batch worker pool was shut down.'));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.current || this.queue.length === 0) continue;
      const p = this.queue.shift()!;
      slot.current = p;
      slot.worker.postMessage({ id: p.id, job: p.job });
    }
  }

  private spawn(): Slot {
    // Workers must not keep an idle engine alive; the IPC channel does that.
    const worker = new Worker(this.workerPath);
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (msg: { id: number; result?: PrepResult; fail?: string }) => {
      const p = slot.current;
      if (!p || p.id !== msg.id) return;
      slot.current = undefined;
      if (msg.result) p.resolve(msg.result);
      else p.reject(new Error(msg.fail ?? 'batch worker failed'));
      this.pump();
    });
    const onGone = (why: string) => {
      const p = slot.current;
      slot.current = undefined;
      if (this.disposed) return;
      this.log('warn', `A batch worker stopped (${why}); starting another.`);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      p?.resolve({
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
