/**
 * `npm run models:default` — regenerates the bundled default model models/chest-patchcore/ through the
 * product path, reproducibly: the seeded, patient-grouped split of the TRAIN images (seed 2, 300 normal
 * + 300 pneumonia held out; the same split as docs/experiments' split B), a fit on the remaining normals
 * through the engine (as `xray-anomaly fit`), an evaluation on the held-out images through the engine
 * (as `xray-anomaly eval`), and the figures written into the manifest, which is marked as the default.
 *
 * The preprocessing is the named pipeline DEFAULT_PIPELINE of scripts/models/pipelines.ts, carried by a
 * backbone manifest written next to a link to the bundled backbone (the fit copies it into the model);
 * why that one: docs/experiments/heatmap-preprocessing.md.
 *
 * Options: --data <train folder> (../shared/data/chest-xray-pneumonia/train)  --seed N (2)  --threads N (2)
 *          --pipeline <name> (DEFAULT_PIPELINE)  --positional / --no-positional (default-positional.ts:
 *          position-aware local evidence, the score part and the fine map)  --positional-map / --no-positional-map
 *          (the fine position-aware map alone)  --fine-score / --no-fine-score (with either: the image score also
 *          reads the fine map's worst place, detector.ts FINE_SCORE)
 *          --out <folder> (models/chest-patchcore; another folder to compare a candidate first)
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseManifest } from '../../src/core/model/validate';
import type { ModelManifest } from '../../src/core/model/manifest';
import { backboneWithPipeline, pipelineNamed } from './pipelines';
import { accuracyOf, promisedSpecificity, formatFigures, type AccuracyFigures } from './accuracy-report';
import { positionalSwitches } from './default-positional';
import { argValue, fitThroughEngine, materialiseSplit, modelInfoOf, newEngine, ROOT, SHARED } from './protocol';

export const DEFAULT_MODEL_ID = 'chest-patchcore';
export const DEFAULT_PIPELINE = 'crop-inpaint-wide';
const DATA = join(SHARED, 'data/chest-xray-pneumonia/train');
const DEV = join(SHARED, 'data/chest-xray-pneumonia/test-dev');
const ATTRIBUTION =
  'Fitted on chest X-ray images from Kermany, D., Zhang, K., Goldbaum, M. (2018), Labeled Optical Coherence Tomography (OCT) and Chest X-Ray Images for Classification, Mendeley Data, v2, doi:10.17632/rscbjbr9sj.2, licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). The backbone is MobileNetV2 from npm nsfwjs (MIT, (c) Infinite Red). This model is a derivative work of both and carries both attributions.';

async function main(argv: string[]): Promise<void> {
  const data = argValue(argv, '--data') ?? DATA;
  const seed = Number(argValue(argv, '--seed') ?? 2);
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const pipeline = argValue(argv, '--pipeline') ?? DEFAULT_PIPELINE;
  const dev = argValue(argv, '--dev') ?? DEV;
  const out = resolve(argValue(argv, '--out') ?? join(ROOT, 'models', DEFAULT_MODEL_ID));
  const { positional, positionalMap, fineScore, contrastMap } = positionalSwitches(argv);
  const split = await materialiseSplit({ data, abnormal: 'PNEUMONIA', seed, valPerClass: 300 });
  const backbone = backboneWithPipeline(join(split.dir, 'backbone'), pipeline);
  console.error(`preprocessing: ${pipelineNamed(pipeline).label}`);
  console.error(`split seed ${seed}: fit on ${split.counts.fit} normals; validation ${split.counts.valNormal} normal + ${split.counts.valAbnormal} pneumonia`);
  const engine = newEngine(threads);
  try {
    const fit = await fitThroughEngine(engine, split.fit, {
      id: DEFAULT_MODEL_ID,
      name: 'Chest X-ray: normal vs abnormal (MobileNetV2 features, Gaussian + PatchCore)',
      out,
      coreset: 0.01,
      calibration: 0.15,
      backbone,
      positional,
      positionalMap,
      fineScore,
      contrastMap,
    });
    const model = modelInfoOf(fit.manifestPath);
    const devFig = await accuracyOf(engine, model, dev, 'test-dev (new patients)');
    const trainFig = await accuracyOf(engine, model, split.val, `held-out TRAIN (split seed ${seed})`);
    const m = JSON.parse(readFileSync(fit.manifestPath, 'utf8')) as ModelManifest;
    const iv = (i: AccuracyFigures['rocAuc']) => `${i.value.toFixed(3)} [${i.low.toFixed(3)}, ${i.high.toFixed(3)}]`;
    const figures =
      `On test-dev (new patients: ${devFig.images.normal} normal + ${devFig.images.abnormal} pneumonia, never used for fitting) ROC-AUC ${iv(devFig.rocAuc)}, AP ${iv(devFig.averagePrecision)}, ` +
      `at the calibrated threshold sensitivity ${iv(devFig.sensitivity)}, specificity ${iv(devFig.specificity)} (95% patient-grouped bootstrap intervals); ` +
      `on held-out TRAIN images (patient-grouped split seed ${seed}: ${trainFig.images.normal} normal + ${trainFig.images.abnormal} pneumonia) ROC-AUC ${iv(trainFig.rocAuc)}, AP ${iv(trainFig.averagePrecision)}, sensitivity ${iv(trainFig.sensitivity)}, specificity ${iv(trainFig.specificity)}.`;
    m.default = true;
    m.description =
      `Flags chest radiographs unlike normal ones. Fitted on ${fit.images.used - fit.images.calibration} normal paediatric frontal chest X-rays (Kermany et al. 2018, CC BY 4.0; ${fit.images.calibration} more held out to calibrate): ` +
      `Gaussian of MobileNetV2 block-10 feature statistics of the central field (lung fields) + PatchCore memory bank (1% coreset), ${positional ? '+ the worst place of a position-aware map (each patch against 60 normals\' patches at its own place), ' : ''}standardised and summed; the map shows patches unlike any normal patch${positional || positionalMap ? ", plus a finer (block-6) map of patches unlike 60 normals' patches at their own place (on their 64 principal directions" + (contrastMap ? ", with each place's local grey-level contrast" : '') + ')' : ''}${fineScore ? "; the score is the larger of that sum and the map's worst place less 1 sd (both standardised on the calibration normals)" : ''}. ${pipelineNamed(pipeline).describe ? pipelineNamed(pipeline).describe + ' ' : ''}` +
      `Test-dev (new patients) ROC-AUC ${iv(devFig.rocAuc)}, AP ${iv(devFig.averagePrecision)}, specificity at the threshold ${iv(devFig.specificity)}; held-out TRAIN ROC-AUC ${iv(trainFig.rocAuc)} (95% intervals; models/README.md). ` +
      'Trained on one hospital\'s paediatric images: expect a shift on other populations and devices; not a diagnostic device.';
    m.license = 'CC BY 4.0 (fitted on the Kermany et al. 2018 chest X-ray data) and MIT (nsfwjs backbone); see the provenance.';
    m.provenance = `${m.provenance}\n${ATTRIBUTION}\nRegenerate: npm run models:default (scripts/models/default-model.ts).`;
    m.metadata = {
      ...m.metadata,
      preprocessing: { pipeline, chosenIn: 'docs/experiments/heatmap-preprocessing.md', regenerate: `npm run models:default -- --pipeline ${pipeline}` },
      validation: {
        testDev: figuresOf(devFig, 'chest-xray-pneumonia/test-dev (new patients; settings were compared on it, never fitted on it)'),
        heldOutTrain: { seed, fit: split.counts.fit, grouping: 'patient (file name)', ...figuresOf(trainFig, 'chest-xray-pneumonia/train') },
        threshold: devFig.threshold,
        promisedSpecificity: promisedSpecificity(fit.manifestPath),
        chosenIn: 'docs/experiments/generalisation.md',
      },
    };
    const text = JSON.stringify(m, null, 2) + '\n';
    parseManifest(text, fit.manifestPath);
    writeFileSync(`${fit.manifestPath}.tmp`, text);
    renameSync(`${fit.manifestPath}.tmp`, fit.manifestPath);
    console.log(`wrote ${relative(ROOT, fit.manifestPath)} (default) and ${relative(ROOT, fit.onnxPath)}`);
    console.log(figures);
    console.log(formatFigures([devFig, trainFig], promisedSpecificity(fit.manifestPath)));
  } finally {
    engine.dispose();
  }
}

function figuresOf(f: AccuracyFigures, source: string) {
  return {
    source,
    images: f.images,
    rocAuc: f.rocAuc,
    averagePrecision: f.averagePrecision,
    sensitivity: f.sensitivity,
    specificity: f.specificity,
    confusion: f.confusion,
    msPerImage: f.msPerImage,
  };
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`models:default: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
