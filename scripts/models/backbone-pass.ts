/**
 * The reference run of bench:fit: one pass of the fit's own feature extraction over a folder (read,
 * decode, the backbone manifest's preprocessing, the backbone cut at its tap, in batches of 8) and
 * nothing else, in a process of its own. Prints {images, seconds, peakRssMB} as JSON.
 *   node --import tsx scripts/models/backbone-pass.ts <folder> [--threads 2]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { decodeImage } from '../../src/core/decode/index';
import { FeatureExtractor } from '../../src/core/fit/backbone';
import { DEFAULT_DECODE_LIMITS } from '../../src/core/image/types';
import { parseBackboneManifest } from '../../src/core/model/backbone';
import { prepareInputs } from '../../src/core/preprocess/pipeline';
import { nodeScanFs } from '../../src/cli/scoring';
import { ortCompute } from '../../src/engine/ortCompute';
import { argValue, ROOT } from './protocol';

async function main(argv: string[]): Promise<void> {
  const folder = argv[0];
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const bbPath = join(ROOT, 'models/backbones/mobilenetv2-nsfwjs.backbone.json');
  const backbone = parseBackboneManifest(readFileSync(bbPath, 'utf8'), bbPath);
  const be = ortCompute({ threads });
  const t0 = performance.now();
  const fx = await FeatureExtractor.open(be, backbone, readFileSync(join(dirname(bbPath), backbone.onnx)), 'bb');
  const files = await scanImages(folder, nodeScanFs);
  const size = 3 * backbone.input.height * backbone.input.width;
  let images = 0;
  for (let b = 0; b < files.length; b += 8) {
    const tensors: Float32Array[] = [];
    for (const f of files.slice(b, b + 8)) {
      const img = await decodeImage(readFileSync(join(folder, f)), f, DEFAULT_DECODE_LIMITS);
      tensors.push(...prepareInputs(img, { input: backbone.input, preprocessing: backbone.preprocessing } as never).map((p) => p.tensor));
    }
    const x = new Float32Array(tensors.length * size);
    tensors.forEach((t, i) => x.set(t, i * size));
    await fx.run(x, tensors.length);
    images += tensors.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  await be.release();
  console.log(JSON.stringify({ images, seconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
