/**
 * The engine's request dispatcher, independent of how messages arrive (main.ts binds it to process
 * IPC). Every request runs as soon as it arrives; analysis is serialised per model and yields to the
 * event loop between its stages, so a decode that arrives during a slow analysis waits for at most
 * one stage rather than the whole job.
 */
import type * as ort from 'onnxruntime-node';
import { toErrorInfo, XrayError } from '../core/errors';
import type { DecodeLimits } from '../core/image/types';
import { validatePipeline } from '../core/preprocess/validate';
import type { AnalysisResult } from '../core/scoring/types';
import type { EngineMethods } from '../protocol/engine';
import type { RequestMsg, ResponseMsg } from '../protocol/rpc';
import type { CoreOps, OutputTensor, PreparedLike } from './coreOps';
import type { ImageStore } from './imageStore';
import type { KeyedQueue } from './keyedQueue';
import type { ModelRegistry } from './modelRegistry';
import type { TestHooks } from './testHooks';

/** Queue of spec previews (no model): one at a time, beside the models' queues. */
const PREVIEW_QUEUE = 'preview:spec';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface ServerDeps<P extends PreparedLike> {
  core: CoreOps<P>;
  images: ImageStore;
  models: ModelRegistry;
  queue: KeyedQueue;
  /** Lazily loads onnxruntime-node (for tensors and the backend list). */
  ort(): typeof ort;
  versions(): Record<string, string>;
  log(level: LogLevel, msg: string): void;
  /** Present only when the test-hook env var is set. */
  hooks?: TestHooks;
  /** Fitting jobs (absent: the engine refuses fit requests). */
  fits?: FitService;
  /** Batch scoring (absent: the engine refuses batchScore requests). */
  batch?: BatchScoreService;
}

/** What the server needs from batch scoring (src/engine/batch/scorer.ts). */
export interface BatchScoreService {
  score(request: EngineMethods['batchScore'][0]): Promise<EngineMethods['batchScore'][1]>;
}

/** What the server needs from the fitting jobs (src/engine/fitJobs.ts). */
export interface FitService {
  fit(request: EngineMethods['fit'][0]): Promise<EngineMethods['fit'][1]>;
  cancel(jobId: string): void;
}

