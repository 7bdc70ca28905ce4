/**
 * `npm run models:backbone` — converts the ImageNet-initialised MobileNetV2 shipped in the npm package
 * nsfwjs (MIT) into models/backbones/mobilenetv2-nsfwjs.onnx, a feature extractor with the taps below.
 * Deterministic: the same nsfwjs version gives byte-identical output (a unit test checks this).
 *
 *   npm run models:backbone [-- --out <file.onnx>] [--check]
 *     --check  do not write; exit 1 when the committed file differs from a fresh conversion.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { convertKerasFeatureExtractor, type ConvertedModel } from './keras-to-onnx';
import { dequantizeWeights, nsfwjsMobileNetV2Dir, readNsfwjsArtifacts } from './nsfwjs-weights';

export const BACKBONE_FILE = 'models/backbones/mobilenetv2-nsfwjs.onnx';

/**
 * Output taps (Keras layer names, kept as ONNX output names). Expand outputs are the widest activations
 * of each inverted-residual block, taken after ReLU6. At input H x W:
 *   block_3_expand_relu   144 ch, H/4    block_6_expand_relu   192 ch, H/8
 *   block_10_expand_relu  384 ch, H/16   block_13_expand_relu  576 ch, H/16
 *   block_16_expand_relu  960 ch, H/32   out_relu             1280 ch, H/32
 *   global_pool          1280 (mean of out_relu over space; the original classifier's input)
 */
export const BACKBONE_TAPS = [
  'block_3_expand_relu',
  'block_6_expand_relu',
  'block_10_expand_relu',
  'block_13_expand_relu',
  'block_16_expand_relu',
  'out_relu',
] as const;
export const BACKBONE_POOLED = 'global_pool';

/** What nsfwjs feeds the network: RGB, value / 255 (range [0, 1]); no mean/std. */
export const BACKBONE_NORMALIZATION = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], channels: 'RGB (greyscale replicated)' };

export function convertNsfwjsBackbone(modelDir = nsfwjsMobileNetV2Dir()): ConvertedModel {
  const art = readNsfwjsArtifacts(modelDir);
  const weights = dequantizeWeights(art);
  const pkg = JSON.parse(readFileSync(join(modelDir, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return convertKerasFeatureExtractor(art.modelTopology.model_config.config.layers, weights, {
    taps: [...BACKBONE_TAPS],
    globalPool: { of: 'out_relu', name: BACKBONE_POOLED },
    inputName: 'input',
    graphName: 'mobilenetv2_nsfwjs_features',
    docString:
      'MobileNetV2 (alpha 1.0) feature extractor converted from the tfjs weights in npm nsfwjs (MIT). ' +
      'Input: float [N,3,H,W] RGB in [0,1] (pixel/255); greyscale replicated to 3 channels. H, W multiples of 32 match tfjs exactly.',
    metadata: {
      source: `npm nsfwjs@${pkg.version} dist/models/mobilenet_v2 (tfjs Keras layers, uint8-quantized)`,
      license: 'MIT (nsfwjs); converted by scripts/models/backbone.ts',
      normalization: 'pixel / 255, RGB, no mean/std',
      taps: [...BACKBONE_TAPS, BACKBONE_POOLED].join(','),
    },
  });
}

function main(argv: string[]): number {
  const outIdx = argv.indexOf('--out');
  const out = resolve(outIdx >= 0 ? argv[outIdx + 1] : BACKBONE_FILE);
  const t0 = Date.now();
  const model = convertNsfwjsBackbone();
  if (argv.includes('--check')) {
    const same = existsSync(out) && Buffer.compare(readFileSync(out), Buffer.from(model.bytes)) === 0;
    console.log(same ? `${out} is up to date` : `${out} differs from a fresh conversion; run npm run models:backbone`);
    return same ? 0 : 1;
  }
  mkdirSync(dirname(out), { recursive: true });
  // Write then rename, so an interrupted run never leaves a truncated model behind.
  writeFileSync(`${out}.tmp`, model.bytes);
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}: ${(model.bytes.byteLength / 1e6).toFixed(2)} MB, ${model.parameterCount} parameters, ${Date.now() - t0} ms`);
  for (const o of model.outputs) console.log(`  output ${o.name}: ${o.channels} channels`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
