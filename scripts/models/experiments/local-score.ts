/**
 * `tsx scripts/models/experiments/local-score.ts [--pipeline crop-inpaint-wide] [--reps 400]`: image scores
 * that look at the worst place as well as the whole (issues 11 and 12), on the product-path feature cache of
 * product-extract.ts. Fits the default recipe on the seed-2 fit normals (the same 15% patient-grouped
 * calibration hold-out as the product's fit), then scores held-out TRAIN, test-dev and bench:planted's
 * cases with several image scores built from the same fitted parts:
 *   G         the Gaussian of the central field (the global part, as shipped)
 *   Lmean     the mean patch distance (the local part, as shipped); G+Lmean is the shipped score
 *   Ltop<k>   mean of the k highest position-centred patch distances (the map the viewer draws), optionally
 *             only over the inner field (one or two cells in from each side: body, not borders)
 * and sums of calibration-standardised parts. Reports ROC-AUC / AP with patient-grouped bootstrap
 * intervals on held-out TRAIN and test-dev, test-dev specificity/sensitivity at the calibration threshold
 * (the 95% rule), and the planted cases' ROC-AUC against their originals (all, and >= 1% of the image).
 */
import { centreMaps } from '../../../src/core/fit/calibrate';
import { standardiser } from '../../../src/core/fit/combine';
import { DEFAULT_RECIPE, fitDetector, scoreWithDetector } from '../../../src/core/fit/detector';
import { groupedHoldout, subjectKey } from '../../../src/core/fit/split';
import { bootstrap, FIGURES, formatInterval } from '../../../src/core/metrics/bootstrap';
import { confusionAt, rocAuc } from '../../../src/core/metrics/roc';
import { thresholdRank, orderStatistic } from '../../../src/core/fit/calibrate';
import { ortBackend } from '../ort-backend';
import { argValue } from '../protocol';
import { worstPlaceScores } from '../../../src/core/fit/worstPlace';
import { batches, load, pick, type Loaded, type PItem } from './product-cache';