type Handlers = { [K in keyof EngineMethods]: (params: EngineMethods[K][0]) => Promise<EngineMethods[K][1]> };

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class EngineServer<P extends PreparedLike> {
  private readonly handlers: Handlers;

  constructor(private readonly deps: ServerDeps<P>) {
    this.handlers = {
      decode: (p) => this.decode(p),
      loadModel: (p) => this.deps.models.load(p.manifestPath, p.provider),
      analyze: (p) => this.analyze(p),
      preview: (p) => this.preview(p),
      previewSpec: (p) => this.previewSpec(p),
      releaseImage: async (p) => {
        this.deps.images.release(p.imageId);
      },
      info: async () => this.info(),
      fit: (p) => this.fitService().fit(p),
      cancelFit: async (p) => {
        if (typeof p.jobId !== 'string') throw new XrayError('INTERNAL', 'cancelFit: jobId must be a string.');
        this.fitService().cancel(p.jobId);
      },
      batchScore: (p) => {
        if (!this.deps.batch) throw new XrayError('INTERNAL', 'This engine was started without batch scoring.');
        if (!Array.isArray(p.items) || !Array.isArray(p.models))
          throw new XrayError('INTERNAL', 'batchScore: items and models must be arrays.');
        return this.deps.batch.score({ ...p, limits: validLimits(p.limits) });
      },
    };
  }

  async handle(req: RequestMsg): Promise<ResponseMsg> {
    const started = performance.now();
    try {
      const result = await this.dispatch(req.method, req.params);
      this.deps.log('trace', `${req.method} #${req.id} ok in ${(performance.now() - started).toFixed(1)} ms`);
      return { kind: 'response', id: req.id, ok: true, result };
    } catch (err) {
      const error = toErrorInfo(err);
      this.deps.log(
        error.code === 'INTERNAL' ? 'error' : 'debug',
        `${req.method} #${req.id} failed: [${error.code}] ${error.message}`,
      );
      return { kind: 'response', id: req.id, ok: false, error };
    }
  }

  private dispatch(method: string, params: unknown): Promise<unknown> {
    if (Object.hasOwn(this.handlers, method)) {
      if (typeof params !== 'object' || params === null)
        throw new XrayError('INTERNAL', `Engine request "${method}" had no parameters.`);
      return (this.handlers[method as keyof Handlers] as (p: unknown) => Promise<unknown>)(params);
    }
    if (this.deps.hooks?.handles(method)) return this.deps.hooks.handle(method, params);
    throw new XrayError(
      'INTERNAL',
      `The engine does not know the request "${method}" (client and engine from different versions?).`,
    );
  }

  private fitService(): FitService {
    if (!this.deps.fits) throw new XrayError('INTERNAL', 'This engine was started without fitting support.');
    return this.deps.fits;
  }

  private async decode(p: EngineMethods['decode'][0]): Promise<EngineMethods['decode'][1]> {
    if (!(p.bytes instanceof Uint8Array))
      throw new XrayError(
        'INTERNAL',
        'decode: bytes must be a Uint8Array (is the IPC channel using advanced serialization?).',
      );
    await this.deps.hooks?.checkpoint('decode');
    const started = performance.now();
    const image = await this.deps.core.decodeImage(p.bytes, String(p.fileName ?? ''), validLimits(p.limits), {
      frame: p.frame,
    });
    const decodeMs = performance.now() - started;
    const imageId = this.deps.images.add(image);
    const result: EngineMethods['decode'][1] = { imageId, image, decodeMs };
    if (p.tags === true && image.source.format === 'dicom') {
      // A file whose pixels decode may still have attributes that cannot be listed (and the reverse is
      // caught above): report it beside the image instead of failing the decode.
      try {
        result.tags = this.deps.core.readDicomTags(p.bytes);
      } catch (err) {
        result.tagsError = toErrorInfo(err);
        this.deps.log(
          'debug',
          `Attributes of ${String(p.fileName ?? '')} could not be listed: [${result.tagsError.code}] ${result.tagsError.message}`,
        );
      }
    }
    return result;
  }

  /** A pipeline not yet in any model (the fit wizard's preview), checked like a manifest's. */
  private previewSpec(p: EngineMethods['previewSpec'][0]): Promise<EngineMethods['previewSpec'][1]> {
    const thumbSize = typeof p.thumbSize === 'number' && Number.isFinite(p.thumbSize) ? p.thumbSize : undefined;
    const problems: string[] = [];
    validatePipeline(p.spec, 'spec', problems);
    if (problems.length) throw new XrayError('BAD_REQUEST', `Cannot preview this pipeline: ${problems.join('; ')}.`);
    this.deps.images.get(p.imageId);
    return this.deps.queue.run(PREVIEW_QUEUE, async () =>
      this.deps.core.previewPipeline(this.deps.images.get(p.imageId), p.spec, { thumbSize }),
    );
  }

  /** Runs on the model's queue like analysis: both read the same manifest and compete for the same CPU. */
  private preview(p: EngineMethods['preview'][0]): Promise<EngineMethods['preview'][1]> {
    const thumbSize = typeof p.thumbSize === 'number' && Number.isFinite(p.thumbSize) ? p.thumbSize : undefined;
    const entry = this.deps.models.get(p.modelKey);
    this.deps.images.get(p.imageId);
    return this.deps.queue.run(p.modelKey, async () => {
      const image = this.deps.images.get(p.imageId);
      return this.deps.core.previewPipeline(image, entry.manifest.preprocessing, { thumbSize });
    });
  }

  private analyze(p: EngineMethods['analyze'][0]): Promise<AnalysisResult> {
    // Fail fast (before queueing) on ids the engine does not hold.
    const entry = this.deps.models.get(p.modelKey);
    this.deps.images.get(p.imageId);
    return this.deps.queue.run(p.modelKey, async () => {
      const { manifest, session, info } = entry;
      const image = this.deps.images.get(p.imageId);

      let t = performance.now();
      const regions = this.deps.core.prepareInputs(image, manifest);
      const preprocessMs = performance.now() - t;
      await yieldToEventLoop();
      await this.deps.hooks?.checkpoint('analyze');

      let inferenceMs = 0;
      let postprocessMs = 0;
      const perRegion: Pick<AnalysisResult, 'score' | 'map'>[] = [];
      for (const prepared of regions) {
        t = performance.now();
        const outputs = await this.run(session, manifest.input.name, prepared, manifest.id);
        inferenceMs += performance.now() - t;
        await yieldToEventLoop();
        t = performance.now();
        perRegion.push(this.deps.core.scoreOutputs(outputs, prepared, manifest));
        postprocessMs += performance.now() - t;
      }
      t = performance.now();
      const scored = this.deps.core.combineRegionResults(perRegion, image.width, image.height);
      postprocessMs += performance.now() - t;

      return {
        modelId: info.modelId,
        modelVersion: info.version,
        provider: info.provider,
        ...scored,
        timings: { preprocessMs, inferenceMs, postprocessMs },
      };
    });
  }

  private async run(
    session: ort.InferenceSession,
    inputName: string,
    prepared: P,
    modelId: string,
  ): Promise<Record<string, OutputTensor>> {
    const { Tensor } = this.deps.ort();
    const feeds = { [inputName]: new Tensor('float32', prepared.tensor, [...prepared.dims]) };
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new XrayError('INFERENCE_FAILED', `Model "${modelId}" failed to run: ${message.split('\n')[0]}`, message);
    }
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { data: toFloat32(tensor, name, modelId), dims: tensor.dims.map(Number) };
      tensor.dispose?.();
    }
    return outputs;
  }

  private info(): EngineMethods['info'][1] {
    let providersAvailable: string[] = [];
    try {
      providersAvailable = this.deps
        .ort()
        .listSupportedBackends()
        .map((b) => b.name);
    } catch (err) {
      this.deps.log('error', `onnxruntime-node cannot be loaded: ${String(err)}`);
    }
    return { pid: process.pid, versions: this.deps.versions(), providersAvailable };
  }
}

function toFloat32(tensor: ort.Tensor, name: string, modelId: string): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (
    data instanceof Float64Array ||
    data instanceof Int32Array ||
    data instanceof Uint8Array ||
    data instanceof Int8Array ||
    data instanceof Uint16Array ||
    data instanceof Int16Array
  ) {
    return Float32Array.from(data);
  }
  throw new XrayError(
    'INFERENCE_FAILED',
    `Model "${modelId}" output "${name}" has element type ${tensor.type}; a numeric tensor was expected.`,
  );
}

function validLimits(limits: DecodeLimits | undefined): DecodeLimits {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (!limits || !ok(limits.maxFileBytes) || !ok(limits.maxPixels)) {
    throw new XrayError('INTERNAL', 'decode: limits must give positive maxFileBytes and maxPixels.');
  }
  return limits;
}
