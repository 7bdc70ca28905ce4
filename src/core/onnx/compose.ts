/**
 * Joins two ONNX models into one self-contained file: a feature extractor (any backbone, e.g. a user's
 * torchvision export) and a head built by GraphBuilder that consumes some of its outputs. The head's
 * internal names are prefixed so they cannot collide with the backbone's; the result's outputs are the
 * head outputs named in `outputs` (kept unprefixed), so runtimes see e.g. `anomaly_map`, `pred_score`.
 */
import { onnx } from 'onnx-proto';

export interface ComposeOptions {
  /** Head input name -> backbone tensor name that feeds it. */
  connect: Record<string, string>;
  /** Head outputs that become the composed model's outputs. */
  outputs: string[];
  prefix?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export function composeModels(backboneBytes: Uint8Array, headBytes: Uint8Array, opts: ComposeOptions): Uint8Array {
  const base = onnx.ModelProto.decode(backboneBytes);
  const head = onnx.ModelProto.decode(headBytes);
  const bg = base.graph!;
  const hg = head.graph!;
  const prefix = opts.prefix ?? 'head/';
  const known = new Set<string>([
    ...(bg.node ?? []).flatMap((n) => n.output ?? []),
    ...(bg.input ?? []).map((i) => i.name!),
    ...(bg.initializer ?? []).map((t) => t.name!),
  ]);
  for (const [hin, bout] of Object.entries(opts.connect)) {
    if (!(hg.input ?? []).some((i) => i.name === hin)) throw new Error(`head has no input '${hin}'`);
    if (!known.has(bout)) throw new Error(`backbone has no tensor '${bout}'`);
  }
  for (const i of hg.input ?? [])
    if (!(i.name! in opts.connect)) throw new Error(`head input '${i.name}' is not connected`);
  for (const o of opts.outputs)
    if (!(hg.output ?? []).some((x) => x.name === o)) throw new Error(`head has no output '${o}'`);
  for (const o of opts.outputs) if (known.has(o)) throw new Error(`output name '${o}' already exists in the backbone`);

  const rename = (name: string): string => {
    if (name === '') return name; // optional input left out
    if (name in opts.connect) return opts.connect[name];
    if (opts.outputs.includes(name)) return name;
    return prefix + name;
  };
  const renameGraph = (g: onnx.IGraphProto, outerScope: boolean): void => {
    for (const n of g.node ?? []) {
      n.input = (n.input ?? []).map(rename);
      n.output = (n.output ?? []).map(rename);
      if (n.name) n.name = prefix + n.name;
      for (const a of n.attribute ?? []) if (a.g) renameGraph(a.g, false);
    }
    for (const t of g.initializer ?? []) t.name = rename(t.name!);
    if (!outerScope) {
      // A subgraph's own inputs/outputs are local names; rename consistently with their uses.
      for (const v of [...(g.input ?? []), ...(g.output ?? [])]) v.name = rename(v.name!);
    }
  };
  renameGraph(hg, true);

  bg.node = [...(bg.node ?? []), ...(hg.node ?? [])];
  bg.initializer = [...(bg.initializer ?? []), ...(hg.initializer ?? [])];
  bg.output = (hg.output ?? []).filter((o) => opts.outputs.includes(o.name!));
  pruneToOutputs(bg);
  const version = (m: onnx.IModelProto) =>
    Math.max(0, ...(m.opsetImport ?? []).filter((o) => !o.domain).map((o) => Number(o.version)));
  base.opsetImport = [{ domain: '', version: Math.max(version(base), version(head)) }];
  if (opts.docString !== undefined) base.docString = opts.docString;
  if (opts.metadata) base.metadataProps = Object.entries(opts.metadata).map(([key, value]) => ({ key, value }));
  return onnx.ModelProto.encode(base).finish();
}

/** Names a node reads, including outer-scope names its subgraphs read. */
function reads(n: onnx.INodeProto): string[] {
  const names = [...(n.input ?? [])];
  for (const a of n.attribute ?? []) if (a.g) for (const sn of a.g.node ?? []) names.push(...reads(sn));
  return names;
}

/** Drops nodes and initializers the graph outputs do not depend on (e.g. backbone layers past the tap). */
function pruneToOutputs(g: onnx.IGraphProto): void {
  const kept = dependencies(
    g,
    (g.output ?? []).map((o) => o.name!),
  );
  g.node = kept.node;
  g.initializer = kept.initializer;
}

/**
 * The nodes and initializers that `outputs` depend on, in graph order (nodes are topologically sorted, as
 * ONNX requires), without changing the graph.
 */
export function dependencies(
  g: onnx.IGraphProto,
  outputs: readonly string[],
): { node: onnx.INodeProto[]; initializer: onnx.ITensorProto[] } {
  const needed = new Set(outputs);
  const nodes = g.node ?? [];
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if ((nodes[i].output ?? []).some((o) => needed.has(o))) {
      keep[i] = true;
      for (const r of reads(nodes[i])) needed.add(r);
    }
  }
  return {
    node: nodes.filter((_, i) => keep[i]),
    initializer: (g.initializer ?? []).filter((t) => needed.has(t.name!)),
  };
}

/**
 * The part of a model that computes `outputs` (graph outputs or any intermediate tensors), as a model of
 * its own: e.g. a backbone cut at the feature tap a detector reads, so a runtime computes nothing past it.
 */
export function extractSubmodel(modelBytes: Uint8Array, outputs: string[]): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph!;
  const declared = new Map((g.output ?? []).map((o) => [o.name!, o]));
  const valueInfo = new Map((g.valueInfo ?? []).map((v) => [v.name!, v]));
  const produced = new Set([...(g.node ?? []).flatMap((n) => n.output ?? []), ...(g.input ?? []).map((i) => i.name!)]);
  for (const o of outputs) if (!produced.has(o) && !declared.has(o)) throw new Error(`model has no tensor '${o}'`);
  // An intermediate tensor needs a declared type to become an output; float is what feature maps are.
  g.output = outputs.map(
    (o) =>
      declared.get(o) ??
      valueInfo.get(o) ?? { name: o, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } },
  );
  pruneToOutputs(g);
  const used = new Set((g.node ?? []).flatMap((n) => reads(n)));
  g.input = (g.input ?? []).filter((i) => used.has(i.name!) || outputs.includes(i.name!));
  return onnx.ModelProto.encode(model).finish();
}

/** What a model declares and computes, for checking it against a manifest before running it. */
export interface OnnxGraphInfo {
  inputs: { name: string; dims: (number | string)[]; elemType?: number }[];
  outputs: string[];
  /** Every tensor name a node produces (intermediate ones included). */
  tensors: Set<string>;
}

export function inspectModel(modelBytes: Uint8Array): OnnxGraphInfo {
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph ?? {};
  const init = new Set((g.initializer ?? []).map((t) => t.name!));
  const dims = (v: onnx.IValueInfoProto) =>
    (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
      d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
        ? Number(d.dimValue)
        : (d.dimParam ?? '?'),
    );
  return {
    // Initializers listed as inputs (older exporters) are weights, not inputs a caller feeds.
    inputs: (g.input ?? [])
      .filter((i) => !init.has(i.name!))
      .map((i) => ({
        name: i.name!,
        dims: i.type?.tensorType?.shape ? dims(i) : [],
        elemType: i.type?.tensorType?.elemType ?? undefined,
      })),
    outputs: (g.output ?? []).map((o) => o.name!),
    tensors: new Set((g.node ?? []).flatMap((n) => n.output ?? [])),
  };
}
