/**
 * `tsx scripts/models/experiments/fine-weight.ts --model <manifest with a fine map> [--weight W] [--blur S] --out <dir>`:
 * the same model with the fine map weighted W in the shown map (shown = centred tap map + W · fine standard
 * scores), by dividing the head's `fine.scale` constants by W, and/or the map's Gaussian blur at σ S px instead of
 * 4 (the kernel keeps its length); the image score and everything else unchanged (the map's standardiser is kept:
 * it moves neither the peak nor the hottest tenth that bench:planted measures).
 * Post hoc, for bench:planted (docs/experiments/local-evidence.md, round 4).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { onnx } from 'onnx-proto';
import { parseManifest } from '../../../src/core/model/validate';
import { argValue } from '../protocol';

const manifestPath = argValue(process.argv, '--model')!;
const weight = Number(argValue(process.argv, '--weight') ?? 1);
const blur = argValue(process.argv, '--blur');
const out = argValue(process.argv, '--out')!;
if (!manifestPath || !out || !(weight > 0)) throw new Error('--model, --weight > 0 and --out are needed');
const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
const m = onnx.ModelProto.decode(readFileSync(join(manifestPath, '..', manifest.onnx)));
const t = m.graph!.initializer!.find((i) => i.name!.endsWith('fine.scale'));
if (!t?.rawData) throw new Error('the model has no fine map');
const scale = new Float32Array(new Uint8Array(t.rawData).buffer);
for (let i = 0; i < scale.length; i++) scale[i] /= weight;
t.rawData = new Uint8Array(scale.buffer);
if (blur) {
  const sigma = Number(blur);
  for (const name of ['blur.row', 'blur.col']) {
    const b = m.graph!.initializer!.find((i) => i.name!.endsWith(name))!;
    const k = new Float32Array(new Uint8Array(b.rawData!).buffer);
    const r = (k.length - 1) / 2;
    let sum = 0;
    for (let i = 0; i < k.length; i++) sum += (k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    for (let i = 0; i < k.length; i++) k[i] /= sum;
    b.rawData = new Uint8Array(k.buffer);
  }
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, manifest.onnx), onnx.ModelProto.encode(m).finish());
copyFileSync(manifestPath, join(out, basename(manifestPath)));
console.log(`wrote ${out}: fine map weight ${weight}${blur ? `, blur σ ${blur} px` : ''}`);
