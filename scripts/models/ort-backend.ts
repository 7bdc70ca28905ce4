/** ComputeBackend on onnxruntime-node (CPU), one cached session per graph key. */
import * as ort from 'onnxruntime-node';
import type { ComputeBackend, Tensor } from '../../src/core/fit/compute';

export function ortBackend(threads = Number(process.env.FIT_THREADS ?? 2)): ComputeBackend & { release(): Promise<void> } {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  return {
    async run(key, build, feeds) {
      let s = sessions.get(key);
      if (!s) {
        s = ort.InferenceSession.create(build(), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
        sessions.set(key, s);
      }
      const session = await s;
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        const type = t.data instanceof Float32Array ? 'float32' : t.data instanceof Int32Array ? 'int32' : 'int64';
        ortFeeds[name] = new ort.Tensor(type, t.data, t.dims);
      }
      const out = await session.run(ortFeeds);
      const res: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(out)) res[name] = { data: t.data as Tensor['data'], dims: [...t.dims] };
      return res;
    },
    async release() {
      for (const s of sessions.values()) await (await s).release();
      sessions.clear();
    },
  };
}
