/**
 * Converts a Keras functional CNN (as tfjs stores it) into an ONNX feature extractor that outputs chosen
 * intermediate layers ("taps"). It handles exactly the layer types MobileNet-style networks use and
 * refuses anything else, so a new backbone fails loudly instead of converting wrongly.
 *
 * Layout: Keras is NHWC, the ONNX graph is NCHW (what every ONNX runtime and anomalib expect).
 * BatchNormalization that directly follows a convolution is folded into its weights and a bias; a
 * ZeroPadding2D that feeds a convolution becomes that convolution's `pads` (Keras MobileNetV2 pads
 * stride-2 convs asymmetrically, right/bottom only, which ONNX expresses directly).
 * Intermediate tensors are named after the Keras layer that produced them, so a tap is just a name.
 */
import { GraphBuilder } from '../../src/core/onnx/builder';
import type { DequantizedTensor, KerasLayer } from './nsfwjs-weights';

export interface ConvertOptions {
  /** Keras layer names whose outputs become graph outputs (same names), e.g. 'block_6_expand_relu'. */
  taps: string[];
  /** Also output the global average pool of this layer as `<name>` (shape [N, C]). */
  globalPool?: { of: string; name: string };
  inputName?: string;
  graphName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export interface ConvertedModel {
  bytes: Uint8Array;
  /** Output name -> channels (spatial dims are dynamic). */
  outputs: { name: string; channels: number }[];
  parameterCount: number;
}

type Pads = [number, number, number, number]; // top, left, bottom, right

interface Produced {
  tensor: string;
  channels: number;
  /** Pending zero padding not yet materialised (folded into the consuming conv when possible). */
  pads?: Pads;
}

const SUPPORTED = new Set(['InputLayer', 'ZeroPadding2D', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Add']);

export function convertKerasFeatureExtractor(layers: KerasLayer[], weights: Map<string, DequantizedTensor>, opts: ConvertOptions): ConvertedModel {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const inbound = (l: KerasLayer): string[] => {
    if (l.inbound_nodes.length > 1) throw new Error(`layer ${l.name} is shared (called ${l.inbound_nodes.length} times); not supported`);
    return (l.inbound_nodes[0] ?? []).map((n) => n[0]);
  };

  // Only the ancestors of the requested outputs are converted (the classifier head is dropped).
  const wanted = [...opts.taps, ...(opts.globalPool ? [opts.globalPool.of] : [])];
  const needed = new Set<string>();
  const stack = [...wanted];
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    const l = byName.get(n);
    if (!l) throw new Error(`unknown layer '${n}'`);
    needed.add(n);
    stack.push(...inbound(l));
  }
  const consumers = new Map<string, string[]>();
  for (const l of layers) {
    if (!needed.has(l.name)) continue;
    for (const src of inbound(l)) consumers.set(src, [...(consumers.get(src) ?? []), l.name]);
  }

  const g = new GraphBuilder(opts.graphName ?? 'feature_extractor');
  const inputName = opts.inputName ?? 'input';
  const produced = new Map<string, Produced>();
  const folded = new Set<string>(); // BN layers already merged into their conv
  let params = 0;

  const weight = (name: string): DequantizedTensor => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    return w;
  };
  // A padded tensor consumed by anything but a conv must be padded for real.
  const materialise = (p: Produced, outName: string): string => {
    if (!p.pads || p.pads.every((x) => x === 0)) return p.tensor;
    const [t, l, b, r] = p.pads;
    const pads = g.constant(new BigInt64Array([0, 0, t, l, 0, 0, b, r].map(BigInt)), [8]);
    return g.op('Pad', [p.tensor, pads], { mode: 'constant' }, outName);
  };

  for (const layer of layers) {
    if (!needed.has(layer.name) || folded.has(layer.name)) continue;
    if (!SUPPORTED.has(layer.class_name)) throw new Error(`layer ${layer.name}: unsupported type ${layer.class_name}`);
    const c = layer.config;
    const srcs = inbound(layer).map((s) => {
      const p = produced.get(s);
      if (!p) throw new Error(`layer ${layer.name}: input ${s} not produced yet (layers out of order?)`);
      return p;
    });
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as (number | null)[];
        if (c.data_format && c.data_format !== 'channels_last') throw new Error('only channels_last inputs are supported');
        const channels = shape[3] as number;
        g.input(inputName, ['N', channels, 'H', 'W']);
        produced.set(layer.name, { tensor: inputName, channels });
        break;
      }
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = c.padding as [[number, number], [number, number]];
        const p = srcs[0];
        const prev = p.pads ?? [0, 0, 0, 0];
        produced.set(layer.name, { tensor: p.tensor, channels: p.channels, pads: [prev[0] + t, prev[1] + l, prev[2] + b, prev[3] + r] });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const [kh, kw] = c.kernel_size as number[];
        const strides = c.strides as number[];
        const dil = (c.dilation_rate as number[]) ?? [1, 1];
        if (c.data_format !== 'channels_last') throw new Error(`layer ${layer.name}: data_format ${String(c.data_format)}`);
        if (c.activation !== 'linear') throw new Error(`layer ${layer.name}: fused activation ${String(c.activation)} not supported`);
        const src = srcs[0];
        const cin = src.channels;
        // Keras kernel: conv [kh,kw,cin,cout], depthwise [kh,kw,cin,mult]. ONNX: [cout, cin/group, kh, kw].
        const kName = depthwise ? `${layer.name}/depthwise_kernel` : `${layer.name}/kernel`;
        const k = weight(kName);
        const mult = depthwise ? ((c.depth_multiplier as number) ?? 1) : 1;
        const cout = depthwise ? cin * mult : (c.filters as number);
        const expected = depthwise ? [kh, kw, cin, mult] : [kh, kw, cin, cout];
        if (k.shape.join() !== expected.join()) throw new Error(`layer ${layer.name}: kernel shape ${k.shape} != ${expected}`);
        const cinPerGroup = depthwise ? 1 : cin;
        const w = new Float64Array(cout * cinPerGroup * kh * kw);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++)
              for (let m = 0; m < (depthwise ? mult : cout); m++) {
                const v = k.data[((y * kw + x) * cin + i) * (depthwise ? mult : cout) + m];
                const o = depthwise ? i * mult + m : m;
                const ig = depthwise ? 0 : i;
                w[((o * cinPerGroup + ig) * kh + y) * kw + x] = v;
              }
        const bias = new Float64Array(cout);
        if (c.use_bias) weight(`${layer.name}/bias`).data.forEach((v, i) => (bias[i] = v));

