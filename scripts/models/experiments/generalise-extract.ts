/**
 * `tsx scripts/models/experiments/generalise-extract.ts <variant> [spatialTap...]`: fills the feature cache
 * for generalise.ts. Variants: those of features.ts, plus `synth` (every TRAIN normal with synthetic
 * opacities, src/core/fit/synthetic.ts, seeded) for the self-supervised head.
 */
import { addOpacity } from '../../../src/core/fit/synthetic';
import { augmentAcquisition } from '../../../src/core/fit/augment';
import { mulberry32 } from '../../../src/core/fit/random';
import { extract, VARIANTS, type Variant } from './features';
import { cacheItems, listPart } from './generalise-data';

let rng = mulberry32(11);
const EXTRA: Record<string, Variant> = {
  synth: { name: 'synth', size: 224, transform: (img, s) => addOpacity(img, s, s, rng) },
  aug: { name: 'aug', size: 224, transform: (img, s) => augmentAcquisition(img, s, s, rng) },
  /** Per-image percentile stretch (0.5 -> 0, 99.5 -> 1), as the product's `intensity` mode 'percentile'. */
  pct: {
    name: 'pct',
    size: 224,
    transform: (img) => {
      const s = Float32Array.from(img).sort();
      const at = (p: number) => {
        const x = (p / 100) * (s.length - 1);
        const i = Math.floor(x);
        return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * (x - i) : s[i];
      };
      const lo = at(0.5);
      const hi = at(99.5);
      return img.map((v) => Math.min(1, Math.max(0, (v - lo) / Math.max(1e-6, hi - lo))));
    },
  },
  aug2: { name: 'aug2', size: 224, transform: (img, s) => augmentAcquisition(img, s, s, rng) },
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'base';
  if (name === 'aug2') rng = mulberry32(12);
  const v = VARIANTS[name] ?? EXTRA[name];
  if (!v) throw new Error(`unknown variant ${name}`);
  const items = name === 'synth' || name.startsWith('aug') ? listPart('train').filter((i) => !i.anomalous) : cacheItems();
  console.log(`${items.length} images`);
  await extract(items, { ...v, name: `g-${name}` }, process.argv.slice(3), { log: console.log, threads: 1 });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
