/**
 * The caller's side of the inference engine, used by the extension host and the CLI (no `vscode`
 * import). It starts the engine process lazily on the first request, restarts it on the request after
 * a crash, and turns every failure into an XrayError with a code:
 *
 * - ENGINE_CRASHED: the engine process stopped (native crash, killed, failed to start). Requests in
 *   flight fail with it; `onDidCrash` fires; the next request starts a new engine.
 * - ENGINE_TIMEOUT: a request did not answer within its timeout. The engine is single-threaded where it
 *   matters, so a stuck request would hold every later one: the client stops the engine (other requests
 *   in flight fail with ENGINE_CRASHED) and the next request starts a new one.
 * - IMAGE_NOT_FOUND / MODEL_NOT_FOUND: the engine does not hold that imageId / modelKey. Everything the
 *   engine held is gone after a restart (see `generation`), and images can be evicted to bound memory:
 *   callers react by decoding the file / loading the model again.
 * - CANCELLED: the client was disposed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fromErrorInfo, XrayError, type ErrorInfo } from '../core/errors';
import type { EngineMethods, EngineNotifications } from '../protocol/engine';
import { toDisposable, type IDisposable } from '../protocol/dispose';
import { isNotification, isResponse, RpcClient, RpcError, type MethodMap } from '../protocol/rpc';
import type { EngineTestMethods } from './testHooks';
import { isReady } from './wire';

export type EngineLogLevel = EngineNotifications['log']['level'];
type Method = keyof EngineMethods;

export const DEFAULT_TIMEOUTS: Record<Method, number> = {
  decode: 30_000,
  loadModel: 60_000,
  analyze: 60_000,
  preview: 60_000,
  previewSpec: 60_000,
  releaseImage: 10_000,
  info: 10_000,
  // A fit legitimately runs for minutes (hours on a slow machine with a big folder); progress
  // notifications show it is alive, and cancelFit stops it.
  fit: 12 * 3600_000,
  cancelFit: 10_000,
  // A request holds a few files; generous, since a busy pipeline queues them behind others.
  batchScore: 300_000,
};

export type FitProgressListener = (p: EngineNotifications['fitProgress']) => void;

/**
 * V8 flags the engine always runs with. --single-threaded-gc: the engine allocates a few large typed
 * arrays per image and little else, so its collections are driven by external-memory pressure; with
 * helper threads they competed with the work itself. Measured with the preprocessing benchmark
 * (2500x2048 16-bit DICOM, full pipeline, Xeon, docs/preprocessing.md): pinned to one core 188 -> 169 ms,
 * on five cores 196 -> 166 ms.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

export interface EngineClientOptions {
  /** dist/engine.js */
  enginePath: string;
  log: (level: EngineLogLevel, message: string) => void;
  /**
   * Node flags for the engine, after ENGINE_NODE_FLAGS (the host's own flags, e.g. --inspect, must not
   * leak in).
   */
  execArgv?: string[];
  /** Added to the parent's environment. */
  env?: Record<string, string | undefined>;
  /** Node binary; default process.execPath (inside Electron, ELECTRON_RUN_AS_NODE makes that a Node). */
  execPath?: string;
  timeouts?: Partial<Record<Method, number>>;
  /** How long the engine may take to start; default 20 s. */
  startTimeoutMs?: number;
}

export interface EngineStop {
  /** Which engine start this was (see EngineClient.generation). */
  generation: number;
  pid?: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: 'crash' | 'timeout' | 'start-failed';
  /** One sentence for the user. */
  message: string;
  /** Last lines the engine wrote to stderr (native crashes print there). */
  stderrTail: string[];
}

type AllMethods = EngineMethods & EngineTestMethods;

interface Running {
  child: ChildProcess;
  rpc: RpcClient<AllMethods & MethodMap>;
  generation: number;
  ready: Promise<void>;
  /** Set when the client itself stops the engine, so the exit is explained by that and not as a crash. */
  stopReason?: { reason: 'timeout' | 'dispose'; message: string };
  stderrTail: string[];
}

const STDERR_TAIL = 20;