        // Fold a following BatchNormalization when this conv feeds only it.
        let outLayer = layer.name;
        const next = consumers.get(layer.name) ?? [];
        const bnLayer = next.length === 1 ? byName.get(next[0]) : undefined;
        if (bnLayer?.class_name === 'BatchNormalization' && !opts.taps.includes(layer.name)) {
          const bc = bnLayer.config;
          if (bc.axis !== -1 && bc.axis !== 3 && !(Array.isArray(bc.axis) && bc.axis.length === 1 && (bc.axis[0] === -1 || bc.axis[0] === 3))) {
            throw new Error(`layer ${bnLayer.name}: BatchNormalization over axis ${JSON.stringify(bc.axis)} not supported`);
          }
          const eps = bc.epsilon as number;
          const gamma = bc.scale ? weight(`${bnLayer.name}/gamma`).data : new Float32Array(cout).fill(1);
          const beta = bc.center ? weight(`${bnLayer.name}/beta`).data : new Float32Array(cout);
          const mean = weight(`${bnLayer.name}/moving_mean`).data;
          const variance = weight(`${bnLayer.name}/moving_variance`).data;
          const per = w.length / cout;
          for (let o = 0; o < cout; o++) {
            const s = gamma[o] / Math.sqrt(variance[o] + eps);
            for (let j = 0; j < per; j++) w[o * per + j] *= s;
            bias[o] = (bias[o] - mean[o]) * s + beta[o];
          }
          folded.add(bnLayer.name);
          outLayer = bnLayer.name;
        }

