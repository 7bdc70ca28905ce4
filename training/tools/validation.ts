/**
 * Writes a shipped model's metadata.validation (issue 11's layout, as models:default writes it for the
 * default detector) by scoring through the product's engine: test-dev (new patients) and the model's own
 * held-out TRAIN images, each with ROC-AUC, AP, sensitivity and specificity at the calibrated threshold and
 * patient-grouped bootstrap intervals (scripts/models/accuracy-report.ts). test/unit/model/readme.test.ts
 * then holds models/README.md to these figures. Prints the README rows it expects.
 *
 *   node --import tsx training/tools/validation.ts --model models/paper-alphagan-chest.model.json --split protocol --seed 2
 *   node --import tsx training/tools/validation.ts --model models/pca-ae-chest.model.json --split demo
 *
 * --split protocol: the default detector's split (scripts/models/protocol.ts, per-class grouped hold-out,
 * seed --seed), which training/ fits the paper's models around; --split demo: the PCA starter's own split
 * (scripts/demo-model/split.ts, seed 20261126), the only one it was not fitted on.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseManifest } from '../../src/core/model/validate';
import { formatInterval } from '../../src/core/metrics/bootstrap';
import { accuracyOf, type AccuracyFigures } from '../../scripts/models/accuracy-report';
import { materialiseSplit, modelInfoOf, newEngine, ROOT, SHARED } from '../../scripts/models/protocol';
import { chestSplit } from '../../scripts/demo-model/split';

const DEMO_SEED = 20261126;

interface HeldOut {
  dir: string;
  seed: number;
  /** Normal TRAIN images outside the hold-out (fitting + calibration). */
  fit: number;
  splitter: string;
}

async function heldOut(split: string, seed: number, train: string): Promise<HeldOut> {
  if (split === 'protocol') {
    const s = await materialiseSplit({ data: train, abnormal: 'PNEUMONIA', seed, valPerClass: 300 });
    return { dir: s.val, seed, fit: s.counts.fit, splitter: 'scripts/models/protocol.ts materialiseSplit' };
  }
  if (split !== 'demo') throw new Error(`--split is protocol or demo, not ${split}`);
  const s = chestSplit(train);
  const dir = join(ROOT, '.cache/splits', `demo-seed${DEMO_SEED}`);
  rmSync(dir, { recursive: true, force: true });
  for (const [sub, files] of [
    ['NORMAL', s.validNormal],
    ['PNEUMONIA', s.validAbnormal],
  ] as const) {
    mkdirSync(join(dir, sub), { recursive: true });
    for (const f of files) symlinkSync(resolve(f), join(dir, sub, basename(f)));
  }
  return {
    dir,
    seed: DEMO_SEED,
    fit: s.fit.length + s.calibrate.length,
    splitter: 'scripts/demo-model/split.ts chestSplit',
  };
}

function figuresOf(f: AccuracyFigures, source: string) {
  const { normal, abnormal } = f.images;
  return {
    source,
    images: { normal, abnormal },
    rocAuc: f.rocAuc,
    averagePrecision: f.averagePrecision,
    sensitivity: f.sensitivity,
    specificity: f.specificity,
    confusion: f.confusion,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      split: { type: 'string', default: 'protocol' },
      seed: { type: 'string', default: '2' },
      data: { type: 'string', default: join(SHARED, 'data/chest-xray-pneumonia') },
      threads: { type: 'string', default: '2' },
    },
  });
  if (!values.model) throw new Error('--model <file.model.json> is required');
  const manifestPath = resolve(values.model);
  const model = modelInfoOf(manifestPath);
  const held = await heldOut(values.split!, Number(values.seed), join(values.data!, 'train'));
  const engine = newEngine(Number(values.threads));
  let dev: AccuracyFigures;
  let train: AccuracyFigures;
  try {
    dev = await accuracyOf(engine, model, join(values.data!, 'test-dev'), 'test-dev (new patients)');
    train = await accuracyOf(engine, model, held.dir, `held-out TRAIN (split seed ${held.seed})`);
  } finally {
    engine.dispose();
  }
  if (dev.images.failed || train.images.failed)
    throw new Error(`${dev.images.failed + train.images.failed} images failed to score`);
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  m.metadata = {
    ...m.metadata,
    validation: {
      testDev: figuresOf(dev, 'chest-xray-pneumonia/test-dev (new patients; never fitted on)'),
      heldOutTrain: {
        seed: held.seed,
        fit: held.fit,
        grouping: 'patient (file name)',
        splitter: held.splitter,
        ...figuresOf(train, 'chest-xray-pneumonia/train'),
      },
      threshold: dev.threshold,
      producedBy: `node --import tsx training/tools/validation.ts --model ${relative(ROOT, manifestPath)} --split ${values.split}${values.split === 'protocol' ? ` --seed ${held.seed}` : ''}`,
    },
  };
  const text = JSON.stringify(m, null, 2) + '\n';
  parseManifest(text, manifestPath);
  writeFileSync(`${manifestPath}.tmp`, text);
  renameSync(`${manifestPath}.tmp`, manifestPath);
  const pair = (f: AccuracyFigures) => `${f.rocAuc.value.toFixed(3)} / ${f.averagePrecision.value.toFixed(3)}`;
  const row = (name: string, f: AccuracyFigures) =>
    `| ${name} | ${f.images.normal} / ${f.images.abnormal} | ${formatInterval(f.rocAuc)} | ${formatInterval(f.averagePrecision)} | ${formatInterval(f.sensitivity)} | ${formatInterval(f.specificity)} |`;
  const c = (f: AccuracyFigures) => `${f.confusion.tn}/${f.confusion.fp}/${f.confusion.fn}/${f.confusion.tp}`;
  console.log(`wrote metadata.validation into ${relative(ROOT, manifestPath)}`);
  console.log(`summary: test-dev (new patients) ${pair(dev)}; held-out TRAIN ${pair(train)}`);
  console.log(row('test-dev (new patients; never fitted on)', dev));
  console.log(row(`held-out TRAIN (split seed ${held.seed})`, train));
  console.log(
    `calibrated threshold ${dev.threshold.toFixed(3)}; confusion (tn/fp/fn/tp): test-dev ${c(dev)}, held-out TRAIN ${c(train)}`,
  );
}

main().catch((err) => {
  console.error(`validation: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