async function main(argv: string[]): Promise<void> {
  const pipeline = argValue(argv, '--pipeline') ?? 'crop-inpaint-wide';
  const reps = Number(argValue(argv, '--reps') ?? 400);
  const t0 = Date.now();
  const all = load(pipeline, argValue(argv, '--tag') ?? 'fit+val+dev+planted');
  const fitAll = pick(all, (i) => i.set === 'fit');
  // The product's fit: 15% of the files, whole patients, seed 0, held out to calibrate (fitModel.ts).
  const ids = fitAll.items.map((i) => i.id);
  const { held } = groupedHoldout(ids, subjectKey, Math.round(ids.length * 0.15), DEFAULT_RECIPE.seed);
  const heldSet = new Set(held);
  const cal = pick(fitAll, (i) => heldSet.has(i.id));
  const train = pick(fitAll, (i) => !heldSet.has(i.id));
  console.log(`fit ${train.maps.n}, calibration ${cal.maps.n}`);
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const det = await fitDetector(be, batches(train.maps), batches(cal.maps), DEFAULT_RECIPE);
  console.log(`fitted in ${((Date.now() - t0) / 1000).toFixed(0)} s; bank ${det.bank?.bank.rows} rows`);

  const { h, w } = all.maps;
  const score = async (l: Loaded) => {
    const s = await scoreWithDetector(be, det, batches(l.maps), { keepMaps: true });
    const centred = centreMaps(s.maps!, det.mapCentring);
    const parts: Record<string, Float32Array> = { G: s.global!, Lmean: s.local! };
    for (const inset of [0, 1, 2])
      for (const k of [1, 3, 6, 12]) parts[`Ltop${k}${inset ? `-in${inset}` : ''}`] = worstPlaceScores(centred, h, w, { k, inset });
    return parts;
  };
  const calS = await score(cal);
  const others = pick(all, (i) => i.set !== 'fit');
  const S = await score(others);
  console.log(`scored in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const z = (name: string, v: Float32Array) => {
    const st = standardiser(calS[name]);
    return v.map((x) => (x - st.mean) / st.sd);
  };
  const combo = (names: string[], src: Record<string, Float32Array>) => {
    const out = new Float32Array(src[names[0]].length);
    for (const n of names) {
      const [name, wt] = n.split('*');
      const zz = z(name, src[name]);
      for (let i = 0; i < out.length; i++) out[i] += (wt ? Number(wt) : 1) * zz[i];
    }
    return out;
  };
  const recipes: string[][] = [
    ['G'],
    ['Lmean'],
    ['G', 'Lmean'],
    ...['Ltop1', 'Ltop3', 'Ltop6', 'Ltop12', 'Ltop3-in1', 'Ltop6-in1', 'Ltop3-in2', 'Ltop6-in2'].map((n) => [n]),
    ['G', 'Lmean', 'Ltop3'],
    ['G', 'Lmean', 'Ltop6'],
    ['G', 'Lmean', 'Ltop3-in1'],
    ['G', 'Lmean', 'Ltop6-in1'],
    ['G', 'Lmean', 'Ltop12-in1'],
    ['G', 'Lmean', 'Ltop6-in2'],
    ['G', 'Ltop6-in1'],
    ['G', 'Lmean', 'Ltop6-in1*0.5'],
    ['G', 'Lmean', 'Ltop6-in1*2'],
  ];
  const setIdx = (pred: (i: PItem) => boolean) => others.items.map((it, i) => (pred(it) ? i : -1)).filter((i) => i >= 0);
  const val = setIdx((i) => i.set === 'val');
  const dev = setIdx((i) => i.set === 'dev');
  const planted = setIdx((i) => i.set === 'planted');
  const origIds = new Set(others.items.filter((i) => i.plant).map((i) => i.plant!.original));
  const originals = setIdx((i) => i.set === 'val' && origIds.has(i.id));
  const sub = (v: Float32Array, idx: number[]) => Float32Array.from(idx, (i) => v[i]);
  const lab = (idx: number[]) => idx.map((i) => others.items[i].anomalous);
  const grp = (idx: number[]) => idx.map((i) => others.items[i].group);
  console.log(
    '| image score | held-out TRAIN ROC-AUC [95% CI] | AP | test-dev ROC-AUC [95% CI] | test-dev AP [95% CI] | test-dev spec / sens at threshold | planted ROC-AUC all / >= 1% |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of recipes) {
    const s = combo(r, S);
    const c = combo(r, calS);
    const thr = orderStatistic(c, thresholdRank(c.length, 0.95));
    const ci = (idx: number[], f: typeof FIGURES.rocAuc) =>
      bootstrap(sub(s, idx), lab(idx), f, { reps, groups: grp(idx), seed: 1 });
    const conf = confusionAt(sub(s, dev), lab(dev), thr);
    const pAll = [...originals, ...planted];
    const big = planted.filter((i) => others.items[i].plant!.area >= 0.01);
    const pAuc = (idx: number[]) =>
      idx.length === 0
        ? NaN
        : rocAuc(sub(s, [...originals, ...idx]), [...originals.map(() => false), ...idx.map(() => true)]);
    console.log(
      `| ${r.join(' + ')} | ${formatInterval(ci(val, FIGURES.rocAuc))} | ${ci(val, FIGURES.averagePrecision).value.toFixed(3)} | ${formatInterval(ci(dev, FIGURES.rocAuc))} | ${formatInterval(ci(dev, FIGURES.averagePrecision))} | ${conf.specificity.toFixed(3)} / ${conf.sensitivity.toFixed(3)} | ${planted.length ? rocAuc(sub(s, pAll), lab(pAll)).toFixed(3) : '-'} / ${pAuc(big).toFixed(3)} |`,
    );
  }
  // Planted by kind and size for the shipped score and the best local combination.
  for (const r of planted.length ? [['G', 'Lmean'], ['G', 'Lmean', 'Ltop6-in1'], ['Ltop6-in1']] : []) {
    const s = combo(r, S);
    const rows: string[] = [];
    for (const kind of ['metal', 'foreign', 'fracture', 'lytic', 'sclerotic', 'missing'])
      for (const area of [0.0025, 0.01, 0.04]) {
        const idx = planted.filter((i) => others.items[i].plant!.kind === kind && others.items[i].plant!.area === area);
        const auc = rocAuc(sub(s, [...originals, ...idx]), [...originals.map(() => false), ...idx.map(() => true)]);
        rows.push(`${kind} ${area * 100}%: ${auc.toFixed(2)} (${idx.length})`);
      }
    console.log(`planted by kind and size, ${r.join(' + ')}: ${rows.join('; ')}`);
  }
  await be.release();
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
