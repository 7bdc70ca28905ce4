/**
 * Running a backbone for fitting: check the ONNX file against its backbone manifest before any long
 * work (input name/rank/size, the tap exists, one trial image gives [1, C, h, w] maps at an integer
 * stride), then turn batches of prepared images into feature maps of the tap. The file is cut at the tap
 * first, so nothing past it runs.
 */
import { XrayError } from '../errors';
import type { BackboneManifest } from '../model/backbone';
import { extractSubmodel, inspectModel, type OnnxGraphInfo } from '../onnx/compose';
import { type ComputeBackend, f32 } from './compute';
import type { FeatureMaps } from './features';
import { fineFactor } from './fineMap';

export interface TapShape {
  c: number;
  h: number;
  w: number;
  /** Input pixels per feature-map cell. */
  stride: number;
  /** The fine tap's maps (FeatureExtractor.open's fineTap), when asked for. */
  fine?: { c: number; h: number; w: number };
}

/** Problems between a backbone manifest and what its ONNX file declares; empty when they fit. */
export function backboneIOProblems(b: BackboneManifest, info: OnnxGraphInfo): string[] {
  const problems: string[] = [];
  const names = (l: string[]) => (l.length ? l.map((n) => `'${n}'`).join(', ') : 'none');
  const input = info.inputs.find((i) => i.name === b.input.name);
  if (!input)
    problems.push(
      `input '${b.input.name}' is not an input of the ONNX file (its inputs: ${names(info.inputs.map((i) => i.name))})`,
    );
  else {
    const others = info.inputs.filter((i) => i !== input);
    if (others.length)
      problems.push(
        `the ONNX file has other inputs (${names(others.map((i) => i.name))}); a backbone takes one image input`,
      );
    const d = input.dims;
    if (d.length && d.length !== 4)
      problems.push(`input '${input.name}' has ${d.length} dimensions; expected 4 (batch, channels, height, width)`);
    else if (d.length === 4) {
      const fixed = (v: number | string): v is number => typeof v === 'number';
      if (fixed(d[0]) && d[0] !== 1)
        problems.push(`input '${input.name}' has a fixed batch size of ${d[0]}; it must be 1 or dynamic`);
      if (fixed(d[1]) && d[1] !== b.input.channels)
        problems.push(
          `the network expects ${d[1]} channel(s) but the manifest says input.channels = ${b.input.channels}`,
        );
      if ((fixed(d[2]) && d[2] !== b.input.height) || (fixed(d[3]) && d[3] !== b.input.width)) {
        problems.push(
          `the network expects ${fixed(d[3]) ? d[3] : 'any'}x${fixed(d[2]) ? d[2] : 'any'} pixels (width x height) but the manifest says ${b.input.width}x${b.input.height}`,
        );
      }
    }
  }
  if (!info.tensors.has(b.tap) && !info.outputs.includes(b.tap)) {
    problems.push(`tap '${b.tap}' is not a tensor of the ONNX file (its outputs: ${names(info.outputs)})`);
  }
  return problems;
}

export class FeatureExtractor {
  private constructor(
    private readonly be: ComputeBackend,
    private readonly key: string,
    private readonly model: Uint8Array,
    readonly backbone: BackboneManifest,
    readonly shape: TapShape,
    private readonly fineTap?: string,
  ) {}

  /**
   * Checks the backbone and runs one blank image through it. Throws MODEL_INPUT_MISMATCH (what does
   * not fit, all at once) or MODEL_LOAD_FAILED (not a loadable ONNX model).
   */
  static async open(
    be: ComputeBackend,
    backbone: BackboneManifest,
    onnxBytes: Uint8Array,
    key: string,
    /** Also this tensor's maps, for the fine map (fineMap.ts); must be a whole multiple of the tap's grid. */
    fineTap?: string,
  ): Promise<FeatureExtractor> {
    let info: OnnxGraphInfo;
    try {
      info = inspectModel(onnxBytes);
    } catch (err) {
      throw new XrayError(
        'MODEL_LOAD_FAILED',
        `The backbone '${backbone.name}' (${backbone.onnx}) is not a readable ONNX file.`,
        String(err),
      );
    }
    const problems = backboneIOProblems(backbone, info);
    if (problems.length)
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `The backbone '${backbone.name}' does not match its manifest: ${problems.join('; ')}.`,
      );
    if (fineTap && !info.tensors.has(fineTap) && !info.outputs.includes(fineTap))
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `The backbone '${backbone.name}' has no tensor '${fineTap}' for the fine map.`,
      );
    const model = extractSubmodel(onnxBytes, fineTap ? [backbone.tap, fineTap] : [backbone.tap]);
    const { channels, height, width } = backbone.input;
    let out;
    try {
      out = await be.run(key, () => model, {
        [backbone.input.name]: f32(new Float32Array(channels * height * width), [1, channels, height, width]),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `The backbone '${backbone.name}' cannot run on a ${channels}x${height}x${width} input: ${message.split('\n')[0]}`,
        message,
      );
    }
    const dims = out[backbone.tap]?.dims ?? [];
    if (dims.length !== 4 || dims[0] !== 1) {
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `The backbone's tap '${backbone.tap}' gives shape [${dims.join(', ')}]; feature maps [N, C, h, w] are needed.`,
      );
    }
    const [, c, h, w] = dims;
    const stride = height / h;
    if (!Number.isInteger(stride) || width / w !== stride) {
      throw new XrayError(
        'MODEL_INPUT_MISMATCH',
        `The backbone's tap '${backbone.tap}' is ${w}x${h} for a ${width}x${height} input; the input size must be the same whole multiple of both (choose an input size divisible by the network's stride).`,
      );
    }
    let fine: TapShape['fine'];
    if (fineTap) {
      const fd = out[fineTap]?.dims ?? [];
      if (fd.length !== 4 || fd[0] !== 1)
        throw new XrayError(
          'MODEL_INPUT_MISMATCH',
          `The backbone's fine tap '${fineTap}' gives shape [${fd.join(', ')}].`,
        );
      fine = { c: fd[1], h: fd[2], w: fd[3] };
      fineFactor({ h, w }, fine);
    }
    return new FeatureExtractor(be, key, model, backbone, { c, h, w, stride, ...(fine ? { fine } : {}) }, fineTap);
  }

  /** Feature maps of `n` prepared inputs laid out back to back (NCHW each, as prepareInput makes them). */
  async run(inputs: Float32Array, n: number): Promise<FeatureMaps> {
    const { channels, height, width, name } = this.backbone.input;
    const out = await this.be.run(this.key, () => this.model, { [name]: f32(inputs, [n, channels, height, width]) });
    const t = out[this.backbone.tap];
    const { c, h, w } = this.shape;
    if (t.dims.join() !== [n, c, h, w].join())
      throw new XrayError('INTERNAL', `backbone gave [${t.dims}] for a batch of ${n}; expected [${[n, c, h, w]}]`);
    const f = this.shape.fine;
    if (!f || !this.fineTap) return { data: t.data as Float32Array, n, c, h, w };
    const ft = out[this.fineTap];
    if (ft.dims.join() !== [n, f.c, f.h, f.w].join())
      throw new XrayError('INTERNAL', `backbone gave fine maps [${ft.dims}] for a batch of ${n}`);
    return { data: t.data as Float32Array, n, c, h, w, fine: { data: ft.data as Float32Array, n, ...f } };
  }
}
