/** What the map worker (worker.ts) posts to the extension host. */
import type { MapProgress } from '../../core/embeddingMap/layout';

export type MapWorkerMessage =
  | ({ type: 'progress' } & MapProgress)
  | { type: 'done'; hashes: string[]; x: Float32Array; y: Float32Array; fitted: number; ms: number }
  | { type: 'error'; message: string };
