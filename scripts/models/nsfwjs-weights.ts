/**
 * Reads the MobileNetV2 that the npm package `nsfwjs` ships as two JavaScript wrappers around a tfjs
 * Keras-layers model: `model.min.js` exports `{ modelTopology, weightsManifest }` (the model.json) and
 * `group1-shard1of1.min.js` exports the weight shard as one base64 string. The weights are stored
 * uint8-quantized per tensor; tfjs dequantizes them as `q * scale + min`, and so do we, so the converted
 * network sees exactly the numbers tfjs sees.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** Keras functional-API wiring: [[[sourceLayer, nodeIndex, tensorIndex, kwargs], ...]]. */
  inbound_nodes: [string, number, number, unknown][][];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}

export interface KerasArtifacts {
  /** The parsed model.json topology (what tfjs.io.fromMemory takes as `modelTopology`). */
  modelTopology: { model_config: { class_name: string; config: { layers: KerasLayer[]; output_layers?: unknown } } } & Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** The raw (still quantized) weight shard, exactly as tfjs would receive it. */
  weightData: ArrayBuffer;
}

export interface DequantizedTensor {
  shape: number[];
  data: Float32Array;
}

/** Directory of the nsfwjs MobileNetV2 (alpha 1.0, 224) model inside node_modules. */
export function nsfwjsMobileNetV2Dir(fromDir = process.cwd()): string {
  const req = createRequire(join(fromDir, 'package.json'));
  // The package's "exports" map hides package.json, so resolve a public entry point and walk up from it.
  const entry = req.resolve('nsfwjs'); // .../nsfwjs/dist/cjs/index.js
  return join(dirname(entry), '..', 'models', 'mobilenet_v2');
}

export function readNsfwjsArtifacts(modelDir = nsfwjsMobileNetV2Dir()): KerasArtifacts {
  const req = createRequire(join(modelDir, 'x.js'));
  const json = req('./model.min.js') as { modelTopology: KerasArtifacts['modelTopology']; weightsManifest: { paths: string[]; weights: WeightSpec[] }[] };
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${modelDir}/model.min.js does not export a tfjs model.json (modelTopology + weightsManifest)`);
  }
  if (json.weightsManifest.length !== 1 || json.weightsManifest[0].paths.length !== 1) {
    throw new Error('expected exactly one weight group with one shard (group1-shard1of1)');
  }
  const b64 = req('./group1-shard1of1.min.js') as unknown;
  if (typeof b64 !== 'string') throw new Error(`${modelDir}/group1-shard1of1.min.js does not export a base64 string`);
  const bytes = Buffer.from(b64, 'base64');
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData };
}

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2, float32: 4 };

/** Dequantizes every tensor of the shard, in manifest order, exactly as tfjs-core's io.decodeWeights does. */
export function dequantizeWeights(art: KerasArtifacts): Map<string, DequantizedTensor> {
  const out = new Map<string, DequantizedTensor>();
  const view = new Uint8Array(art.weightData);
  let offset = 0;
  for (const spec of art.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const storage = q ? q.dtype : spec.dtype;
    const width = BYTES[storage];
    if (!width) throw new Error(`weight ${spec.name}: unsupported storage dtype ${storage}`);
    if (offset + size * width > view.byteLength) throw new Error(`weight shard too short at ${spec.name}`);
    const data = new Float32Array(size);
    if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      if (q.scale === undefined || q.min === undefined) throw new Error(`weight ${spec.name}: affine quantization without scale/min`);
      const src = q.dtype === 'uint8' ? view.subarray(offset, offset + size) : new Uint16Array(art.weightData.slice(offset, offset + size * 2));
      // Float32 arithmetic, as tfjs does it (Float32Array stores each product-plus-min).
      for (let i = 0; i < size; i++) data[i] = src[i] * q.scale + q.min;
    } else if (!q && spec.dtype === 'float32') {
      data.set(new Float32Array(art.weightData.slice(offset, offset + size * 4)));
    } else {
      throw new Error(`weight ${spec.name}: unsupported encoding ${JSON.stringify(q ?? spec.dtype)}`);
    }
    out.set(spec.name, { shape: spec.shape, data });
    offset += size * width;
  }
  if (offset !== view.byteLength) throw new Error(`weight shard has ${view.byteLength - offset} unexpected trailing bytes`);
  return out;
}
