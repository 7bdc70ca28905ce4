/** The engine's onnxruntime ComputeBackend for scripts and tests; FIT_THREADS sets the default thread count. */
import { ortCompute, type OrtCompute } from '../../src/engine/ortCompute';

export function ortBackend(threads = Number(process.env.FIT_THREADS ?? 2)): OrtCompute {
  return ortCompute({ threads });
}
