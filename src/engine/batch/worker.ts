/**
 * Worker-thread entry (bundled to dist/batchWorker.js): runs prep jobs for the engine's batch pipeline
 * so that decoding and preprocessing of the next files overlap the inference of the current ones.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImage } from '../../core/decode/index';
import { prepareInputs } from '../../core/preprocess/pipeline';
import { writeThumb } from './media';
import { runPrepJob, transferables, type PrepJob } from './prepJob';

const port = parentPort;
if (!port) throw new Error('batchWorker.js runs as a worker thread of the engine.');
const core = {
  decodeImage: (bytes: Uint8Array, name: string, limits: PrepJob['limits']) => decodeImage(bytes, name, limits),
  prepareInputs: prepareInputs as (
    image: Parameters<typeof prepareInputs>[0],
    m: PrepJob['preps'][number],
  ) => ReturnType<typeof prepareInputs>,
  writeThumb,
};
port.on('message', (msg: { id: number; job: PrepJob }) => {
  void runPrepJob(msg.job, core).then(
    (result) => port.postMessage({ id: msg.id, result }, transferables(result)),
    (err: unknown) => port.postMessage({ id: msg.id, fail: err instanceof Error ? err.message : String(err) }),
  );
});
