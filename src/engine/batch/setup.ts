/**
 * How many prep workers the engine's batch pipeline gets, and the pool itself. One per core: the
 * inference threads do not spin while idle (providers.ts), so workers and inference share the cores
 * without either waiting on a core the other leaves idle (with cores - 1 workers, decoding a file costs
 * more CPU than inferring it, and the decode side capped throughput). XRAY_ANOMALY_BATCH_WORKERS
 * overrides (0 = decode in the main thread). When dist/batchWorker.js is missing (a test bundle of the engine alone), jobs run
 * in the main thread too, and the log says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../core/decode/index';
import { prepareInputs } from '../../core/preprocess/pipeline';
import { writeThumb } from './media';
import type { PrepCore } from './prepJob';
import { PrepPool } from './prepPool';

export const BATCH_WORKERS_ENV = 'XRAY_ANOMALY_BATCH_WORKERS';
export const BATCH_THREADS_ENV = 'XRAY_ANOMALY_BATCH_THREADS';

/**
 * Intra-op threads of the sessions batch runs use (the viewer's keep providers.ts defaultThreads): a
 * quarter of the cores, 1 to 4. The prep workers hold the other cores, and a second intra-op thread mostly
 * waits at the operators' barriers for a core they hold: chest-patchcore on 2 cores, pure inference on
 * ready tensors, 2 threads 68.6 img/s at 21.9 CPU ms per image in batches of 1 (114.5 at 13.3 in batches
 * of 8), 1 thread 100.6 at 10.1 (104 at 9.7 in batches of 4). XRAY_ANOMALY_BATCH_THREADS overrides.
 */
export function batchThreads(cores: number, env: Record<string, string | undefined>): number {
  const v = Number(env[BATCH_THREADS_ENV]);
  if (env[BATCH_THREADS_ENV] !== undefined && Number.isInteger(v) && v > 0) return Math.min(v, 64);
  return Math.min(4, Math.max(1, Math.floor(cores / 4)));
}

export function batchWorkers(cores: number, env: Record<string, string | undefined>): number {
  const v = Number(env[BATCH_WORKERS_ENV]);
  if (env[BATCH_WORKERS_ENV] !== undefined && Number.isInteger(v) && v >= 0) return Math.min(v, 64);
  return Math.max(1, cores);
}

export const BATCH_LANES_ENV = 'XRAY_ANOMALY_BATCH_LANES';

/**
 * Inference lanes per model (inferLane.ts): 2 on a machine of 2 cores or more, each with `batchThreads`
 * intra-op threads; 0 (XRAY_ANOMALY_BATCH_LANES=0, or one core) runs batches on the engine's main thread.
 */
export function batchLanes(cores: number, env: Record<string, string | undefined>): number {
  const v = Number(env[BATCH_LANES_ENV]);
  if (env[BATCH_LANES_ENV] !== undefined && Number.isInteger(v) && v >= 0) return Math.min(v, 16);
  return cores >= 2 ? 2 : 0;
}

/** The scorer's lane settings, or undefined without lanes or without dist/batchWorker.js. */
export function laneSetup(
  cores: number,
  env: Record<string, string | undefined>,
  distDir: string,
  log: (level: 'debug' | 'warn', msg: string) => void,
): { count: number; threads: number; workerPath: string; log: typeof log } | undefined {
  const count = batchLanes(cores, env);
  const workerPath = join(distDir, 'batchWorker.js');
  if (count === 0 || !existsSync(workerPath)) return undefined;
  return { count, threads: batchThreads(cores, env), workerPath, log };
}

export function createPrepPool(
  size: number,
  distDir: string,
  log: (level: 'debug' | 'info' | 'warn', msg: string) => void,
): PrepPool {
  const workerPath = join(distDir, 'batchWorker.js');
  const inline: PrepCore = {
    decodeImage: (b, n, l) => decodeImage(b, n, l),
    prepareInputs: prepareInputs as PrepCore['prepareInputs'],
    writeThumb,
  };
  if (size > 0 && !existsSync(workerPath)) {
    log('warn', `${workerPath} is missing: batch files are decoded in the engine's main thread.`);
    size = 0;
  }
  log('debug', `Batch pipeline: ${size} prep worker(s)`);
  return new PrepPool(size, workerPath, inline, log);
}
