/**
 * Headless front end on the same core and engine as the extension:
 *
 *   xray-anomaly models                                  list the models it can find
 *   xray-anomaly score <folder> --model <id|manifest>    score every image into a resumable results store
 *   xray-anomaly merge --out <all.jsonl> <shard.jsonl>... merge shard outputs (latest row per file and model)
 *   xray-anomaly eval --data <folder> --model <id|...>   ROC-AUC / AP / confusion for NORMAL/ vs ABNORMAL/
 *   xray-anomaly fit <folder> --out <dir> --id <id>      fit a detector on a folder of normal images
 *   xray-anomaly preprocess <folder> --spec <s> --out <d> the pipeline's output as .npy, for training/
 *
 * Runs shard across machines with --shard i/n (stable hash of the relative path; also from a Kubernetes
 * Indexed Job's or a Slurm array's environment, see docs/cluster.md), and a killed run resumes where it
 * stopped: scoring is the batch service (src/engine/batch/service.ts), the store is docs/results-store.md.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toErrorInfo } from '../core/errors';
import type { ModelInfo } from '../core/model/manifest';
import { discoverModels } from '../core/model/registry';
import { parseShard, scanImages, type Shard } from '../core/dataset/scan';
import { FIT_PIPELINE_IDS, isFitPipelineId } from '../core/fit/pipelines';
import { resolveShard } from '../core/batch/shard';
import { EngineClient } from '../engine/client';
import { nodeModelFs } from '../engine/batch/nodeFs';
import type { ProviderPreference } from '../protocol/engine';
import { describeFitResult, numberOption, runFit } from './fit';
import { writePreviewSheets } from './fitPreview';
import { evaluateFolder, formatConfusion, nodeScanFs, type ScoreRun } from './scoring';
import { PREPROCESS_USAGE, runPreprocess } from './preprocess';
import { EXIT, EXIT_CODES_TEXT } from './exitCodes';
import { runMerge } from './merge';
import { runScore } from './score';
import { QUALITY_PARSE_OPTIONS, qualityFromOptions, qualityUsage } from './quality';

const USAGE = `Usage:
  xray-anomaly models [--models-dir <dir>...]
  xray-anomaly score <folder> --model <id|file.model.json> [--model ...] [--out results.jsonl] [--shard i/n]
                     [--include <glob>...] [--exclude <glob>...] [--media <thumbnail dir>] [--json]
                     [--provider auto|cpu|cuda|webgpu|dml|coreml] [--models-dir <dir>...] [--rescore-errors]
                     [--failed-ok] (exit 0, not 2, when only some files failed)
                     [--normals <file: paths confirmed normal, one a line>] (score-drift check; always printed)
                     dataset-quality thresholds, as the settings xrayAnomaly.quality.* (docs/quality.md):
${qualityUsage('                     ')}
                     (--out may hold {shard}; without --shard, JOB_COMPLETION_INDEX/JOB_COMPLETIONS or
                     SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT give the shard)
  xray-anomaly merge --out <merged.jsonl> <results.jsonl>...
  xray-anomaly eval --data <folder> [--model <id|file.model.json>] [--normal NORMAL] [--abnormal PNEUMONIA]
                    [--out results.jsonl] [--limit N] [--provider ...]      (default model: the first listed)
  xray-anomaly fit <folder> --out <dir> --id <model-id> [--name <text>] [--coreset 0.01] [--calibration 0.15]
                   [--kind combined|patchcore|gaussian] [--backbone <file.backbone.json>] [--overwrite]
                   [--pipeline backbone|chest|hand|hand-clahe] [--mirror]   (preprocessing; mirrored copies)
                   [--positional]   (aligned films, e.g. chests: each patch also against normals at its own place; needs --calibration)
                   [--positional-map]   (only the map does that: the image score stays the plain one)
                   [--fine-score]   (with either: the image score also reads that map's worst place)
                   [--contrast-map]   (with either: that map also compares each place's local grey-level contrast)
                   [--preview <dir>]   writes <dir>/<pipeline>.png (4 images: original, preprocessed) and stops
${PREPROCESS_USAGE}
${EXIT_CODES_TEXT}
fit, eval and preprocess: 0 done, 1 error, 130 fit cancelled.`;

function fail(message: string, code: number = EXIT.USAGE): never {
  process.stderr.write(`xray-anomaly: ${message}\n`);
  process.exit(code);
}

function modelDirsOf(extra: string[]) {
  return [
    { path: join(__dirname, '..', 'models'), origin: 'bundled' as const },
    ...extra.map((p) => ({ path: resolve(p), origin: 'configured' as const })),
  ];
}

/** A model by id or manifest path; without a spec, the default (first listed) model. */
async function findModel(spec: string | undefined, extraDirs: string[]): Promise<ModelInfo> {
  if (spec?.endsWith('.model.json')) {
    const { models, problems } = await discoverModels(
      [{ path: resolve(spec, '..'), origin: 'configured' }],
      nodeModelFs,
    );
    const m = models.find((x) => resolve(x.manifestPath) === resolve(spec));
    if (!m)
      fail(
        `cannot use ${spec}: ${problems.find((p) => resolve(p.path) === resolve(spec))?.message ?? 'not a valid model manifest'}`,
      );
    return m;
  }
  const { models } = await discoverModels(modelDirsOf(extraDirs), nodeModelFs);
  const m = spec === undefined ? models[0] : models.find((x) => x.id === spec);
  if (!m)
    fail(
      spec === undefined
        ? 'no models found'
        : `no model with id "${spec}". Available: ${models.map((x) => x.id).join(', ') || 'none'}`,
    );
  return m;
}

