/**
 * The embedding map's computation in a worker thread (dist/mapWorker.js), so that UMAP's seconds of CPU
 * never hold the extension host. Gets the vectors, posts progress at most every 150 ms, then the layout;
 * the host cancels by terminating the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { embeddingLayout, type MapInput } from '../../core/embeddingMap/layout';
import type { MapParams } from '../../core/embeddingMap/key';
import type { MapWorkerMessage } from './workerMessages';

const data = workerData as MapInput & { params: MapParams };
const post = (m: MapWorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
let last = 0;
try {
  const t0 = Date.now();
  const layout = embeddingLayout(data, data.params, (p) => {
    const now = Date.now();
    if (now - last < 150) return;
    last = now;
    post({ type: 'progress', ...p });
  });
  post({ type: 'done', hashes: layout.hashes, x: layout.x, y: layout.y, fitted: layout.fitted, ms: Date.now() - t0 }, [
    layout.x.buffer as ArrayBuffer,
    layout.y.buffer as ArrayBuffer,
  ]);
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
