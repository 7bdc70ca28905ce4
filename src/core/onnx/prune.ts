/**
 * Whether a model is worth a second, smaller session for runs that fetch only some of its outputs.
 * onnxruntime-node runs every node of a graph whatever outputs a run fetches (chest-patchcore
 * 1.0.0+4cf306cf: pred_score alone 14.9 ms, the graph cut to it 6.5 ms), so a score-only run is cheaper
 * only on the graph cut to its outputs (extractSubmodel). The cut costs a session (its weights in memory
 * once more), so it is taken only where it drops a real share of the graph.
 */
import { onnx } from 'onnx-proto';
import { dependencies, extractSubmodel } from './compose';

export interface GraphSize {
  nodes: number;
  /** Bytes of the initializers (weights), from their dims and element type. */
  weightBytes: number;
}

export type CutDecision =
  | { use: 'cut'; bytes: Uint8Array; full: GraphSize; cut: GraphSize }
  | { use: 'full'; reason: string; full?: GraphSize; cut?: GraphSize };

/** Share of the nodes or of the weights a cut must drop to be taken (a session is not free). */
export const MIN_CUT_SHARE = 0.1;

/** The graph cut to `outputs` when that drops at least MIN_CUT_SHARE of its nodes or weights; else why not. */
export function cutForOutputs(modelBytes: Uint8Array, outputs: readonly string[]): CutDecision {
  let g: onnx.IGraphProto | null | undefined;
  try {
    g = onnx.ModelProto.decode(modelBytes).graph;
  } catch (err) {
    return { use: 'full', reason: `the model cannot be read (${message(err)})` };
  }
  if (!g) return { use: 'full', reason: 'the model has no graph' };
  const full = sizeOf(g.node ?? [], g.initializer ?? []);
  // Sized before it is built: most models that do not pay are big, and building means decoding them again.
  const produced = new Set([...(g.node ?? []).flatMap((n) => n.output ?? []), ...(g.input ?? []).map((i) => i.name!)]);
  const missing = outputs.find((o) => !produced.has(o));
  if (missing !== undefined) return { use: 'full', reason: `the cut failed (model has no tensor '${missing}')`, full };
  const kept = dependencies(g, outputs);
  const cut = sizeOf(kept.node, kept.initializer);
  const dropped = Math.max(dropShare(full.nodes, cut.nodes), dropShare(full.weightBytes, cut.weightBytes));
  if (dropped < MIN_CUT_SHARE)
    return {
      use: 'full',
      reason: `the cut keeps ${cut.nodes} of ${full.nodes} nodes and ${mb(cut.weightBytes)} of ${mb(full.weightBytes)} MB of weights`,
      full,
      cut,
    };
  try {
    return { use: 'cut', bytes: extractSubmodel(modelBytes, [...outputs]), full, cut };
  } catch (err) {
    return { use: 'full', reason: `the cut failed (${message(err)})`, full };
  }
}

export function graphSize(modelBytes: Uint8Array): GraphSize {
  const g = onnx.ModelProto.decode(modelBytes).graph;
  if (!g) throw new Error('no graph');
  return sizeOf(g.node ?? [], g.initializer ?? []);
}

function sizeOf(nodes: readonly onnx.INodeProto[], initializers: readonly onnx.ITensorProto[]): GraphSize {
  let weightBytes = 0;
  for (const t of initializers) {
    const count = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
    weightBytes += count * elementBytes(t.dataType ?? 0);
  }
  return { nodes: nodes.length, weightBytes };
}

/** "107 of 167 nodes, 6.1 of 27.0 MB of weights": how a cut is logged. */
export function describeCut(full: GraphSize, cut: GraphSize): string {
  return `${cut.nodes} of ${full.nodes} nodes, ${mb(cut.weightBytes)} of ${mb(full.weightBytes)} MB of weights`;
}

function elementBytes(type: number): number {
  const T = onnx.TensorProto.DataType;
  switch (type) {
    case T.DOUBLE:
    case T.INT64:
    case T.UINT64:
    case T.COMPLEX64:
      return 8;
    case T.COMPLEX128:
      return 16;
    case T.FLOAT16:
    case T.BFLOAT16:
    case T.INT16:
    case T.UINT16:
      return 2;
    case T.INT8:
    case T.UINT8:
    case T.BOOL:
      return 1;
    default:
      return 4;
  }
}

function dropShare(before: number, after: number): number {
  return before > 0 ? (before - after) / before : 0;
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
