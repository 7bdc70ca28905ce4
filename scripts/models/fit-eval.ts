/**
 * `node --import tsx scripts/models/fit-eval.ts --data <folder with NORMAL/ and PNEUMONIA/>` — reproduces the research
 * figures of the default detector recipe on any folder laid out like that: a seeded, patient-grouped
 * split (held-out normals + held-out anomalous images), fit on the remaining normals (15% of them held
 * out for calibration), then ROC-AUC, AP and the confusion matrix at the calibrated threshold.
 *
 * Options: --seed N (1)  --val-per-class N (300, capped to what the folder allows)  --coreset R (0.01)
 *          --no-local (global Gaussian only)  --threads N (2)  --fit-all (fit on every normal, time it, no metrics)
 *          --json <file> (write the figures)  --export <file.onnx> (write backbone + detector as one ONNX file,
 *          check its pred_score against the in-memory scores and time single-image scoring)
 * Images are read with sharp, converted to greyscale, resized to 224x224 and scaled to [0, 1].
 */
import { readFileSync, writeFileSync, existsSync, statSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { XrayError } from '../../src/core/errors';
import { DEFAULT_RECIPE, type DetectorRecipe, fitDetector, scoreWithDetector } from '../../src/core/fit/detector';
import type { FeatureMaps } from '../../src/core/fit/features';
import { buildDetectorHead } from '../../src/core/fit/head';
import { averagePrecision, confusionAt, quantile, rocAuc } from '../../src/core/metrics/roc';
import { composeModels } from '../../src/core/onnx/compose';
import { groupedHoldout } from '../../src/core/fit/split';
import { BACKBONE_FILE } from './backbone';
import { type Item, listItems, makeSplit } from './experiments/dataset';
import { ortBackend } from './ort-backend';

const SIZE = 224;

interface Args {
  data: string;
  seed: number;
  valPerClass: number;
  coreset: number;
  local: boolean;
  threads: number;
  fitAll: boolean;
  json?: string;
  export?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const data = get('--data');
  if (!data) throw new XrayError('INTERNAL', 'usage: node --import tsx scripts/models/fit-eval.ts --data <folder with NORMAL/ and PNEUMONIA/> [--seed N] [--val-per-class N] [--coreset R] [--no-local] [--fit-all]');
  return {
    data,
    seed: Number(get('--seed') ?? 1),
    valPerClass: Number(get('--val-per-class') ?? 300),
    coreset: Number(get('--coreset') ?? DEFAULT_RECIPE.local.coresetRatio),
    local: !argv.includes('--no-local'),
    threads: Number(get('--threads') ?? 2),
    fitAll: argv.includes('--fit-all'),
    json: get('--json'),
    export: get('--export'),
  };
}

/** Runs the backbone over items, batch by batch; unreadable images are skipped and reported. */
async function extract(session: ort.InferenceSession, root: string, items: Item[], tap: string, skipped: string[], log: (s: string) => void): Promise<{ maps: FeatureMaps[]; kept: Item[]; ms: number }> {
  const maps: FeatureMaps[] = [];
  const kept: Item[] = [];
  const t0 = performance.now();
  const batch = 8;
  for (let b = 0; b < items.length; b += batch) {
    const pixels: Float32Array[] = [];
    for (const it of items.slice(b, b + batch)) {
      try {
        const { data } = await sharp(join(root, it.id)).greyscale().resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
        pixels.push(Float32Array.from(data, (v) => v / 255));
        kept.push(it);
      } catch (e) {
        skipped.push(`${it.id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (pixels.length === 0) continue;
    const input = new Float32Array(pixels.length * 3 * SIZE * SIZE);
    pixels.forEach((p, i) => {
      for (let c = 0; c < 3; c++) input.set(p, (i * 3 + c) * SIZE * SIZE);
    });
    // Fetching only the tap lets onnxruntime skip the deeper layers.
    const out = await session.run({ input: new ort.Tensor('float32', input, [pixels.length, 3, SIZE, SIZE]) }, [tap]);
    const t = out[tap];
    const [n, c, h, w] = t.dims;
    maps.push({ data: Float32Array.from(t.data as Float32Array), n, c, h, w });
    if ((b / batch) % 40 === 0) log(`  features ${Math.min(items.length, b + batch)}/${items.length}`);
  }
  return { maps, kept, ms: performance.now() - t0 };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  for (const sub of ['NORMAL', 'PNEUMONIA']) {
    const p = join(args.data, sub);
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new XrayError('INTERNAL', `${args.data} has no ${sub}/ folder (expected <data>/NORMAL and <data>/PNEUMONIA)`);
  }
  const items = listItems(args.data);
  const normals = items.filter((i) => !i.anomalous).length;
  const anomalous = items.length - normals;
  if (normals < 10) throw new XrayError('INTERNAL', `${args.data}/NORMAL has ${normals} images; at least 10 are needed`);
  const perClass = args.fitAll ? 0 : Math.min(args.valPerClass, Math.floor(normals * 0.25), anomalous);
  if (!args.fitAll && perClass < 2) throw new XrayError('INTERNAL', `${args.data}/PNEUMONIA needs at least 2 images for validation`);
  const split = makeSplit(items, args.seed, perClass);
  const { held: calib, rest: train } = groupedHoldout(split.fit, (i) => i.patient, Math.max(2, Math.round(split.fit.length * 0.15)), args.seed + 500);
  const recipe: DetectorRecipe = { ...DEFAULT_RECIPE, seed: args.seed, local: { ...DEFAULT_RECIPE.local, enabled: args.local, coresetRatio: args.coreset } };
  const log = (s: string) => console.error(s);
  log(`data ${args.data}: ${normals} normal, ${anomalous} anomalous; fit ${train.length} + calibration ${calib.length} normals; validation ${split.val.length}`);

  const session = await ort.InferenceSession.create(BACKBONE_FILE, { intraOpNumThreads: args.threads, interOpNumThreads: 1 });
  const be = ortBackend(args.threads);
  const skipped: string[] = [];
  const t0 = performance.now();
  const tr = await extract(session, args.data, train, recipe.tap, skipped, log);
  const ca = await extract(session, args.data, calib, recipe.tap, skipped, log);
  const t1 = performance.now();
  const det = await fitDetector(be, tr.maps, ca.maps, recipe, { onProgress: (p) => log(`  fit ${p.stage} ${(p.fraction * 100) | 0}%`) });
  const t2 = performance.now();
  const fitFigures = {
    fitImages: tr.kept.length,
    calibrationImages: ca.kept.length,
    featureSeconds: (t1 - t0) / 1000,
    detectorSeconds: (t2 - t1) / 1000,
    totalFitSeconds: (t2 - t0) / 1000,
    bankRows: det.bank?.bank.rows ?? 0,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  const result: Record<string, unknown> = { data: args.data, seed: args.seed, recipe, skipped: skipped.length, fit: fitFigures, threshold: det.threshold };
  if (!args.fitAll) {
    const va = await extract(session, args.data, split.val, recipe.tap, skipped, log);
    const t3 = performance.now();
    const s = await scoreWithDetector(be, det, va.maps);
    const t4 = performance.now();
    const labels = va.kept.map((i) => i.anomalous);
    const c = confusionAt(s.score, labels, det.threshold);
    const metric = (scores?: Float32Array) => (scores ? { auc: rocAuc(scores, labels), ap: averagePrecision(scores, labels) } : undefined);
    Object.assign(result, {
      validation: { normal: labels.filter((l) => !l).length, anomalous: labels.filter((l) => l).length },
      rocAuc: rocAuc(s.score, labels),
      ap: averagePrecision(s.score, labels),
      confusion: c,
      parts: { global: metric(s.global), local: metric(s.local) },
      scoreMsPerImage: { backbone: va.ms / va.kept.length, detector: (t4 - t3) / va.kept.length },
    });
    console.log(`ROC-AUC ${(result.rocAuc as number).toFixed(4)}   AP ${(result.ap as number).toFixed(4)}   (validation: ${labels.filter((l) => !l).length} normal, ${labels.filter((l) => l).length} anomalous)`);
    console.log(`threshold ${det.threshold.toFixed(3)} (${recipe.thresholdQuantile * 100}th percentile of ${ca.kept.length} calibration normals)`);
    console.log(`confusion:            predicted normal   predicted anomalous`);
    console.log(`  actual normal       ${String(c.tn).padStart(16)}   ${String(c.fp).padStart(19)}`);
    console.log(`  actual anomalous    ${String(c.fn).padStart(16)}   ${String(c.tp).padStart(19)}`);
    console.log(`sensitivity ${c.sensitivity.toFixed(3)}   specificity ${c.specificity.toFixed(3)}`);
  }
  if (args.export) {
    const t5 = performance.now();
    const bytes = composeModels(readFileSync(BACKBONE_FILE), buildDetectorHead(det, { stride: 16, blurSigma: 4 }).toBytes(), {
      connect: { features: recipe.tap },
      outputs: ['pred_score', ...(det.bank ? ['anomaly_map'] : [])],
      docString: `Anomaly detector fitted by scripts/models/fit-eval.ts on ${tr.kept.length} normal images of ${args.data}`,
      metadata: { threshold: String(det.threshold), recipe: JSON.stringify(recipe) },
    });
    writeFileSync(`${args.export}.tmp`, bytes);
    renameSync(`${args.export}.tmp`, args.export);
    const exportMs = performance.now() - t5;
    // Single-image latency of the one file, and agreement with the in-memory scores on a few images.
    const one = await ort.InferenceSession.create(args.export, { intraOpNumThreads: args.threads, interOpNumThreads: 1 });
    const sample = (args.fitAll ? calib : split.val).slice(0, 20);
    const times: number[] = [];
    let maxDiff = 0;
    const sampleSkipped: string[] = [];
    const ref = await extract(session, args.data, sample, recipe.tap, sampleSkipped, () => {});
    const refScores = (await scoreWithDetector(be, det, ref.maps)).score;
    for (let i = 0; i < ref.kept.length; i++) {
      const { data } = await sharp(join(args.data, ref.kept[i].id)).greyscale().resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
      const px = Float32Array.from(data, (v) => v / 255);
      const input = new Float32Array(3 * SIZE * SIZE);
      for (let c = 0; c < 3; c++) input.set(px, c * SIZE * SIZE);
      const t = performance.now();
      const out = await one.run({ input: new ort.Tensor('float32', input, [1, 3, SIZE, SIZE]) });
      times.push(performance.now() - t);
      maxDiff = Math.max(maxDiff, Math.abs((out.pred_score.data as Float32Array)[0] - refScores[i]));
    }
    await one.release();
    const exp = { file: args.export, bytes: bytes.byteLength, exportMs, singleImageMs: { median: quantile(times.slice(1), 0.5), p90: quantile(times.slice(1), 0.9) }, maxAbsScoreDiff: maxDiff, images: times.length };
    result.export = exp;
    console.log(`export: ${args.export} ${(bytes.byteLength / 1e6).toFixed(1)} MB; one image ${exp.singleImageMs.median.toFixed(1)} ms median (p90 ${exp.singleImageMs.p90.toFixed(1)}); max |exported - in-memory score| ${maxDiff.toExponential(2)}`);
  }
  console.log(`fit: ${fitFigures.fitImages} + ${fitFigures.calibrationImages} images, features ${fitFigures.featureSeconds.toFixed(1)} s, detector ${fitFigures.detectorSeconds.toFixed(1)} s, bank ${fitFigures.bankRows} rows, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  if (skipped.length) console.log(`skipped ${skipped.length} unreadable file(s), e.g. ${skipped[0]}`);
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));
  await session.release();
  await be.release();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof XrayError ? `error: ${e.message}` : e);
    process.exit(e instanceof XrayError ? 2 : 1);
  },
);
