/**
 * `tsx scripts/models/experiments/half-refs.ts [--model <manifest with a float32 fine map>] [--per 20]`: does
 * storing the fine map's references in half precision (fineMap.ts, GraphBuilder.constantFloat16) change what the
 * viewer shows on real chest radiographs? Takes a model whose fine references are float32 (fitted before the
 * switch), writes the same model with them as a float16 constant and a Cast, and runs both with onnxruntime-node
 * on the CPU on test-dev images (the first `per` of each class): the largest change of the raw `anomaly_map` and
 * of `pred_score`, relative to the map's range, and how often the map's peak moves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { decodeImage } from '../../../src/core/decode/index';
import { parseManifest } from '../../../src/core/model/validate';
import { toFloat16 } from '../../../src/core/onnx/float16';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { argValue, ROOT } from '../protocol';
import { devSample } from './dataset';

function halfModel(bytes: Uint8Array): { bytes: Uint8Array; name: string; mb: [number, number] } {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const t = g.initializer!.find((i) => i.name!.endsWith('fine.refs'));
  if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error('no float32 fine.refs in the model');
  const raw = t.rawData!;
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const name = t.name!;
  const bits = toFloat16(values);
  t.name = `${name}.half`;
  t.dataType = onnx.TensorProto.DataType.FLOAT16;
  t.rawData = new Uint8Array(bits.buffer);
  g.node!.unshift({ opType: 'Cast', input: [t.name], output: [name], name: `${name}.cast`, attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }] });
  const out = onnx.ModelProto.encode(m).finish();
  return { bytes: out, name, mb: [bytes.byteLength / 1e6, out.byteLength / 1e6] };
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = argValue(argv, '--model') ?? join(ROOT, 'test-output/cand-fine-edge/chest-patchcore.model.json');
  const per = Number(argValue(argv, '--per') ?? 20);
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const full = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const half = halfModel(full);
  const opts = { intraOpNumThreads: 1, executionProviders: ['cpu'] };
  const [s32, s16] = [await ort.InferenceSession.create(full, opts), await ort.InferenceSession.create(half.bytes, opts)];
  const files = devSample(per);
  let worstMap = 0;
  let worstRel = 0;
  let worstScore = 0;
  let peaksMoved = 0;
  let maxNeighbour = 0;
  for (const f of files) {
    const prepared = prepareInput(await decodeImage(readFileSync(f), f), manifest);
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]) };
    const [a, b] = [await s32.run(feeds), await s16.run(feeds)];
    const ma = a[manifest.outputs.anomalyMap!].data as Float32Array;
    const mb = b[manifest.outputs.anomalyMap!].data as Float32Array;
    let lo = Infinity;
    let hi = -Infinity;
    let d = 0;
    for (let i = 0; i < ma.length; i++) {
      lo = Math.min(lo, ma[i]);
      hi = Math.max(hi, ma[i]);
      d = Math.max(d, Math.abs(ma[i] - mb[i]));
    }
    worstMap = Math.max(worstMap, d);
    worstRel = Math.max(worstRel, d / (hi - lo));
    const sa = (a[manifest.outputs.score!].data as Float32Array)[0];
    const sb = (b[manifest.outputs.score!].data as Float32Array)[0];
    worstScore = Math.max(worstScore, Math.abs(sa - sb));
    const pa = ma.indexOf(hi);
    const pb = mb.indexOf(Math.max(...mb));
    if (pa !== pb) {
      peaksMoved++;
      const side = Math.round(Math.sqrt(ma.length / prepared.dims[0]));
      maxNeighbour = Math.max(maxNeighbour, Math.hypot((pa % side) - (pb % side), Math.floor(pa / side) - Math.floor(pb / side)));
    }
  }
  console.log(`${manifest.id} ${manifest.version}: ${half.name} float32 -> float16; file ${half.mb[0].toFixed(1)} MB -> ${half.mb[1].toFixed(1)} MB`);
  console.log(`${files.length} test-dev images (onnxruntime-node ${ort.env.versions?.common ?? ''} CPU): anomaly_map largest change ${worstMap.toExponential(2)} (${(100 * worstRel).toFixed(3)}% of the image's map range); pred_score largest change ${worstScore.toExponential(2)}; peak moved on ${peaksMoved} (at most ${maxNeighbour.toFixed(1)} px)`);
  await s32.release();
  await s16.release();
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
