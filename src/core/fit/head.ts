/**
 * The fitted detector as an ONNX graph on top of backbone feature maps, so scoring runs anywhere ONNX
 * runs and gives exactly the in-memory scores: input `features` [N, C, h, w] (the recipe's tap);
 * outputs `pred_score` [N] (combined, standardised score; compare with the calibrated threshold) and
 * `anomaly_map` [N, 1, h*stride, w*stride] (patch distances, centred per position and standardised by
 * the calibration patches when the detector has them, bilinearly upsampled to input pixels and Gaussian-smoothed, as anomalib
 * does for PatchCore). With a fine map (fineMap.ts) a second input `fine_features` (recipe.local.fineMap.tap) and the
 * map is drawn on that finer grid. Join it to a backbone with composeModels.
 */
import { XrayError } from '../errors';
import { GraphBuilder } from '../onnx/builder';
import { addMeanStdPool } from './features';
import { addNearest, candidateCount } from './nearest';
import { addPositional } from './positional';
import { addFineMapNodes } from './fineMap';
import type { FittedDetector } from './detector';

export interface HeadOptions {
  /** Input pixels per feature-map cell (16 for block_10_expand_relu). */
  stride: number;
  /** Gaussian smoothing of the upsampled map, in input pixels (anomalib PatchCore: 4); 0 = none. */
  blurSigma?: number;
  /** Also output the two parts (`global_score`, `local_score`) for diagnostics. */
  partsOutputs?: boolean;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.round(4 * sigma));
  const k = Float32Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}

/**
 * The worst-place part (worstPlace.ts) on the centred distances [N, h*w]: the inner field's k highest
 * values, averaged, standardised and weighted. TopK sorts descending, as worstPlaceScores sums. Gated:
 * w · max(0, (x − mean)/sd − gate) = (w/sd) · Relu(x − (mean + gate·sd)).
 */
function addWorstPlace(
  g: GraphBuilder,
  det: FittedDetector,
  centred: string,
  n: string,
  hw: string,
  partsOutputs?: boolean,
): string {
  const { k, inset } = det.worst!;
  const worst = addTopMean(g, centred, n, hw, k, inset, partsOutputs ? 'worst_score' : undefined);
  if (partsOutputs) g.output('worst_score', ['N']);
  const { mean, sd } = det.worstStd!;
  const z = (det.recipe.local.worst?.weight ?? 0) / sd;
  const gate = det.worstGate;
  const above = g.op('Sub', [worst, g.constant(new Float32Array([gate === undefined ? mean : mean + gate * sd]), [])]);
  return g.op('Mul', [gate === undefined ? above : g.op('Relu', [above]), g.constant(new Float32Array([z]), [])]);
}

/** Mean of the k highest values of the inner field (`inset` cells in) of centred maps [N, h*w] -> [N]. */
function addTopMean(
  g: GraphBuilder,
  centred: string,
  n: string,
  hw: string,
  k: number,
  inset: number,
  output?: string,
): string {
  const i64 = (...v: number[]) => g.constant(new BigInt64Array(v.map(BigInt)), [v.length]);
  let field = g.op('Reshape', [centred, g.op('Concat', [n, i64(1), hw], { axis: 0 })]); // [N,1,h,w]
  if (inset > 0) field = g.op('Slice', [field, i64(inset, inset), i64(-inset, -inset), i64(2, 3)]);
  const flat = g.op('Reshape', [field, g.op('Concat', [n, i64(-1)], { axis: 0 })]);
  const [top] = g.node('TopK', [flat, i64(k)], { axis: 1, largest: 1, sorted: 1 }, 2);
  return g.op('ReduceMean', [top], { axes: [1], keepdims: 0 }, output);
}