export class EngineClient {
  private running?: Running;
  private generationCounter = 0;
  private disposed = false;
  private readonly crashListeners = new Set<(e: EngineStop) => void>();
  private readonly timeouts: Record<Method, number>;
  private lastStart?: { pid: number; startMs: number; bootMs: number };
  /** fitProgress listeners by jobId, for the fits in flight. */
  private readonly fitListeners = new Map<string, FitProgressListener>();

  constructor(private readonly opts: EngineClientOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  }

  decode(params: EngineMethods['decode'][0]): Promise<EngineMethods['decode'][1]> {
    return this.request('decode', params, this.timeouts.decode);
  }

  loadModel(params: EngineMethods['loadModel'][0]): Promise<EngineMethods['loadModel'][1]> {
    return this.request('loadModel', params, this.timeouts.loadModel);
  }

  analyze(params: EngineMethods['analyze'][0]): Promise<EngineMethods['analyze'][1]> {
    return this.request('analyze', params, this.timeouts.analyze);
  }

  preview(params: EngineMethods['preview'][0]): Promise<EngineMethods['preview'][1]> {
    return this.request('preview', params, this.timeouts.preview);
  }

  previewSpec(params: EngineMethods['previewSpec'][0]): Promise<EngineMethods['previewSpec'][1]> {
    return this.request('previewSpec', params, this.timeouts.preview);
  }

  releaseImage(params: EngineMethods['releaseImage'][0]): Promise<void> {
    // Nothing to release in an engine that is not running (a restart already dropped every image).
    if (!this.running) return Promise.resolve();
    return this.request('releaseImage', params, this.timeouts.releaseImage);
  }

  info(): Promise<EngineMethods['info'][1]> {
    return this.request('info', {}, this.timeouts.info);
  }

  /**
   * Fits a detector in the engine (see FitRequest). `onProgress` receives this job's fitProgress
   * notifications until the promise settles. A crash or restart of the engine fails the fit with
   * ENGINE_CRASHED / CANCELLED; the engine writes nothing half-done in either case.
   */
  async fit(
    params: EngineMethods['fit'][0],
    onProgress: FitProgressListener = () => undefined,
  ): Promise<EngineMethods['fit'][1]> {
    if (this.fitListeners.has(params.jobId))
      throw new XrayError('MODEL_INVALID', `A fit with job id "${params.jobId}" is already running.`);
    this.fitListeners.set(params.jobId, onProgress);
    try {
      return await this.request('fit', params, this.timeouts.fit);
    } finally {
      this.fitListeners.delete(params.jobId);
    }
  }

  /** Scores a group of files for a batch (see EngineMethods.batchScore); src/engine/batch/service.ts drives it. */
  batchScore(params: EngineMethods['batchScore'][0]): Promise<EngineMethods['batchScore'][1]> {
    return this.request('batchScore', params, this.timeouts.batchScore);
  }

  /** Asks the engine to stop a fit; its `fit` promise then rejects with CANCELLED. Unknown or finished jobs are ignored. */
  cancelFit(jobId: string): Promise<void> {
    // An engine that is not running holds no fit (a restart already ended it).
    if (!this.running) return Promise.resolve();
    return this.request('cancelFit', { jobId }, this.timeouts.cancelFit);
  }

  /**
   * Test hooks (crash/hang on purpose); the engine answers them only when started with
   * XRAY_ANOMALY_ENGINE_TEST_HOOKS=1 in `env`. `__crash` never answers: its promise rejects with
   * ENGINE_CRASHED when the engine dies.
   */
  debugRequest<K extends keyof EngineTestMethods>(
    method: K,
    params: EngineTestMethods[K][0],
    timeoutMs = 10_000,
  ): Promise<EngineTestMethods[K][1]> {
    return this.request(method, params, timeoutMs);
  }

  /** Fires when the engine stops without being asked to (crash, kill, failed start) or is stopped after a timeout. */
  onDidCrash(listener: (e: EngineStop) => void): IDisposable {
    this.crashListeners.add(listener);
    return toDisposable(() => this.crashListeners.delete(listener));
  }

  /** Increments on every engine start: ids obtained under an older generation are no longer valid. */
  get generation(): number {
    return this.generationCounter;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The running engine's pid, and how long its last start took (fork to ready, and the engine's own boot time). */
  get startInfo(): { pid: number; startMs: number; bootMs: number } | undefined {
    return this.lastStart;
  }

