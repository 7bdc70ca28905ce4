/**
 * `tsx scripts/models/experiments/gated-local.ts [--model <manifest>] [--limit N] [--reps 400] [--shown] [--k 3,6] [--inset 1]`: does a
 * GATED worst-place part lift planted focal anomalies without costing new patients (issues 11 and 12)?
 *
 * The shipped image score S (Gaussian + mean patch distance) is kept, and local evidence is added only where
 * it is stronger than on any (or nearly any) normal image:
 *     S' = S + w · max(0, zW − gate)
 * zW is the worst place (worstPlace.ts: the mean of the k highest position-centred patch distances of the
 * inner field) standardised on the calibration normals, and gate a high quantile of the calibration normals'
 * zW. Below the gate S' = S, so the order of every image without unusual local evidence is the shipped one
 * (the "rank-preserving" rule); the linear sum S + w·zW (round 2, generalisation.md) moved every image.
 *
 * Post hoc on the shipped model, no refit: the ONNX file is cut at the centred map (the output of the Div by
 * `map.scale`, [N, h*w]) next to `pred_score`, so S and the worst place are exactly the model's. Sets
 * (eval-sets.ts): the model's own 156 calibration normals give the standardiser and the gate, as a fit would
 * take them; held-out TRAIN and test-dev give ROC-AUC / AP with patient-grouped bootstrap intervals;
 * bench:planted's default cases give the planted copies' ROC-AUC against their 60 originals.
 * Outputs are cached per model version under .cache/gated/ (rerunning the analysis costs nothing).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { orderStatistic, thresholdRank } from '../../../src/core/fit/calibrate';
import { standardiser } from '../../../src/core/fit/combine';
import { f32 } from '../../../src/core/fit/compute';
import { worstPlaceScores } from '../../../src/core/fit/worstPlace';
import type { XrayImage } from '../../../src/core/image/types';
import { bootstrap, FIGURES, formatInterval } from '../../../src/core/metrics/bootstrap';
import { confusionAt, rocAuc } from '../../../src/core/metrics/roc';
import { parseManifest } from '../../../src/core/model/validate';
import { extractSubmodel } from '../../../src/core/onnx/compose';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { ortBackend } from '../ort-backend';
import { argValue, ROOT } from '../protocol';
import { evalSets, type EvalItem, type SetName } from './eval-sets';

interface Row extends EvalItem {
  score: number;
  /** The centred map, [h*w]. */
  map: number[];
}

/**
 * The tensor the head divides by `map.scale`: the position-centred patch distances; with `shown`, the map the
 * viewer shows before its standardiser (the Sub of `map.mean`): with a fine map, centred + fine on the fine grid.
 */