/** Builds the head graph for a fitted detector. */
export function buildDetectorHead(det: FittedDetector, opts: HeadOptions): GraphBuilder {
  const g = new GraphBuilder('detector_head');
  const x = g.input('features', ['N', det.bank?.bank.cols ?? det.gaussian!.dim / 2, 'h', 'w']);
  // The fine map's tap (fineMap.ts), a second input joined to the backbone by composeModels.
  const fine = det.bank && det.fine?.centring ? det.fine : undefined;
  const fx = fine ? g.input('fine_features', ['N', fine.ref.c, 'fh', 'fw']) : undefined;
  const parts: string[] = [];
  // The shown map's worst place [N] (det.fineScore), before its standardiser, when the image score reads it.
  let fineTop: string | undefined;

  if (det.gaussian && det.globalStd) {
    const d = det.gaussian.dim;
    const pooled = addMeanStdPool(g, x, { log1p: det.recipe.global.log1p, margin: det.globalMargin });
    const xc = g.op('Sub', [pooled, g.constant(det.gaussian.mean, [1, d], 'gaussian.mean')]);
    const y = g.op('MatMul', [xc, g.constant(det.gaussian.precision, [d, d], 'gaussian.precision')]);
    const d2 = g.op('ReduceSum', [g.op('Mul', [y, xc]), g.constant(new BigInt64Array([1n]), [1])], { keepdims: 0 });
    const dist = g.op(
      'Sqrt',
      [g.op('Max', [d2, g.constant(new Float32Array([0]), [])])],
      {},
      opts.partsOutputs ? 'global_score' : undefined,
    );
    const z = det.recipe.global.weight / det.globalStd.sd;
    parts.push(
      g.op('Mul', [
        g.op('Sub', [dist, g.constant(new Float32Array([det.globalStd.mean]), [])]),
        g.constant(new Float32Array([z]), []),
      ]),
    );
    if (opts.partsOutputs) g.output('global_score', ['N']);
  }

  if (det.bank && det.localStd) {
    if (det.bank.projection)
      throw new XrayError('INTERNAL', 'exporting a projected memory bank is not supported; fit with projectTo 0');
    const { rows: m, cols: c } = det.bank.bank;
    const pooled = g.op('AveragePool', [x], {
      kernel_shape: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      count_include_pad: 0,
    });
    // [N,C,h,w] -> [N,h*w,C]
    const shape = g.op('Shape', [x]);
    const slice = (a: bigint, b: bigint) =>
      g.op('Slice', [shape, g.constant(new BigInt64Array([a]), [1]), g.constant(new BigInt64Array([b]), [1])]);
    const n = slice(0n, 1n);
    const hw = slice(2n, 4n);
    const rowsOf = g.op('Reshape', [
      g.op('Transpose', [pooled], { perm: [0, 2, 3, 1] }),
      g.constant(new BigInt64Array([-1n, BigInt(c)]), [2]),
    ]); // [N*h*w, C]
    // The fit-time search's own nodes (nearest.ts), so the file reproduces the fitted distances.
    const nn = addNearest(g, {
      queries: rowsOf,
      bank: g.constant(det.bank.bank.data, [m, c], 'bank.rows'),
      centre: g.constant(det.bank.centring.centre, [1, c], 'bank.centre'),
      centredSq: g.constant(det.bank.centring.centredSq, [1, m], 'bank.centred_sq'),
      k: g.constant(new BigInt64Array([1n]), [1]),
      candidates: g.constant(new BigInt64Array([BigInt(candidateCount(1, m))]), [1]),
    });
    const nearest = g.op('Reshape', [
      nn.dist2,
      g.op('Concat', [n, g.constant(new BigInt64Array([-1n]), [1])], { axis: 0 }),
    ]); // [N, h*w]
    const dist = g.op('Sqrt', [nearest]);
    const local = g.op('ReduceMean', [dist], { axes: [1], keepdims: 0 }, opts.partsOutputs ? 'local_score' : undefined);
    if (opts.partsOutputs) g.output('local_score', ['N']);
    const z = det.recipe.local.weight / det.localStd.sd;
    parts.push(
      g.op('Mul', [
        g.op('Sub', [local, g.constant(new Float32Array([det.localStd.mean]), [])]),
        g.constant(new Float32Array([z]), []),
      ]),
    );

    // Map: [N,1,h,w] -> bilinear x stride (half-pixel centres, as torch's interpolate) -> Gaussian blur.
    // Standardised by the calibration patches' mean and sd when known (both steps after it are linear
    // with unit gain, so standardising the coarse map equals standardising the final one).
    // First centred per position (detector.ts mapCentring): the image score above read the raw distances.
    const pc = det.mapCentring;
    const centred = pc
      ? g.op('Div', [
          g.op('Sub', [dist, g.constant(pc.offset, [1, pc.offset.length], 'map.offset')]),
          g.constant(pc.scale, [1, pc.scale.length], 'map.scale'),
        ])
      : dist;
    if (det.worst && det.worstStd) parts.push(addWorstPlace(g, det, centred, n, hw, opts.partsOutputs));
    const pos = det.positional;
    if (pos?.centring && pos.std) {
      // The position-aware part (positional.ts): its own map, centred per position, worst place, standardised.
      const pd = addPositional(g, pooled, pos.ref, n);
      const pc = g.op('Div', [
        g.op('Sub', [pd, g.constant(pos.centring.offset, [1, pos.centring.offset.length], 'positional.offset')]),
        g.constant(pos.centring.scale, [1, pos.centring.scale.length], 'positional.scale'),
      ]);
      const top = addTopMean(
        g,
        pc,
        n,
        hw,
        pos.worst.k,
        pos.worst.inset,
        opts.partsOutputs ? 'positional_score' : undefined,
      );
      if (opts.partsOutputs) g.output('positional_score', ['N']);
      parts.push(
        g.op('Mul', [
          g.op('Sub', [top, g.constant(new Float32Array([pos.std.mean]), [])]),
          g.constant(new Float32Array([(det.recipe.local.positional?.weight ?? 0) / pos.std.sd]), []),
        ]),
      );
    }
    const one = g.constant(new BigInt64Array([1n]), [1]);
    let gridShape = g.op('Concat', [n, one, hw], { axis: 0 });
    let shown = centred;
    let s = opts.stride;
    if (fine && fx) {
      // The shown map on the fine grid: the centred map repeated, plus the fine map's standard scores.
      const fpooled = g.op('AveragePool', [fx], {
        kernel_shape: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        count_include_pad: 0,
      });
      const fd = addPositional(g, fpooled, fine.ref, n, 'fine.refs');
      const fz = g.op('Div', [
        g.op('Sub', [fd, g.constant(fine.centring!.offset, [1, fine.centring!.offset.length], 'fine.offset')]),
        g.constant(fine.centring!.scale, [1, fine.centring!.scale.length], 'fine.scale'),
      ]);
      const fshape = g.op('Shape', [fx]);
      const fhw = g.op('Slice', [
        fshape,
        g.constant(new BigInt64Array([2n]), [1]),
        g.constant(new BigInt64Array([4n]), [1]),
      ]);
      const fineShape = g.op('Concat', [n, one, fhw], { axis: 0 });
      shown = addFineMapNodes(g, centred, fz, gridShape, fineShape, fine.factor, n);
      if (det.fineScore) fineTop = addTopMean(g, shown, n, fhw, det.fineScore.k, det.fineScore.inset);
      gridShape = fineShape;
      s = opts.stride / fine.factor;
    }
    const mapped = det.mapStd
      ? g.op(
          'Div',
          [
            g.op('Sub', [shown, g.constant(new Float32Array([det.mapStd.mean]), [], 'map.mean')]),
            g.constant(new Float32Array([det.mapStd.sd]), [], 'map.sd'),
          ],
          {},
          opts.partsOutputs ? 'shown_map' : undefined,
        )
      : g.op('Identity', [shown], {}, opts.partsOutputs ? 'shown_map' : undefined);
    if (opts.partsOutputs) g.output('shown_map', ['N', 'cells']);
    const map = g.op('Reshape', [mapped, gridShape]);
    let up = g.op('Resize', [map, '', g.constant(new Float32Array([1, 1, s, s]), [4])], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
    const sigma = opts.blurSigma ?? 4;
    if (sigma > 0) {
      const k = gaussianKernel(sigma);
      const r = (k.length - 1) / 2;
      // Separable blur with reflected borders (anomalib's GaussianBlur2d uses reflect padding).
      const padded = g.op('Pad', [up, g.constant(new BigInt64Array([0, 0, r, r, 0, 0, r, r].map(BigInt)), [8])], {
        mode: 'reflect',
      });
      const h1 = g.op('Conv', [padded, g.constant(k, [1, 1, 1, k.length], 'blur.row')]);
      up = g.op('Conv', [h1, g.constant(k, [1, 1, k.length, 1], 'blur.col')]);
    }
    g.op('Identity', [up], {}, 'anomaly_map');
    g.output('anomaly_map', ['N', 1, 'H', 'W']);
  }
  let score = parts[0];
  for (let i = 1; i < parts.length; i++) score = g.op('Add', [score, parts[i]]);
  const fs = det.fineScore;
  if (fs && !fineTop) throw new XrayError('INTERNAL', 'the image score reads the fine map, but the head has none');
  if (fs && fineTop) {
    // max((score − mean)/sd, (top − mean)/sd − offset), as combine.ts maxStandardised.
    const z = (v: string, std: { mean: number; sd: number }) =>
      g.op('Div', [
        g.op('Sub', [v, g.constant(new Float32Array([std.mean]), [])]),
        g.constant(new Float32Array([std.sd]), []),
      ]);
    const lifted = g.op('Sub', [z(fineTop, fs.std), g.constant(new Float32Array([fs.offset]), [])]);
    score = g.op('Max', [z(score, fs.scoreStd), lifted]);
  }
  g.op('Identity', [score], {}, 'pred_score');
  g.output('pred_score', ['N']);
  return g;
}
