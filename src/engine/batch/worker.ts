/**
 * Worker-thread entry (bundled to dist/batchWorker.js): runs prep jobs for the engine's batch pipeline
 * so that decoding and preprocessing of the next files overlap the inference of the current ones.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { decodeImage } from '../../core/decode/index';
import { prepareInputs } from '../../core/preprocess/pipeline';
import { writeThumb } from './media';
import { readFileSync, runPrepJob, transferables, type PrepJob } from './prepJob';
import { lowerThisThread, prepNice } from './priority';
import { serveInferLane } from './inferLaneWorker';

const port = parentPort;
if (!port) throw new Error('batchWorker.js runs as a worker thread of the engine.');
if ((workerData as { role?: string } | undefined)?.role === 'infer') {
  // An inference lane (inferLane.ts), at the engine's priority: its runs are the pipeline's slowest stage.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  serveInferLane(port, () => require('onnxruntime-node') as typeof ort);
} else servePrep(port);

function servePrep(port: NonNullable<typeof parentPort>): void {
  // Session runs (inference lanes, or the main thread) first; this thread takes the cores they leave (priority.ts).
  lowerThisThread(prepNice(process.env));
  const core = {
    decodeImage: (bytes: Uint8Array, name: string, limits: PrepJob['limits']) => decodeImage(bytes, name, limits),
    prepareInputs: prepareInputs as (
      image: Parameters<typeof prepareInputs>[0],
      m: PrepJob['preps'][number],
    ) => ReturnType<typeof prepareInputs>,
    writeThumb,
    readFile: readFileSync,
  };
  // The pool hands over several jobs at once; they run one after the other (one file's memory at a time,
  // and the pool knows that the oldest job it handed over is the one running).
  let chain: Promise<void> = Promise.resolve();
  // Time spent in jobs and since start: the pool reports how long workers waited for files (batch stats).
  const born = performance.now();
  let busyMs = 0;
  port.on('message', (msg: { id: number; job: PrepJob }) => {
    chain = chain.then(() => {
      const t0 = performance.now();
      const time = () => {
        const now = performance.now();
        busyMs += now - t0;
        return { busyMs, lifeMs: now - born };
      };
      return runPrepJob(msg.job, core).then(
        (result) => port.postMessage({ id: msg.id, result, time: time() }, transferables(result)),
        (err: unknown) =>
          port.postMessage({ id: msg.id, fail: err instanceof Error ? err.message : String(err), time: time() }),
      );
    });
  });
}
