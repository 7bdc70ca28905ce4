/**
 * Entry of the inference engine process (bundled to dist/engine.js, started by EngineClient with
 * child_process.fork and `serialization: 'advanced'` so typed arrays cross intact). This process owns
 * every native module (onnxruntime-node, sharp): if one of them crashes, only this process dies.
 */
import type * as ort from 'onnxruntime-node';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImage } from '../core/decode/index';
import { readDicomTags } from '../core/decode/dicom/tags';
import { checkModelIO, parseManifest } from '../core/model/validate';
import { prepareInput, prepareInputs } from '../core/preprocess/pipeline';
import { combineRegionResults } from '../core/scoring/combine';
import { previewPipeline } from '../core/preprocess/preview';
import { scoreOutputs } from '../core/scoring/postprocess';
import type { EngineNotification } from '../protocol/engine';
import { isRequest, type ResponseMsg } from '../protocol/rpc';
import type { CoreOps } from './coreOps';
import { ImageStore, imageCacheBytes } from './imageStore';
import { KeyedQueue } from './keyedQueue';
import { ModelRegistry } from './modelRegistry';
import { defaultThreads, ortFactory } from './providers';
import { EngineServer, type LogLevel } from './server';
import { BACKBONE_ENV, FitJobs } from './fitJobs';
import { ortCompute } from './ortCompute';
import { TestHooks, testHooksEnabled } from './testHooks';
import { BatchScorer } from './batch/scorer';
import { batchLanes, batchThreads, batchWorkers, createPrepPool, laneSetup } from './batch/setup';
import type { ReadyMsg } from './wire';

const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const minLevel = Math.max(0, LEVELS.indexOf((process.env.XRAY_ANOMALY_ENGINE_LOG_LEVEL ?? 'debug') as LogLevel));

function send(msg: ResponseMsg | EngineNotification | ReadyMsg, done?: () => void): void {
  if (!process.connected) return;
  process.send!(msg, undefined, {}, (err) => {
    // A message that cannot cross (e.g. a value the serializer rejects) must not leave the caller waiting.
    if (err && 'id' in msg && msg.kind === 'response' && msg.ok) {
      send({
        kind: 'response',
        id: msg.id,
        ok: false,
        error: { code: 'INTERNAL', message: `The engine could not send its answer: ${err.message}` },
      });
    }
    done?.();
  });
}

function log(level: LogLevel, message: string): void {
  if (LEVELS.indexOf(level) < minLevel) return;
  send({ kind: 'notify', type: 'log', params: { level, message } });
}

let ortModule: typeof ort | undefined;
function loadOrt(): typeof ort {
  // Loaded on first use: a broken or wrong-platform native install then fails model requests with a
  // readable error while decoding keeps working.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ortModule ??= require('onnxruntime-node') as typeof ort;
  return ortModule;
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node, engine: '1' };
  try {
    v.onnxruntime = loadOrt().env.versions.node ?? 'unknown';
  } catch {
    v.onnxruntime = 'unavailable';
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sharp = require('sharp') as { versions: Record<string, string | undefined> };
    v.sharp = sharp.versions.sharp ?? 'unknown';
    v.vips = sharp.versions.vips ?? 'unknown';
  } catch {
    v.sharp = 'unavailable';
  }
  return v;
}

function main(): void {
  if (!process.send) {
    console.error(
      'The X-ray anomaly engine is started by its client over IPC (child_process.fork); it cannot run on its own.',
    );
    process.exit(2);
  }
  const env = process.env;
  const core: CoreOps<ReturnType<typeof prepareInput>> = {
    decodeImage,
    parseManifest,
    checkModelIO,
    prepareInput,
    prepareInputs,
    combineRegionResults,
    scoreOutputs,
    readDicomTags,
    previewPipeline,
  };
  const queue = new KeyedQueue();
  const images = new ImageStore(imageCacheBytes(env), (id) =>
    log('debug', `Evicted image ${id} to stay within the cache budget`),
  );
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const threads = defaultThreads(cores, env);
  const models = new ModelRegistry({
    core,
    files: { readFile: (p) => fs.readFile(p), stat: (p) => fs.stat(p) },
    factory: ortFactory(loadOrt),
    queue,
    platform: process.platform,
    threads,
    batchThreads: batchThreads(cores, env),
    env,
    log,
  });
  const hooks = testHooksEnabled(env) ? new TestHooks() : undefined;
  const fits = new FitJobs({
    decode: (bytes, file, limits) => decodeImage(bytes, file, limits),
    // prepareInputs reads only the manifest's input and preprocessing.
    prepare: (image, manifest) => prepareInputs(image, manifest as Parameters<typeof prepareInputs>[1]),
    compute: () => ortCompute({ threads, ort: loadOrt() }),
    // dist/engine.js -> <extension>/models/backbones/...
    defaultBackbonePath:
      env[BACKBONE_ENV] || path.join(__dirname, '..', 'models', 'backbones', 'mobilenetv2-nsfwjs.backbone.json'),
    queue,
    notify: (params) => send({ kind: 'notify', type: 'fitProgress', params }),
    log,
  });
  let batch: BatchScorer | undefined;
  const batchScorer = {
    // Worker threads start on the first batch request: an engine that only serves viewers never pays for them.
    score: (req: Parameters<BatchScorer['score']>[0]) => {
      batch ??= new BatchScorer({
        models,
        queue,
        pool: createPrepPool(batchWorkers(cores, env), __dirname, log),
        lanes: laneSetup(cores, env, __dirname, log),
        ort: loadOrt,
        core,
        hooks,
      });
      return batch.score(req);
    },
  };
  const server = new EngineServer({
    core,
    images,
    models,
    queue,
    ort: loadOrt,
    versions,
    log,
    hooks,
    fits,
    batch: batchScorer,
  });

  process.on('message', (msg: unknown) => {
    if (!isRequest(msg)) return;
    void server.handle(msg).then((res) => send(res));
  });
  // The client is gone (extension host closed or crashed): nothing will ever ask again.
  process.on('disconnect', () => process.exit(0));
  // However the process ends, a fit in progress leaves no temporary files behind.
  process.on('exit', () => fits.abortAllSync());
  process.on('SIGTERM', () => process.exit(143));
  // Ctrl-C in a terminal reaches the whole process group: the client (CLI) decides what it means (it
  // cancels a fit cleanly), so the engine does not die under it.
  process.on('SIGINT', () => log('debug', 'Engine ignores SIGINT; its client stops it.'));
  process.on('uncaughtException', (err) => {
    log('error', `Engine error: ${err.stack ?? err.message}`);
    // State may be inconsistent after an uncaught exception: leave, and let the client restart us.
    send(
      {
        kind: 'notify',
        type: 'log',
        params: { level: 'error', message: 'The engine is stopping after an unexpected error.' },
      },
      () => process.exit(70),
    );
    setTimeout(() => process.exit(70), 500).unref();
  });
  process.on('unhandledRejection', (reason) => log('warn', `Unhandled rejection in the engine: ${String(reason)}`));

  // performance.now() counts from process start, so this includes loading the bundle and its modules.
  send({ kind: 'ready', pid: process.pid, bootMs: performance.now() });
  log(
    'debug',
    `Engine ${process.pid} ready: ${threads} inference thread(s) (batch runs ${batchLanes(cores, env)} lane(s) of ${batchThreads(cores, env)}), image cache ${(imageCacheBytes(env) / 1048576).toFixed(0)} MB${hooks ? ', TEST HOOKS ON' : ''}`,
  );
}

main();