        let pads: Pads = src.pads ?? [0, 0, 0, 0];
        if (c.padding === 'same') {
          // TF "same": total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0), extra on the right/bottom.
          // That depends on the input size unless stride is 1; only stride 1 is accepted here.
          if (strides.some((s) => s !== 1)) throw new Error(`layer ${layer.name}: 'same' padding with stride ${strides} depends on input size; not supported`);
          const th = (kh - 1) * dil[0];
          const tw = (kw - 1) * dil[1];
          pads = [pads[0] + Math.floor(th / 2), pads[1] + Math.floor(tw / 2), pads[2] + th - Math.floor(th / 2), pads[3] + tw - Math.floor(tw / 2)];
        } else if (c.padding !== 'valid') {
          throw new Error(`layer ${layer.name}: padding ${String(c.padding)}`);
        }
        const wName = g.constant(Float32Array.from(w), [cout, cinPerGroup, kh, kw], `${layer.name}.weight`);
        const bName = g.constant(Float32Array.from(bias), [cout], `${layer.name}.bias`);
        params += w.length + cout;
        const attrs: Record<string, number[] | number> = { kernel_shape: [kh, kw], strides, dilations: dil, pads: [pads[0], pads[1], pads[2], pads[3]] };
        if (depthwise) attrs.group = cin;
        g.op('Conv', [src.tensor, wName, bName], attrs, outLayer);
        produced.set(outLayer, { tensor: outLayer, channels: cout });
        if (outLayer !== layer.name) produced.set(layer.name, { tensor: outLayer, channels: cout });
        break;
      }
      case 'BatchNormalization': {
        // Not after a conv (or the conv is itself a tap): emit as a per-channel affine.
        const src = srcs[0];
        const bc = c;
        const n = src.channels;
        const eps = bc.epsilon as number;
        const gamma = bc.scale ? weight(`${layer.name}/gamma`).data : new Float32Array(n).fill(1);
        const beta = bc.center ? weight(`${layer.name}/beta`).data : new Float32Array(n);
        const mean = weight(`${layer.name}/moving_mean`).data;
        const variance = weight(`${layer.name}/moving_variance`).data;
        const scale = new Float32Array(n);
        const shift = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
          shift[i] = beta[i] - mean[i] * scale[i];
        }
        params += 2 * n;
        const x = materialise(src, `${layer.name}_pad`);
        const mul = g.op('Mul', [x, g.constant(scale, [1, n, 1, 1], `${layer.name}.scale`)]);
        g.op('Add', [mul, g.constant(shift, [1, n, 1, 1], `${layer.name}.shift`)], {}, layer.name);
        produced.set(layer.name, { tensor: layer.name, channels: n });
        break;
      }
      case 'ReLU': {
        const maxValue = c.max_value as number | null;
        if ((c.negative_slope as number) !== 0 || (c.threshold as number) !== 0) throw new Error(`layer ${layer.name}: leaky/thresholded ReLU not supported`);
        const x = materialise(srcs[0], `${layer.name}_pad`);
        if (maxValue === null || maxValue === undefined) g.op('Relu', [x], {}, layer.name);
        else g.op('Clip', [x, g.constant(new Float32Array([0]), [], `${layer.name}.min`), g.constant(new Float32Array([maxValue]), [], `${layer.name}.max`)], {}, layer.name);
        produced.set(layer.name, { tensor: layer.name, channels: srcs[0].channels });
        break;
      }
      case 'Add': {
        if (srcs.some((s) => s.channels !== srcs[0].channels)) throw new Error(`layer ${layer.name}: channel mismatch`);
        const xs = srcs.map((s, i) => materialise(s, `${layer.name}_pad${i}`));
        let acc = xs[0];
        for (let i = 1; i < xs.length; i++) acc = g.op('Add', [acc, xs[i]], {}, i === xs.length - 1 ? layer.name : undefined);
        produced.set(layer.name, { tensor: layer.name, channels: srcs[0].channels });
        break;
      }
    }
  }

  const outputs: { name: string; channels: number }[] = [];
  for (const tap of opts.taps) {
    const p = produced.get(tap)!;
    if (p.pads) throw new Error(`tap ${tap} is a padding layer; tap its consumer instead`);
    if (p.tensor !== tap) throw new Error(`tap ${tap} was folded into ${p.tensor}; tap the BatchNormalization/activation after it`);
    g.output(tap, ['N', p.channels, `${tap}_h`, `${tap}_w`]);
    outputs.push({ name: tap, channels: p.channels });
  }
  if (opts.globalPool) {
    const p = produced.get(opts.globalPool.of)!;
    const pooled = g.op('GlobalAveragePool', [p.tensor]);
    g.op('Flatten', [pooled], { axis: 1 }, opts.globalPool.name);
    g.output(opts.globalPool.name, ['N', p.channels]);
    outputs.push({ name: opts.globalPool.name, channels: p.channels });
  }
  const bytes = g.toBytes({ opset: 17, producer: 'xray-anomaly-review/scripts/models', docString: opts.docString, metadata: opts.metadata });
  return { bytes, outputs, parameterCount: params };
}

