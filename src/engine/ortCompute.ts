/**
 * ComputeBackend (src/core/fit/compute.ts) on onnxruntime-node, CPU: one cached session per graph key.
 * The engine's fitting jobs and the model scripts both use this one implementation. Each fit gets its
 * own backend and releases it at the end, so a finished fit leaves no sessions (or their buffers) behind.
 */
import type * as ortTypes from 'onnxruntime-node';
import type { ComputeBackend, Tensor } from '../core/fit/compute';

export interface OrtCompute extends ComputeBackend {
  /** Releases every session this backend created. */
  release(): Promise<void>;
}

export interface OrtComputeOptions {
  /** Intra-op threads of every session (the machine's share for fitting). */
  threads: number;
  /** onnxruntime-node, loaded by the caller (the engine loads it lazily). */
  ort?: typeof ortTypes;
}

export function ortCompute(opts: OrtComputeOptions): OrtCompute {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = opts.ort ?? (require('onnxruntime-node') as typeof ortTypes);
  const sessions = new Map<string, Promise<ortTypes.InferenceSession>>();
  return {
    async run(key, build, feeds) {
      let s = sessions.get(key);
      if (!s) {
        s = ort.InferenceSession.create(build(), {
          intraOpNumThreads: Math.max(1, opts.threads),
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        });
        sessions.set(key, s);
        // A graph that fails to load must not stay cached as a rejected promise.
        s.catch(() => sessions.delete(key));
      }
      const session = await s;
      const ortFeeds: Record<string, ortTypes.Tensor> = {};
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
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of all) await (await s.catch(() => undefined))?.release();
    },
  };
}
