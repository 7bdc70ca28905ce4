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

export function batchWorkers(cores: number, env: Record<string, string | undefined>): number {
  const v = Number(env[BATCH_WORKERS_ENV]);
  if (env[BATCH_WORKERS_ENV] !== undefined && Number.isInteger(v) && v >= 0) return Math.min(v, 64);
  return Math.max(1, cores);
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