function centredMapTensor(model: Uint8Array, shown = false): string {
  const g = onnx.ModelProto.decode(model).graph!;
  if (shown) {
    const sub = (g.node ?? []).find((n) => n.opType === 'Sub' && (n.input ?? []).some((i) => i === 'map.mean' || i.endsWith('/map.mean')));
    if (!sub?.input?.[0]) throw new Error('the model has no map standardiser (map.mean)');
    return sub.input[0];
  }
  const div = (g.node ?? []).find((n) => n.opType === 'Div' && (n.input ?? []).some((i) => i === 'map.scale' || i.endsWith('/map.scale')));
  if (!div?.output?.[0]) throw new Error('the model has no per-position centring (map.scale)');
  return div.output[0];
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = argValue(argv, '--model') ?? join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const limit = Number(argValue(argv, '--limit') ?? Infinity);
  const reps = Number(argValue(argv, '--reps') ?? 400);
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const full = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const shown = argv.includes('--shown');
  const mapName = centredMapTensor(full, shown);
  const ks = (argValue(argv, '--k') ?? (shown ? '12' : '3,6')).split(',').map(Number);
  const inset = Number(argValue(argv, '--inset') ?? (shown ? 2 : 1));
  const model = extractSubmodel(full, [manifest.outputs.score!, mapName]);
  const cache = join(ROOT, '.cache/gated', `${manifest.version}${shown ? '-shown' : ''}${Number.isFinite(limit) ? `-limit${limit}` : ''}`);
  mkdirSync(cache, { recursive: true });
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const run = async (image: XrayImage) => {
    const p = prepareInput(image, manifest);
    const out = await be.run('gated', () => model, { [manifest.input.name]: f32(p.tensor, [...p.dims]) });
    return { score: (out[manifest.outputs.score!].data as Float32Array)[0], map: Array.from(out[mapName].data as Float32Array) };
  };

  const sets = await evalSets(limit);
  const rows: Row[] = [];
  try {
    for (const name of ['cal', 'val', 'dev', 'planted'] as const) {
      const file = join(cache, `${name}.json`);
      if (existsSync(file)) {
        rows.push(...(JSON.parse(readFileSync(file, 'utf8')) as Row[]));
        continue;
      }
      const t0 = Date.now();
      const mine: Row[] = [];
      for await (const { image, region: _, ...item } of sets[name]()) mine.push({ ...item, ...(await run(image)) });
      writeFileSync(file, JSON.stringify(mine));
      rows.push(...mine);
      console.error(`${name}: ${mine.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await be.release();
  }
  analyse(rows, reps, ks, inset);
}

function analyse(rows: Row[], reps: number, ks: number[], insetOption: number): void {
  const hw = rows[0].map.length;
  const side = Math.round(Math.sqrt(hw));
  const of = (set: SetName) => rows.filter((r) => r.set === set);
  const cal = of('cal');
  const val = of('val');
  const dev = of('dev');
  const planted = of('planted').filter((r) => r.anomalous);
  const originals = of('planted').filter((r) => !r.anomalous);
  const worst = (rs: Row[], k: number, inset: number) =>
    worstPlaceScores(Float32Array.from(rs.flatMap((r) => r.map)), side, side, { k, inset });

  type Rule = { name: string; score: (rs: Row[]) => Float32Array };
  const rules: Rule[] = [{ name: 'S (shipped)', score: (rs) => Float32Array.from(rs, (r) => r.score) }];
  for (const k of ks)
    for (const inset of [insetOption]) {
      const std = standardiser(worst(cal, k, inset));
      const z = (rs: Row[]) => worst(rs, k, inset).map((v) => (v - std.mean) / std.sd);
      const calZ = Float32Array.from(z(cal)).sort();
      for (const w of [1])
        rules.push({
          name: `S + ${w}·zW (k ${k}, in ${inset}; linear, round 2)`,
          score: (rs) => {
            const zz = z(rs);
            return Float32Array.from(rs, (r, i) => r.score + w * zz[i]);
          },
        });
      for (const q of [0.9, 0.95, 0.99, 1])
        for (const w of [1, 2, 4]) {
          const gate = calZ[Math.min(calZ.length - 1, Math.ceil(q * calZ.length) - 1)];
          rules.push({
            name: `S + ${w}·max(0, zW − ${gate.toFixed(2)}) (k ${k}, in ${inset}, gate = q${q} of cal)`,
            score: (rs) => {
              const zz = z(rs);
              return Float32Array.from(rs, (r, i) => r.score + w * Math.max(0, zz[i] - gate));
            },
          });
        }
    }

  const labels = (rs: Row[]) => rs.map((r) => r.anomalous);
  const groups = (rs: Row[]) => rs.map((r) => r.group);
  const ci = (rule: Rule, rs: Row[], f: typeof FIGURES.rocAuc) =>
    bootstrap(rule.score(rs), labels(rs), f, { reps, groups: groups(rs), seed: 1 });
  const pAuc = (rule: Rule, cases: Row[]) => {
    if (!cases.length || !originals.length) return NaN;
    const rs = [...originals, ...cases];
    return rocAuc(rule.score(rs), labels(rs));
  };
  const big = planted.filter((r) => r.plant!.area >= 0.01);
  console.log(`cal ${cal.length}, held-out TRAIN ${val.length}, test-dev ${dev.length}, planted ${planted.length} on ${originals.length} originals`);
  console.log(
    '| image score | held-out TRAIN ROC-AUC [95% CI] | test-dev ROC-AUC [95% CI] | test-dev AP [95% CI] | test-dev spec / sens at threshold | cal normals lifted | planted ROC-AUC all / >= 1% |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const rule of rules) {
    const c = rule.score(cal);
    const thr = orderStatistic(c, thresholdRank(c.length, 0.95));
    const conf = confusionAt(rule.score(dev), labels(dev), thr);
    const base = Float32Array.from(cal, (r) => r.score);
    const lifted = c.filter((v, i) => v > base[i] + 1e-6).length;
    console.log(
      `| ${rule.name} | ${formatInterval(ci(rule, val, FIGURES.rocAuc))} | ${formatInterval(ci(rule, dev, FIGURES.rocAuc))} | ${formatInterval(ci(rule, dev, FIGURES.averagePrecision))} | ${conf.specificity.toFixed(3)} / ${conf.sensitivity.toFixed(3)} | ${lifted} | ${pAuc(rule, planted).toFixed(3)} / ${pAuc(rule, big).toFixed(3)} |`,
    );
  }
  const kinds = [...new Set(planted.map((r) => r.plant!.kind))];
  const areas = [...new Set(planted.map((r) => r.plant!.area))].sort((a, b) => a - b);
  for (const rule of rules) {
    const cells = kinds.map(
      (k) =>
        `${k} ${areas.map((a) => pAuc(rule, planted.filter((r) => r.plant!.kind === k && r.plant!.area === a)).toFixed(2)).join('/')}`,
    );
    console.log(`planted by kind (sizes ${areas.map((a) => `${a * 100}%`).join('/')}), ${rule.name}: ${cells.join('; ')}`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
