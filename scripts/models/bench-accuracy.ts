/**
 * `npm run bench:accuracy` — how the DEFAULT model (the first in the model list) does on new patients:
 *   scores test-dev (../shared/data/chest-xray-pneumonia/test-dev: new patients, never fitted on) and the
 *   held-out TRAIN images of the model's own validation split (manifest metadata.validation.split.seed)
 *   through the engine, and prints ROC-AUC, AP and sensitivity/specificity at the calibrated threshold,
 *   each with a patient-grouped bootstrap 95% interval, side by side, and whether test-dev's specificity
 *   is inside the range the fit promised.
 * Options: --model <file.model.json> (another model)  --dev <folder> (test-dev)  --train <folder> (TRAIN)
 *          --seed N (the held-out TRAIN split; default: the model's)  --no-train  --json <file>  --threads N (2)
 * `npm run bench:accuracy -- --refit [--seed 2] [--coreset 0.01] [--calibration 0.15] [--pipeline <name>] [--backbone <file>]`
 *   The protocol through the product: seeded patient-grouped split of TRAIN, fit on the remaining normals
 *   through the engine (as `xray-anomaly fit`), then the same report for that fit.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discoverModels } from '../../src/core/model/registry';
import { nodeModelFs } from '../../src/engine/batch/nodeFs';
import type { ModelInfo } from '../../src/core/model/manifest';
import { accuracyOf, formatFigures, promisedSpecificity, type AccuracyFigures } from './accuracy-report';
import { backboneWithPipeline } from './pipelines';
import { argValue, fitThroughEngine, materialiseSplit, modelInfoOf, newEngine, ROOT, SHARED } from './protocol';
import { readFileSync } from 'node:fs';

export const DEV = join(SHARED, 'data/chest-xray-pneumonia/test-dev');
export const TRAIN = join(SHARED, 'data/chest-xray-pneumonia/train');

async function defaultModel(): Promise<ModelInfo> {
  const { models } = await discoverModels([{ path: join(ROOT, 'models'), origin: 'bundled' }], nodeModelFs);
  if (!models.length) throw new Error('no models in models/');
  return models[0];
}

function splitSeedOf(manifestPath: string): number | undefined {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { metadata?: { validation?: { split?: { seed?: number }; heldOutTrain?: { seed?: number; splitter?: string } } } };
  const held = m.metadata?.validation?.heldOutTrain;
  // A model validated on another split (the PCA starter's own) would be "held out" on images it was fitted on here.
  if (held?.splitter && !held.splitter.startsWith('scripts/models/protocol.ts')) {
    console.error(`${manifestPath} was held out with ${held.splitter}, not this protocol's split: held-out TRAIN skipped (its figures are in the manifest)`);
    return undefined;
  }
  return held?.seed ?? m.metadata?.validation?.split?.seed;
}

async function main(argv: string[]): Promise<void> {
  const dev = resolve(argValue(argv, '--dev') ?? argValue(argv, '--data') ?? DEV);
  const train = resolve(argValue(argv, '--train') ?? TRAIN);
  if (!existsSync(join(dev, 'NORMAL'))) throw new Error(`${dev} has no NORMAL/ folder (use --dev <folder with NORMAL/ and PNEUMONIA/>)`);
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const json = argValue(argv, '--json');
  const engine = newEngine(threads);
  try {
    let model: ModelInfo;
    let seed = argValue(argv, '--seed') ? Number(argValue(argv, '--seed')) : undefined;
    if (argv.includes('--refit')) {
      seed ??= 2;
      const split = await materialiseSplit({ data: train, abnormal: 'PNEUMONIA', seed, valPerClass: 300 });
      console.error(`split seed ${seed}: fit on ${split.counts.fit} normals (links under ${split.dir})`);
      const pipeline = argValue(argv, '--pipeline');
      const backbone = argValue(argv, '--backbone') ?? (pipeline ? backboneWithPipeline(join(split.dir, 'backbone'), pipeline) : undefined);
      const coreset = argValue(argv, '--coreset') ? Number(argValue(argv, '--coreset')) : undefined;
      const calibration = argValue(argv, '--calibration') ? Number(argValue(argv, '--calibration')) : undefined;
      const fit = await fitThroughEngine(engine, split.fit, { id: `refit-seed${seed}`, out: join(split.dir, 'model'), coreset, calibration, backbone });
      model = modelInfoOf(fit.manifestPath);
    } else {
      model = argValue(argv, '--model') ? modelInfoOf(resolve(argValue(argv, '--model')!)) : await defaultModel();
      seed ??= splitSeedOf(model.manifestPath);
    }
    console.error(`model ${model.id}@${model.version} (${model.manifestPath})`);
    const rows: AccuracyFigures[] = [await accuracyOf(engine, model, dev, 'test-dev (new patients)')];
    if (!argv.includes('--no-train') && seed !== undefined && existsSync(join(train, 'NORMAL'))) {
      const split = await materialiseSplit({ data: train, abnormal: 'PNEUMONIA', seed, valPerClass: 300 });
      rows.push(await accuracyOf(engine, model, split.val, `held-out TRAIN (split seed ${seed})`));
    }
    const promise = promisedSpecificity(model.manifestPath);
    console.log(`model ${model.id}@${model.version}`);
    console.log(formatFigures(rows, promise));
    if (json) writeFileSync(json, JSON.stringify({ model: `${model.id}@${model.version}`, promise, rows: rows.map(({ normalScores: _n, ...r }) => r) }, null, 2) + '\n');
  } finally {
    engine.dispose();
  }
}

if (require.main === module || process.argv[1]?.endsWith('bench-accuracy.ts')) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`bench:accuracy: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
