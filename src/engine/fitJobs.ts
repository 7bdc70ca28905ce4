/**
 * Fitting jobs inside the engine process: one fit runs at a time (a fit uses the cores and up to a few
 * hundred MB; a second waits its turn), each with its own AbortController for cancelFit and its own
 * onnxruntime sessions, released when it ends. Temporary files of a fit are tracked so that even an
 * engine stopped mid-write (client disposed, extension host closing) removes them on its way out.
 */
import { promises as fsp, rmSync } from 'node:fs';
import { XrayError } from '../core/errors';
import type { DecodeLimits, XrayImage } from '../core/image/types';
import { fitModel, type FitFiles, type FitIO, type FitModelProgress } from '../core/fit/fitModel';
import type { EngineMethods, EngineNotifications } from '../protocol/engine';
import type { KeyedQueue } from './keyedQueue';
import type { OrtCompute } from './ortCompute';
import type { FitService } from './server';

export interface FitJobsDeps {
  decode(bytes: Uint8Array, path: string, limits: DecodeLimits): Promise<XrayImage>;
  prepare: FitIO['prepare'];
  /** A fresh compute backend for one job (released when the job ends). */
  compute(): OrtCompute;
  defaultBackbonePath: string;
  queue: KeyedQueue;
  notify(p: EngineNotifications['fitProgress']): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
  /** File access; default node:fs. */
  files?: FitFiles;
}

/** Env var: backbone manifest used by fits that name none (tests; default: the bundled MobileNetV2). */
export const BACKBONE_ENV = 'XRAY_ANOMALY_BACKBONE';

const JOB_ID = /^[\w.:-]{1,200}$/;

export class FitJobs implements FitService {
  private readonly jobs = new Map<string, AbortController>();
  /** Temporary files written and not yet renamed or removed. */
  private readonly temps = new Set<string>();
  private readonly files: FitFiles;

  constructor(private readonly deps: FitJobsDeps) {
    const base = deps.files ?? nodeFitFiles();
    // Every write is a temporary file until renamed into place (see writeAtomically).
    this.files = {
      ...base,
      writeFile: async (p, bytes) => {
        this.temps.add(p);
        await base.writeFile(p, bytes);
      },
      rename: async (from, to) => {
        await base.rename(from, to);
        this.temps.delete(from);
      },
      remove: async (p) => {
        await base.remove(p);
        this.temps.delete(p);
      },
    };
  }

  get running(): number {
    return this.jobs.size;
  }

  fit(req: EngineMethods['fit'][0]): Promise<EngineMethods['fit'][1]> {
    if (typeof req?.jobId !== 'string' || !JOB_ID.test(req.jobId))
      throw new XrayError('MODEL_INVALID', 'A fit needs a job id of letters, digits and . _ : - (at most 200).');
    if (this.jobs.has(req.jobId))
      throw new XrayError('MODEL_INVALID', `A fit with job id "${req.jobId}" is already running.`);
    const abort = new AbortController();
    this.jobs.set(req.jobId, abort);
    const job = this.deps.queue.run('fit', async () => {
      if (abort.signal.aborted)
        throw new XrayError('CANCELLED', 'Fitting was cancelled before it started; nothing was written.');
      const compute = this.deps.compute();
      const started = performance.now();
      this.deps.log('info', `Fit ${req.jobId}: ${req.files?.length ?? 0} files -> ${req.outDir}/${req.modelId}`);
      try {
        const result = await fitModel(
          req,
          {
            files: this.files,
            decode: this.deps.decode,
            prepare: this.deps.prepare,
            compute,
            defaultBackbonePath: this.deps.defaultBackbonePath,
          },
          { signal: abort.signal, onProgress: (p: FitModelProgress) => this.deps.notify({ jobId: req.jobId, ...p }) },
        );
        const c = result.calibration;
        this.deps.log(
          'info',
          `Fit ${req.jobId} done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.images.used} images, ${result.images.skipped.length} skipped, bank ${result.memoryBank.rows} rows; threshold ${result.threshold.toFixed(4)} (${c.method}, rank ${c.rank} of ${c.images})`,
        );
        if (c.warning) this.deps.log('warn', `Fit ${req.jobId}: ${c.warning}`);
        return result;
      } finally {
        await compute
          .release()
          .catch((err: unknown) => this.deps.log('warn', `Releasing fit sessions failed: ${String(err)}`));
      }
    });
    return job.finally(() => this.jobs.delete(req.jobId));
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.deps.log('info', `Fit ${jobId}: cancelling`);
    job.abort();
  }

  /** Stops every fit and removes their temporary files, synchronously (for process exit). */
  abortAllSync(): void {
    for (const job of this.jobs.values()) job.abort();
    for (const p of this.temps) rmSync(p, { force: true });
    this.temps.clear();
  }
}

export function nodeFitFiles(): FitFiles {
  return {
    async readFile(p, maxBytes) {
      const st = await fsp.stat(p);
      if (!st.isFile()) throw new XrayError('UNSUPPORTED_FORMAT', `${p} is not a file.`);
      if (st.size > maxBytes)
        throw new XrayError(
          'TOO_LARGE',
          `${p} is ${(st.size / 1048576).toFixed(0)} MB, over the ${(maxBytes / 1048576).toFixed(0)} MB limit.`,
        );
      return new Uint8Array(await fsp.readFile(p));
    },
    exists: (p) =>
      fsp.stat(p).then(
        () => true,
        () => false,
      ),
    isDirectory: (p) => fsp.stat(p).then((s) => s.isDirectory()),
    writeFile: (p, bytes) => fsp.writeFile(p, bytes),
    rename: (a, b) => fsp.rename(a, b),
    remove: (p) => fsp.rm(p, { force: true }),
  };
}
