/**
 * Fills the feature cache: `tsx scripts/models/experiments/extract.ts <variant> [--spatial tapA,tapB]`.
 * Images: every normal plus the held-out pneumonia of each split.
 */
import { listItems, makeSplit, SPLIT_SEEDS } from './dataset';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { extract, VARIANTS, WIDE_MODEL, WIDE_TAPS } from './features';
import { convertKerasFeatureExtractor } from '../keras-to-onnx';
import { dequantizeWeights, readNsfwjsArtifacts } from '../nsfwjs-weights';

async function main(): Promise<void> {
  const [variantName = 'base', ...rest] = process.argv.slice(2);
  const variant = VARIANTS[variantName];
  if (!variant) throw new Error(`unknown variant ${variantName}; one of ${Object.keys(VARIANTS)}`);
  const sp = rest.indexOf('--spatial');
  const spatial = sp >= 0 ? rest[sp + 1].split(',') : [];
  if (variant.model === WIDE_MODEL && !existsSync(WIDE_MODEL)) {
    const art = readNsfwjsArtifacts();
    const m = convertKerasFeatureExtractor(art.modelTopology.model_config.config.layers, dequantizeWeights(art), { taps: WIDE_TAPS });
    mkdirSync(dirname(WIDE_MODEL), { recursive: true });
    writeFileSync(WIDE_MODEL, m.bytes);
  }
  const items = listItems();
  const wanted = new Set(items.filter((i) => !i.anomalous).map((i) => i.id));
  for (const seed of SPLIT_SEEDS) for (const i of makeSplit(items, seed).val) wanted.add(i.id);
  const chosen = rest.includes('--all-images') ? items : items.filter((i) => wanted.has(i.id));
  const t0 = Date.now();
  await extract(chosen, variant, spatial, { threads: Number(process.env.FIT_THREADS ?? 2), log: console.log });
  console.log(`${variantName}: ${chosen.length} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
