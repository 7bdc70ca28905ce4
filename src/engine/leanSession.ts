/**
 * A loaded model's lean session: its graph cut to the outputs a score-only run fetches (the score and the
 * embedding tap), for batch runs without heatmaps. onnxruntime-node runs every node whatever a run
 * fetches, so only a smaller graph saves the map's work (core/onnx/prune.ts). Made on the first such run,
 * from the ONNX file read again (the load keeps no copy of a model's bytes); where the cut fails, does not
 * pay, or its session cannot start, runs stay on the full session. Either way the log says which.
 */
import type * as ort from 'onnxruntime-node';
import { cutForOutputs, describeCut } from '../core/onnx/prune';

export interface LeanSessionDeps {
  /** The model's bytes as the full session got them; throws when the file changed since that load. */
  readModel(): Promise<Uint8Array>;
  createSession(bytes: Uint8Array): Promise<ort.InferenceSession>;
  log(level: 'info' | 'warn', msg: string): void;
}

/** `full`: the session to keep using where no cut is made (asked for only then). */
export async function leanSession(
  label: string,
  full: () => ort.InferenceSession | Promise<ort.InferenceSession>,
  outputs: readonly string[],
  deps: LeanSessionDeps,
): Promise<ort.InferenceSession> {
  const which = outputs.join(', ');
  const keep = (level: 'info' | 'warn', why: string) => {
    deps.log(level, `${label}: runs fetching only ${which} use the full graph: ${why}`);
    return full();
  };
  let bytes: Uint8Array;
  try {
    bytes = await deps.readModel();
  } catch (err) {
    return keep('warn', `the model cannot be read again (${err instanceof Error ? err.message : String(err)})`);
  }
  const d = cutForOutputs(bytes, outputs);
  if (d.use === 'full') return keep('info', d.reason);
  try {
    const session = await deps.createSession(d.bytes);
    deps.log('info', `${label}: runs fetching only ${which} use the graph cut to them (${describeCut(d.full, d.cut)})`);
    return session;
  } catch (err) {
    return keep(
      'warn',
      `its session did not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    );
  }
}
