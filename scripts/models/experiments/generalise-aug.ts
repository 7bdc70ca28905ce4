/**
 * Fitting the Gaussian on TRAIN normals AND acquisition-augmented copies of them (src/core/fit/augment.ts):
 * does teaching the normal model that gamma/window/field changes are normal make it hold on new patients?
 * `tsx scripts/models/experiments/generalise-aug.ts [seed] [augVariants, comma-separated: g-aug,g-aug2]`
 */
import { matrix, vstack, type Matrix } from '../../../src/core/fit/compute';
import { FeatureCache } from './features';
import { gSplit } from './generalise-data';
import { be, gauss, HEADER, poolRegion, report } from './generalise';

async function main(): Promise<void> {
  const seed = Number(process.argv[2] ?? 2);
  const augs = (process.argv[3] ?? 'g-aug').split(',').map((v) => new FeatureCache(v));
  const base = new FeatureCache('g-base');
  const sp = gSplit(seed);
  const fitIds = sp.fit.map((i) => i.id);
  const valIds = sp.val.map((i) => i.id);
  const devIds = sp.dev.map((i) => i.id);
  console.log(`seed ${seed}: fit ${fitIds.length} normals + ${augs.length}x augmented copies; held-out TRAIN ${valIds.length}, test-dev ${devIds.length}`);
  console.log(HEADER);
  type Get = (c: FeatureCache, ids: string[]) => Matrix;
  const run = async (name: string, get: Get) => {
    const fitPlain = get(base, fitIds);
    const fitAug = vstack([fitPlain, ...augs.map((a) => get(a, fitIds))]);
    const v = get(base, valIds);
    const d = get(base, devIds);
    const [pv, pd] = await gauss(fitPlain, v, d);
    console.log(report(`plain ${name}`, pv, sp.val, pd, sp.dev));
    const [av, ad] = await gauss(fitAug, v, d);
    console.log(report(`+aug x${augs.length} ${name}`, av, sp.val, ad, sp.dev));
  };
  for (const t of ['block_10_expand_relu', 'block_13_expand_relu']) {
    const memo = new Map<string, Matrix>();
    const sp2 = (c: FeatureCache, ids: string[], key: string, f: (m: ReturnType<FeatureCache['spatial']>, n: number) => Matrix) => {
      const k = `${c.variant}:${key}:${ids === fitIds ? 'f' : ids === valIds ? 'v' : 'd'}`;
      if (!memo.has(k)) memo.set(k, f(c.spatial(ids, t), ids.length));
      return memo.get(k)!;
    };
    await run(`${t} log mean+std`, (c, ids) => sp2(c, ids, 'full', (m, n) => poolRegion(m, n)));
    await run(`${t} log mean+std centre 8x8`, (c, ids) => sp2(c, ids, 'c8', (m, n) => poolRegion(m, n, { r0: 3, r1: 11, c0: 3, c1: 11 })));
    await run(`${t} log mean+std centre 10x10`, (c, ids) => sp2(c, ids, 'c10', (m, n) => poolRegion(m, n, { r0: 2, r1: 12, c0: 2, c1: 12 })));
  }
  for (const t of ['block_6_expand_relu', 'block_16_expand_relu', 'out_relu']) await run(`${t} mean+std`, (c, ids) => c.pooled(ids, [t], 'meanstd'));
  void matrix;
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
