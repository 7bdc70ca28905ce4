/**
 * Local grey-level contrast channels for the fine map (issue 12; docs/experiments/local-evidence.md, round 7).
 * The backbone's block-6 features barely move for a soft, low-contrast lytic or sclerotic blob: an ImageNet
 * network reads a smooth dark patch as lung and a smooth bright one as heart or bone. The grey levels do move.
 * So each fine-grid cell also carries its neighbourhood's grey-level pattern: the mean grey level of the
 * `window` x `window` cells around it (cells of the fine grid's size), less their own mean (contrast, not
 * exposure), times `scale`. These channels are appended to the fine tap's, so the fine map's position-aware
 * search (fineMap.ts, positional.ts) compares anatomy and local contrast with the references together.
 *
 * Computed inside the backbone graph from its input (AveragePool, reflect Pad, one Conv, Concat): the fit,
 * its calibration and the exported model run the same nodes, and the model stays one plain ONNX file.
 */
import { onnx } from 'onnx-proto';
import { XrayError } from '../errors';
import { GraphBuilder } from '../onnx/builder';

export interface LocalContrastOptions {
  /** Input pixels per cell: the fine tap's stride (8 at block 6), so both lie on the same grid. */
  cell: number;
  /** Cells per side of the neighbourhood (odd). */
  window: number;
  /** Multiplier of the grey-level differences (input units: [0, 1]) against the tap's activations. */
  scale: number;
}

/** The name of the fine tap with its contrast channels appended. */
export function contrastTapName(tap: string): string {
  return `${tap}+contrast`;
}

/**
 * The Conv kernel [window², channels, window, window]: output j is the neighbourhood's cell j less the
 * neighbourhood's mean, times `scale`, the input channels averaged (grey is replicated to RGB).
 */
export function contrastKernel(opts: LocalContrastOptions, channels: number): Float32Array {
  const k = opts.window;
  const n = k * k;
  const out = new Float32Array(n * channels * n);
  for (let j = 0; j < n; j++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < n; p++)
        out[(j * channels + c) * n + p] = (opts.scale * ((p === j ? 1 : 0) - 1 / n)) / channels;
  return out;
}

/**
 * The backbone with a tensor `contrastTapName(tap)` [N, C + window², H, W]: the tap's maps and the contrast
 * channels on the same grid (a fine tap of another stride than `cell` fails the backbone's trial run at the Concat). The backbone's own outputs and tensors are unchanged.
 */
export function withLocalContrast(
  backboneBytes: Uint8Array,
  input: { name: string; channels: number; height: number; width: number },
  tap: string,
  opts: LocalContrastOptions,
): Uint8Array {
  const k = opts.window;
  if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1))
    throw new XrayError('INTERNAL', `the contrast window must be an odd number of cells, got ${k}`);
  const { cell } = opts;
  const grid = { h: input.height / cell, w: input.width / cell };
  if (!(Number.isInteger(grid.h) && Number.isInteger(grid.w)))
    throw new XrayError(
      'MODEL_INPUT_MISMATCH',
      `${cell}-pixel cells do not divide the ${input.width}x${input.height} input`,
    );
  const r = (k - 1) / 2;
  // Reflect padding needs more cells than it pads.
  if (r >= Math.min(grid.h, grid.w))
    throw new XrayError('INTERNAL', `a ${k}-cell contrast window does not fit a ${grid.w}x${grid.h} grid`);
  const g = new GraphBuilder('contrast');
  const cells = g.op('AveragePool', [input.name], { kernel_shape: [cell, cell], strides: [cell, cell] });
  const padded = g.op('Pad', [cells, g.constant(new BigInt64Array([0, 0, r, r, 0, 0, r, r].map(BigInt)), [8])], {
    mode: 'reflect',
  });
  const contrast = g.op('Conv', [
    padded,
    g.constant(contrastKernel(opts, input.channels), [k * k, input.channels, k, k]),
  ]);
  const name = contrastTapName(tap);
  g.op('Concat', [tap, contrast], { axis: 1 }, name);
  const part = onnx.ModelProto.decode(g.toBytes()).graph!;

  const model = onnx.ModelProto.decode(backboneBytes);
  const graph = model.graph!;
  const taken = new Set([
    ...(graph.node ?? []).flatMap((n) => n.output ?? []),
    ...(graph.initializer ?? []).map((t) => t.name!),
  ]);
  if (taken.has(name)) throw new XrayError('INTERNAL', `the backbone already has a tensor '${name}'`);
  if (!taken.has(tap)) throw new XrayError('MODEL_INPUT_MISMATCH', `the backbone has no tensor '${tap}'`);
  // The part's own names, made unique in the backbone.
  const own = (n: string) => (n === input.name || n === tap || n === name || n === '' ? n : `contrast/${n}`);
  for (const node of part.node ?? []) {
    node.input = (node.input ?? []).map(own);
    node.output = (node.output ?? []).map(own);
    node.name = own(node.name ?? '');
  }
  for (const t of part.initializer ?? []) t.name = own(t.name!);
  graph.node = [...(graph.node ?? []), ...(part.node ?? [])];
  graph.initializer = [...(graph.initializer ?? []), ...(part.initializer ?? [])];
  graph.output = [
    ...(graph.output ?? []),
    { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } },
  ];
  return onnx.ModelProto.encode(model).finish();
}
