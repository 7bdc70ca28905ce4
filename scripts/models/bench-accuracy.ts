/**
 * `npm run bench:accuracy -- --data <folder with NORMAL/ and PNEUMONIA/>`
 *   Scores every image of the folder with the DEFAULT model (the first in the model list) through the
 *   engine, and prints ROC-AUC, AP and the confusion matrix at the model's calibrated threshold.
 * `npm run bench:accuracy -- --data <folder> --refit [--seed 2] [--val-per-class 300] [--coreset 0.01] [--calibration 0.15 (a hold-out; default: cross-fitting)] [--pipeline <name>]`
 *   The research protocol through the product: seeded patient-grouped split of the folder, fit on the
 *   remaining normals through the engine (as `xray-anomaly fit`), evaluate on the held-out images.
 *   --pipeline fits with one of the named preprocessing pipelines of scripts/models/pipelines.ts (a
 *   backbone manifest carrying it, as `xray-anomaly fit --backbone`); default: the bundled backbone's.
 * Options: --abnormal <subfolder> (PNEUMONIA)  --json <file> (write the figures)  --threads N (2)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverModels } from '../../src/core/model/registry';
import { formatConfusion, type EvalReport } from '../../src/cli/scoring';
import { backboneWithPipeline } from './pipelines';
import { argValue, evaluateThroughEngine, fitThroughEngine, materialiseSplit, modelInfoOf, newEngine, ROOT } from './protocol';
import { promises as fsp, existsSync } from 'node:fs';

function print(r: EvalReport, abnormal: string): void {
  console.log(`model ${r.model}`);
  console.log(`images: ${r.images.normal} normal, ${r.images.abnormal} ${abnormal.toLowerCase()}, ${r.images.failed} failed`);
  console.log(`ROC-AUC ${r.rocAuc.toFixed(4)}   AP ${r.averagePrecision.toFixed(4)}   (${r.msPerImage} ms per image, file to score, median)`);
  console.log(formatConfusion(r.confusion, 'NORMAL', abnormal));
}

async function main(argv: string[]): Promise<void> {
  const data = argValue(argv, '--data');
  if (!data || !existsSync(join(data, 'NORMAL'))) throw new Error('usage: npm run bench:accuracy -- --data <folder with NORMAL/ and PNEUMONIA/> [--refit ...]');
  const abnormal = argValue(argv, '--abnormal') ?? 'PNEUMONIA';
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const json = argValue(argv, '--json');
  const engine = newEngine(threads);
  try {
    let report: EvalReport & { protocol?: unknown; fit?: unknown };
    if (argv.includes('--refit')) {
      const seed = Number(argValue(argv, '--seed') ?? 2);
      const split = await materialiseSplit({ data, abnormal, seed, valPerClass: Number(argValue(argv, '--val-per-class') ?? 300) });
      console.error(`split seed ${seed}: fit on ${split.counts.fit} normals; validation ${split.counts.valNormal} normal + ${split.counts.valAbnormal} ${abnormal} (links under ${split.dir})`);
      const coreset = argValue(argv, '--coreset') ? Number(argValue(argv, '--coreset')) : undefined;
      const calibration = argValue(argv, '--calibration') ? Number(argValue(argv, '--calibration')) : undefined;
      const pipeline = argValue(argv, '--pipeline');
      const backbone = pipeline ? backboneWithPipeline(join(split.dir, 'backbone'), pipeline) : undefined;
      const fit = await fitThroughEngine(engine, split.fit, { id: `refit-seed${seed}`, out: join(split.dir, 'model'), coreset, calibration, backbone });
      const ev = await evaluateThroughEngine(engine, modelInfoOf(fit.manifestPath), split.val, abnormal, join(split.dir, 'eval'));
      report = { ...ev, protocol: { seed, counts: split.counts, coreset: coreset ?? 0.01, calibration: calibration !== undefined ? `hold-out ${calibration}` : 'cross-fitted (the fit default)', pipeline: pipeline ?? 'backbone default' }, fit: { ...fit, images: { ...fit.images, skipped: fit.images.skipped.length } } };
    } else {
      const { models } = await discoverModels([{ path: join(ROOT, 'models'), origin: 'bundled' }], {
        readdir: (d) => fsp.readdir(d),
        readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
        exists: async (p) => existsSync(p),
        isDirectory: async (p) => (await fsp.stat(p)).isDirectory(),
      });
      if (!models.length) throw new Error('no models in models/');
      console.error(`default model: ${models[0].id} (${models[0].manifestPath})`);
      report = await evaluateThroughEngine(engine, models[0], data, abnormal);
    }
    print(report, abnormal);
    if (json) writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  } finally {
    engine.dispose();
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`bench:accuracy: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