  /** Stops the running engine on purpose (pending requests fail with CANCELLED); the next request starts a fresh one. */
  restart(): void {
    this.stop('dispose', 'The inference engine was restarted on request.');
  }

  /** Stops the engine; pending requests fail with CANCELLED and later ones are refused. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stop('dispose', 'The engine client was shut down.');
    this.crashListeners.clear();
  }

  private async request<K extends keyof AllMethods & string>(
    method: K,
    params: AllMethods[K][0],
    timeoutMs: number,
  ): Promise<AllMethods[K][1]> {
    if (this.disposed) throw new XrayError('CANCELLED', 'The inference engine has been shut down.');
    const running = this.running ?? this.start();
    await running.ready;
    this.setRef(running, true);
    try {
      return (await running.rpc.request(method, params, { timeoutMs })) as AllMethods[K][1];
    } catch (err) {
      if (err instanceof RpcError && err.info.code === 'ENGINE_TIMEOUT' && this.running === running) {
        const message = `The engine did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s, so it was stopped; the next request starts it again.`;
        this.stop('timeout', message);
        throw new XrayError('ENGINE_TIMEOUT', message);
      }
      throw toXrayError(err);
    } finally {
      if (running.rpc.inFlight === 0) this.setRef(running, false);
    }
  }

  private start(): Running {
    const generation = ++this.generationCounter;
    const forkedAt = performance.now();
    const child = fork(this.opts.enginePath, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [...ENGINE_NODE_FLAGS, ...(this.opts.execArgv ?? [])],
      execPath: this.opts.execPath,
      env: { ...process.env, ...this.opts.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    const running: Running = {
      child,
      generation,
      stderrTail: [],
      ready: undefined as unknown as Promise<void>,
      rpc: new RpcClient<AllMethods & MethodMap>(
        (msg) => {
          if (!child.connected)
            throw new XrayError(
              'ENGINE_CRASHED',
              'The inference engine is not running; the next request starts it again.',
            );
          child.send(msg);
        },
        { timeoutCode: 'ENGINE_TIMEOUT', name: 'The inference engine' },
      ),
    };
    this.running = running;

    pipeLines(child.stdout, (line) => this.opts.log('debug', `[engine] ${line}`));
    pipeLines(child.stderr, (line) => {
      running.stderrTail.push(line);
      if (running.stderrTail.length > STDERR_TAIL) running.stderrTail.shift();
      this.opts.log('debug', `[engine stderr] ${line}`);
    });

    running.ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const startTimeoutMs = this.opts.startTimeoutMs ?? 20_000;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.stop('timeout', `The inference engine did not start within ${Math.round(startTimeoutMs / 1000)} s.`);
        reject(
          new XrayError(
            'ENGINE_TIMEOUT',
            `The inference engine did not start within ${Math.round(startTimeoutMs / 1000)} s.`,
          ),
        );
      }, startTimeoutMs);

      child.on('message', (msg: unknown) => {
        if (isResponse(msg)) {
          running.rpc.handle(msg);
        } else if (isNotification(msg)) {
          if (msg.type === 'log') {
            const p = msg.params as EngineNotifications['log'];
            this.opts.log(p.level, p.message);
          } else if (msg.type === 'fitProgress') {
            const p = msg.params as EngineNotifications['fitProgress'];
            const listener = this.fitListeners.get(p.jobId);
            try {
              listener?.(p);
            } catch (err) {
              // A failing progress display must not break the channel that carries the fit's result.
              this.opts.log('warn', `fitProgress listener failed: ${err instanceof Error ? err.message : String(err)}`);
            }
          }
        } else if (isReady(msg) && !settled) {
          settled = true;
          clearTimeout(timer);
          this.lastStart = { pid: msg.pid, startMs: performance.now() - forkedAt, bootMs: msg.bootMs };
          this.opts.log('info', `Inference engine started (pid ${msg.pid}, ${this.lastStart.startMs.toFixed(0)} ms)`);
          resolve();
        }
      });

      const onGone = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        clearTimeout(timer);
        const stop = this.describeStop(running, code, signal, !settled, spawnError);
        if (this.running === running) this.running = undefined;
        running.rpc.failAll(stop.info);
        if (!settled) {
          settled = true;
          reject(fromErrorInfo(stop.info));
        }
        if (stop.event) {
          this.opts.log(
            'error',
            `${stop.event.message}${stop.event.stderrTail.length ? `\n${stop.event.stderrTail.join('\n')}` : ''}`,
          );
          for (const l of this.crashListeners) l(stop.event);
        }
      };
      let gone = false;
      child.on('exit', (code, signal) => {
        if (!gone) onGone(code, signal);
        gone = true;
      });
      child.on('error', (err) => {
        // Spawn failures (no such execPath) come only as 'error'; other errors are followed by 'exit'.
        if (child.pid === undefined && !gone) {
          gone = true;
          onGone(null, null, err);
        } else {
          this.opts.log('warn', `Engine process error: ${err.message}`);
        }
      });
    });
    // Nobody may be awaiting `ready` right now (e.g. when a start fails between requests).
    running.ready.catch(() => undefined);
    return running;
  }

  private describeStop(
    running: Running,
    code: number | null,
    signal: NodeJS.Signals | null,
    beforeReady: boolean,
    spawnError?: Error,
  ): { info: ErrorInfo; event?: EngineStop } {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const detail = [spawnError?.message, ...running.stderrTail].filter(Boolean).join('\n') || undefined;
    const base = {
      generation: running.generation,
      pid: running.child.pid,
      code,
      signal,
      stderrTail: [...running.stderrTail],
    };
    if (running.stopReason?.reason === 'dispose') {
      return { info: { code: 'CANCELLED', message: running.stopReason.message } };
    }
    if (running.stopReason?.reason === 'timeout') {
      const message = running.stopReason.message;
      return { info: { code: 'ENGINE_CRASHED', message, detail }, event: { ...base, reason: 'timeout', message } };
    }
    if (beforeReady) {
      const message = `The inference engine failed to start (${spawnError ? spawnError.message : how}). The next request tries again.`;
      return { info: { code: 'ENGINE_CRASHED', message, detail }, event: { ...base, reason: 'start-failed', message } };
    }
    const message = `The inference engine stopped unexpectedly (${how}). Images and models it held are gone; the next request restarts it.`;
    return { info: { code: 'ENGINE_CRASHED', message, detail }, event: { ...base, reason: 'crash', message } };
  }

  private stop(reason: 'timeout' | 'dispose', message: string): void {
    const running = this.running;
    if (!running) return;
    running.stopReason = { reason, message };
    this.running = undefined;
    // SIGKILL: a timed-out engine may be spinning in native code that ignores SIGTERM.
    running.child.kill(reason === 'dispose' ? 'SIGTERM' : 'SIGKILL');
    if (reason === 'dispose') {
      const hardStop = setTimeout(() => running.child.kill('SIGKILL'), 2000);
      hardStop.unref();
      running.child.once('exit', () => clearTimeout(hardStop));
    }
  }

  /** An idle engine must not keep a CLI process alive; a busy one must. */
  private setRef(running: Running, ref: boolean): void {
    const handles: unknown[] = [
      running.child,
      running.child.stdout,
      running.child.stderr,
      (running.child as unknown as { channel?: unknown }).channel,
    ];
    for (const h of handles) {
      const handle = h as { ref?: () => void; unref?: () => void } | undefined | null;
      if (ref) handle?.ref?.();
      else handle?.unref?.();
    }
  }
}

function toXrayError(err: unknown): XrayError {
  if (err instanceof XrayError) return err;
  if (err instanceof RpcError) return fromErrorInfo(err.info);
  const message = err instanceof Error ? err.message : String(err);
  if (/channel closed|ERR_IPC/i.test(message)) {
    return new XrayError(
      'ENGINE_CRASHED',
      'The inference engine is not running; the next request starts it again.',
      message,
    );
  }
  return new XrayError(
    'INTERNAL',
    `Unexpected engine client error: ${message}`,
    err instanceof Error ? err.stack : undefined,
  );
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    // Strip ANSI colour codes ORT puts around its log lines.
    // eslint-disable-next-line no-control-regex -- ESC starts the colour codes
    for (const line of lines) if (line.trim()) onLine(line.replace(/\x1b\[[0-9;]*m/g, ''));
  });
  stream.on('end', () => {
    if (buffered.trim()) onLine(buffered);
  });
}