function newEngine(verbose: boolean): EngineClient {
  return new EngineClient({
    enginePath: join(__dirname, 'engine.js'),
    log: (level, message) => {
      if (verbose || level === 'error') process.stderr.write(`[engine ${level}] ${message}\n`);
    },
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (command === 'preprocess') {
    const r = await runPreprocess(rest);
    process.stdout.write(`${r.done} images preprocessed into ${r.out} (${r.failed} failed, listed in index.jsonl)\n`);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      model: { type: 'string', multiple: true, default: [] },
      include: { type: 'string', multiple: true, default: [] },
      exclude: { type: 'string', multiple: true, default: [] },
      media: { type: 'string' },
      out: { type: 'string' },
      shard: { type: 'string' },
      provider: { type: 'string', default: 'auto' },
      'models-dir': { type: 'string', multiple: true, default: [] },
      'rescore-errors': { type: 'boolean', default: false },
      'failed-ok': { type: 'boolean', default: false },
      normals: { type: 'string' },
      data: { type: 'string' },
      normal: { type: 'string', default: 'NORMAL' },
      abnormal: { type: 'string', default: 'PNEUMONIA' },
      limit: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      id: { type: 'string' },
      name: { type: 'string' },
      coreset: { type: 'string' },
      kind: { type: 'string' },
      calibration: { type: 'string' },
      backbone: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
      pipeline: { type: 'string' },
      mirror: { type: 'boolean', default: false },
      positional: { type: 'boolean', default: false },
      'positional-map': { type: 'boolean', default: false },
      'fine-score': { type: 'boolean', default: false },
      'contrast-map': { type: 'boolean', default: false },
      preview: { type: 'string' },
      ...QUALITY_PARSE_OPTIONS,
    },
  });
  const modelDirs = values['models-dir'] as string[];
  if (command === 'models') {
    const { models, problems } = await discoverModels(modelDirsOf(modelDirs), nodeModelFs);
    for (const m of models) process.stdout.write(`${m.id}\t${m.version}\t${m.origin}\t${m.name}\t${m.manifestPath}\n`);
    for (const p of problems) process.stderr.write(`skipped ${p.path}: ${p.message}\n`);
    return;
  }
  if (command === 'fit') {
    const folder = positionals[0] ?? fail(`fit needs a folder of normal images\n${USAGE}`);
    if (!values.out) fail(`fit needs --out <folder for the model>\n${USAGE}`);
    if (!values.id) fail(`fit needs --id <model-id>\n${USAGE}`);
    const pipeline = values.pipeline as string | undefined;
    if (pipeline !== undefined && !isFitPipelineId(pipeline))
      fail(`--pipeline must be one of ${FIT_PIPELINE_IDS.join(', ')}; got "${pipeline}"`);
    const engine = newEngine(values.verbose as boolean);
    if (values.preview) {
      try {
        const dir = resolve(folder);
        const files = (await scanImages(dir, nodeScanFs)).map((r) => join(dir, r));
        if (files.length === 0) fail(`there are no images under ${dir}`);
        await writePreviewSheets(
          engine,
          files,
          values.backbone
            ? resolve(values.backbone)
            : join(__dirname, '..', 'models', 'backbones', 'mobilenetv2-nsfwjs.backbone.json'),
          pipeline ? [pipeline] : FIT_PIPELINE_IDS,
          resolve(values.preview as string),
          (line) => process.stderr.write(`${line}\n`),
        );
      } finally {
        engine.dispose();
      }
      return;
    }
    try {
      const result = await runFit(engine, {
        pipeline,
        mirror: values.mirror as boolean,
        positional: (values.positional as boolean) || undefined,
        positionalMap: (values['positional-map'] as boolean) || undefined,
        fineScore: (values['fine-score'] as boolean) || undefined,
        contrastMap: (values['contrast-map'] as boolean) || undefined,
        folder,
        out: values.out,
        id: values.id,
        name: values.name,
        coreset: numberOption(values.coreset, 'coreset'),
        calibration: numberOption(values.calibration, 'calibration'),
        kind: values.kind as 'combined' | 'patchcore' | 'gaussian' | undefined,
        backbone: values.backbone,
        overwrite: values.overwrite as boolean,
        write: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : describeFitResult(result) + '\n');
    } catch (err) {
      const info = toErrorInfo(err);
      if (info.code === 'CANCELLED') fail(info.message, 130);
      throw err;
    } finally {
      engine.dispose();
    }
    return;
  }
  if (command === 'merge') {
    if (!values.out) fail(`merge needs --out <merged.jsonl>\n${USAGE}`);
    if (positionals.length === 0) fail(`merge needs the result files to merge\n${USAGE}`);
    process.exitCode = await runMerge(positionals, values.out, (line) => process.stderr.write(`${line}\n`));
    return;
  }
  if (command !== 'score' && command !== 'eval') fail(`unknown command "${command}"\n${USAGE}`);
  const modelSpecs = values.model as string[];
  if (command === 'score' && modelSpecs.length === 0) fail(`--model is required\n${USAGE}`);
  const provider = values.provider as ProviderPreference;
  if (!['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'].includes(provider))
    fail(`--provider ${provider} is not one of auto, cpu, cuda, webgpu, dml, coreml`);
  if (command === 'score') {
    const root = resolve(positionals[0] ?? fail(`score needs a folder\n${USAGE}`));
    if (!existsSync(root)) fail(`${root} does not exist`);
    let shard: Shard | undefined;
    try {
      const s = resolveShard(values.shard, process.env);
      shard = s.shard;
      if (s.shard && s.from !== '--shard')
        process.stderr.write(`shard ${s.shard.index}/${s.shard.count} from the ${s.from} environment\n`);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    let quality;
    try {
      quality = qualityFromOptions(values);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    const models = [];
    for (const spec of modelSpecs) models.push(await findModel(spec, modelDirs));
    const engine = newEngine(values.verbose as boolean);
    try {
      process.exitCode = await runScore(engine, {
        root,
        manifests: models.map((m) => m.manifestPath),
        out: values.out,
        shard,
        provider,
        include: (values.include as string[]).length ? (values.include as string[]) : undefined,
        exclude: values.exclude as string[],
        rescoreErrors: values['rescore-errors'] as boolean,
        media: values.media,
        json: values.json as boolean,
        failedOk: values['failed-ok'] as boolean,
        normals: values.normals,
        quality,
      });
    } finally {
      engine.dispose();
    }
    return;
  }
  const model = await findModel(modelSpecs[0], modelDirs);
  const engine = newEngine(values.verbose as boolean);
  const run: ScoreRun = { engine, model, provider };
  try {
    const loaded = await engine.loadModel({ manifestPath: model.manifestPath, provider });
    process.stderr.write(
      `model ${model.id} ${model.version} on ${loaded.provider}${loaded.fallbacks.length ? ` (skipped: ${loaded.fallbacks.join('; ')})` : ''}\n`,
    );
    const shard: Shard | undefined = values.shard ? parseShard(values.shard) : undefined;
    const out = values.out ? resolve(values.out) : undefined;
    // eval
    const data = resolve(
      values.data ?? fail(`eval needs --data <folder with ${values.normal}/ and ${values.abnormal}/>`),
    );
    for (const sub of [values.normal as string, values.abnormal as string])
      if (!existsSync(join(data, sub))) fail(`${join(data, sub)} does not exist`);
    const report = await evaluateFolder(run, data, {
      normal: values.normal as string,
      abnormal: values.abnormal as string,
      out,
      limit: values.limit ? Number(values.limit) : undefined,
      shard,
    });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(`${formatConfusion(report.confusion, values.normal as string, values.abnormal as string)}\n`);
  } finally {
    engine.dispose();
  }
}

main(process.argv.slice(2)).catch((err) => {
  const info = toErrorInfo(err);
  fail(`${info.message}${info.detail && process.env.XRAY_DEBUG ? `\n${info.detail}` : ''}`);
});
