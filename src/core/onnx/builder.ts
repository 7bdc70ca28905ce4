/**
 * Writes ONNX models from TypeScript. Used to generate test models with known outputs, and by the
 * fitting code to write self-contained detectors (backbone + memory bank + scoring) as one plain ONNX
 * file that any runtime loads. Raw tensor bytes go in `raw_data` so large weights stay compact.
 */
import { onnx } from 'onnx-proto';
import { toFloat16 } from './float16';

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;
export type AttrValue =
  | number
  | number[]
  | string
  | Float32Array
  | { floats: number[] }
  | { ints: number[] }
  | { tensor: { data: TensorData; dims: number[] } };

const DT = onnx.TensorProto.DataType;

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return DT.FLOAT;
  if (data instanceof Int32Array) return DT.INT32;
  if (data instanceof BigInt64Array) return DT.INT64;
  return DT.UINT8;
}

function tensorProto(name: string, data: TensorData, dims: number[]): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: dataTypeOf(data),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function valueInfo(name: string, elemType: number, dims?: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if (v instanceof Float32Array) return { name, type: A.FLOATS, floats: Array.from(v) };
  if ('floats' in v) return { name, type: A.FLOATS, floats: v.floats };
  if ('ints' in v) return { name, type: A.INTS, ints: v.ints };
  return { name, type: A.TENSOR, t: tensorProto(name, v.tensor.data, v.tensor.dims) };
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly name = 'graph') {}

  input(name: string, dims: (number | string)[], elemType: number = DT.FLOAT): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims?: (number | string)[], elemType: number = DT.FLOAT): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Adds a constant tensor and returns its name. */
  constant(data: TensorData, dims: number[], name = this.fresh('c')): string {
    this.initializers.push(tensorProto(name, data, dims));
    return name;
  }

  /**
   * Adds a float32 constant stored in half precision (half the bytes) and a Cast back to float32; returns the
   * Cast's output. The graph then computes with the values roundToFloat16 gives.
   */
  constantFloat16(data: Float32Array, dims: number[], name = this.fresh('c')): string {
    const bits = toFloat16(data);
    this.initializers.push({
      name,
      dims,
      dataType: DT.FLOAT16,
      rawData: new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength),
    });
    return this.op('Cast', [name], { to: DT.FLOAT });
  }

  /** Adds a node; returns its output names (fresh names unless given). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: string[] | number = 1,
  ): string[] {
    const outs =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs;
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: this.fresh(`${opType}_node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Single-output convenience. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(opType, inputs, attrs, output ? [output] : 1)[0];
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  toBytes(
    opts: { opset?: number; producer?: string; docString?: string; metadata?: Record<string, string> } = {},
  ): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: opts.producer ?? 'xray-anomaly-review',
      opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
      docString: opts.docString,
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

export { DT as OnnxDataType };
