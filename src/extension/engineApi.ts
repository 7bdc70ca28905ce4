import type { EngineMethods } from '../protocol/engine';

/** What the extension needs from the engine; implemented by EngineClient (src/engine/client.ts). */
export type EngineApi = {
  [K in 'decode' | 'loadModel' | 'analyze' | 'releaseImage' | 'preview']: (params: EngineMethods[K][0]) => Promise<EngineMethods[K][1]>;
};
