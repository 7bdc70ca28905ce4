import type { EngineMethods, EngineNotifications, FitRequest, FitResult } from '../protocol/engine';

/** What the extension needs from the engine; implemented by EngineClient (src/engine/client.ts). */
export type EngineApi = {
  [K in 'decode' | 'loadModel' | 'analyze' | 'releaseImage' | 'preview']: (
    params: EngineMethods[K][0],
  ) => Promise<EngineMethods[K][1]>;
};

/** Fitting, as EngineClient exposes it: progress arrives through `onProgress` until the promise settles. */
export interface FitEngineApi {
  fit(params: FitRequest, onProgress: (p: EngineNotifications['fitProgress']) => void): Promise<FitResult>;
  /** Unknown or finished jobs are ignored; the fit's own promise then rejects with CANCELLED. */
  cancelFit(jobId: string): Promise<void>;
}
