/**
 * Control-flow operators (Loop, If, Scan) carry a whole graph as an attribute, which GraphBuilder's
 * attribute types cannot express. Build the body with its own GraphBuilder, give the control-flow node
 * a placeholder string attribute, then call attachSubgraphs on the finished model bytes: it swaps each
 * placeholder for the body graph. The body may reference outer-scope tensors by name, as ONNX allows.
 */
import { onnx } from 'onnx-proto';
import type { GraphBuilder } from './builder';

/** Placeholder value for a graph attribute; pass as the attribute value in `GraphBuilder.node`. */
export function subgraphSlot(id: string): string {
  return `@subgraph:${id}`;
}

/** Replaces every `subgraphSlot(id)` attribute in `modelBytes` with the graph of `bodies[id]`. */
export function attachSubgraphs(modelBytes: Uint8Array, bodies: Record<string, GraphBuilder>): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const used = new Set<string>();
  const visit = (graph: onnx.IGraphProto | null | undefined): void => {
    for (const node of graph?.node ?? []) {
      for (const attr of node.attribute ?? []) {
        if (attr.type !== onnx.AttributeProto.AttributeType.STRING || !attr.s) continue;
        const text = new TextDecoder().decode(attr.s);
        if (!text.startsWith('@subgraph:')) continue;
        const id = text.slice('@subgraph:'.length);
        const body = bodies[id];
        if (!body) throw new Error(`no body graph for subgraph slot '${id}'`);
        const g = onnx.ModelProto.decode(body.toBytes()).graph!;
        visit(g);
        attr.type = onnx.AttributeProto.AttributeType.GRAPH;
        delete (attr as { s?: unknown }).s; // own property => encoded; the attribute must hold only the graph
        attr.g = g;
        used.add(id);
      }
    }
  };
  visit(model.graph);
  for (const id of Object.keys(bodies))
    if (!used.has(id)) throw new Error(`subgraph '${id}' was given but no node uses it`);
  return onnx.ModelProto.encode(model).finish();
}
