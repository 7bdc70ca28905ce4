/**
 * The image embedding "more like this" compares: the detector's own backbone features at the layer it was
 * fitted on (manifest metadata.fit.backbone.tap), averaged over positions. The engine asks for it by
 * adding one GlobalAveragePool node and a graph output to the model it loads (withEmbeddingOutput), so
 * the features come out of the same session run as the score, at no extra inference.
 */
import { onnx } from 'onnx-proto';
import type { ModelManifest } from '../model/manifest';

export const EMBEDDING_OUTPUT = 'xray_anomaly_embedding';

/** The backbone tensor a fitted detector reads, when its manifest says. */
export function embeddingTap(manifest: Pick<ModelManifest, 'metadata'>): string | undefined {
  const fit = manifest.metadata?.fit as { backbone?: { tap?: unknown } } | undefined;
  const tap = fit?.backbone?.tap;
  return typeof tap === 'string' && tap.length > 0 ? tap : undefined;
}

/** The model with one more output: the tap's [N, C, H, W] features averaged to [N, C, 1, 1]. */
export function withEmbeddingOutput(modelBytes: Uint8Array, tap: string): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph!;
  const produced = new Set((g.node ?? []).flatMap((n) => n.output ?? []));
  if (!produced.has(tap)) throw new Error(`model has no tensor '${tap}'`);
  if ((g.output ?? []).some((o) => o.name === EMBEDDING_OUTPUT)) return modelBytes;
  g.node = [
    ...(g.node ?? []),
    onnx.NodeProto.create({
      opType: 'GlobalAveragePool',
      input: [tap],
      output: [EMBEDDING_OUTPUT],
      name: EMBEDDING_OUTPUT,
    }),
  ];
  g.output = [
    ...(g.output ?? []),
    onnx.ValueInfoProto.create({
      name: EMBEDDING_OUTPUT,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
