/**
 * Headless front end on the same core and engine as the extension:
 *
 *   xray-anomaly models                                  list the models it can find
 *   xray-anomaly score <folder> --model <id|manifest>    score every image into a resumable JSONL file
 *   xray-anomaly eval --data <folder> --model <id|...>   ROC-AUC / AP / confusion for NORMAL/ vs ABNORMAL/
 *
 * Runs shard across machines with --shard i/n (stable hash of the relative path), and a killed run
 * resumes where it stopped: records are appended one line per image.
 */
import { appendFileSync, existsSync, readFileSync, promises as fsp } from 'node:fs';
import { join, resolve, relative, isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { toErrorInfo } from '../core/errors';
import { DEFAULT_DECODE_LIMITS } from '../core/image/types';
import type { ModelInfo } from '../core/model/manifest';
import { discoverModels, type ModelFs } from '../core/model/registry';
import { averagePrecision, confusionAt, rocAuc, type Label } from '../core/metrics/roc';
import { inShard, parseShard, scanImages, type ScanFs, type Shard } from '../core/dataset/scan';
import { formatRecord, latestByKey, parseResults, recordKey, type ResultRecord } from '../core/results/store';
import { EngineClient } from '../engine/client';
import type { ProviderPreference } from '../protocol/engine';

const USAGE = `Usage:
  xray-anomaly models [--models-dir <dir>...]
  xray-anomaly score <folder> --model <id|file.model.json> [--out results.jsonl] [--shard i/n]
                     [--provider auto|cpu|cuda|webgpu|dml|coreml] [--models-dir <dir>...] [--rescore-errors]
  xray-anomaly eval --data <folder> --model <id|file.model.json> [--normal NORMAL] [--abnormal PNEUMONIA]
                    [--out results.jsonl] [--limit N] [--provider ...]
Exit codes: 0 done (per-image failures are recorded, not fatal), 1 usage or setup error.`;

const nodeModelFs: ModelFs = {
  readdir: (d) => fsp.readdir(d),
  readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
  exists: async (p) => existsSync(p),
  isDirectory: async (p) => (await fsp.stat(p)).isDirectory(),
};

const nodeScanFs: ScanFs = {
  readdir: async (d) => (await fsp.readdir(d, { withFileTypes: true })).map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() })),
};

function fail(message: string): never {
  process.stderr.write(`xray-anomaly: ${message}\n`);
  process.exit(1);
}

async function findModel(spec: string, extraDirs: string[]): Promise<ModelInfo> {
  const dirs = [{ path: join(__dirname, '..', 'models'), origin: 'bundled' as const }, ...extraDirs.map((p) => ({ path: resolve(p), origin: 'configured' as const }))];
  if (spec.endsWith('.model.json')) {
    const { models, problems } = await discoverModels([{ path: resolve(spec, '..'), origin: 'configured' }], nodeModelFs);
    const m = models.find((x) => resolve(x.manifestPath) === resolve(spec));
    if (!m) fail(`cannot use ${spec}: ${problems.find((p) => resolve(p.path) === resolve(spec))?.message ?? 'not a valid model manifest'}`);
    return m;
  }
  const { models } = await discoverModels(dirs, nodeModelFs);
  const m = models.find((x) => x.id === spec);
  if (!m) fail(`no model with id "${spec}". Available: ${models.map((x) => x.id).join(', ') || 'none'}`);
  return m;
}

interface ScoreRun {
  engine: EngineClient;
  model: ModelInfo;
  provider: ProviderPreference;
}

async function scoreOne(run: ScoreRun, root: string, rel: string): Promise<ResultRecord> {
  const t0 = performance.now();
  const base = { path: rel, modelId: run.model.id, modelVersion: run.model.version };
  try {
    const bytes = new Uint8Array(await fsp.readFile(join(root, rel)));
    const d = await run.engine.decode({ bytes, fileName: rel, limits: DEFAULT_DECODE_LIMITS });
    try {
      const m = await run.engine.loadModel({ manifestPath: run.model.manifestPath, provider: run.provider });
      const a = await run.engine.analyze({ imageId: d.imageId, modelKey: m.modelKey });
      return { ...base, score: { raw: a.score.raw, normalized: a.score.normalized, aboveThreshold: a.score.aboveThreshold }, provider: a.provider, ms: Math.round(performance.now() - t0), at: new Date().toISOString() };
    } finally {
      await run.engine.releaseImage({ imageId: d.imageId }).catch(() => undefined);
    }
  } catch (err) {
    const info = toErrorInfo(err);
    return { ...base, error: { code: info.code, message: info.message }, ms: Math.round(performance.now() - t0), at: new Date().toISOString() };
  }
}

/** Scores `files` (relative to root), appending to `out`; skips what `out` already holds. Returns all records for these files. */
async function scoreFiles(run: ScoreRun, root: string, files: string[], out: string | undefined, opts: { rescoreErrors: boolean; label: string }): Promise<ResultRecord[]> {
  const done = new Map<string, ResultRecord>();
  if (out && existsSync(out)) {
    const text = readFileSync(out, 'utf8');
    // A crash can leave a torn last line without its newline: close it, or the next record would be glued to it.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(out, '\n');
    const parsed = parseResults(text);
    if (parsed.badLines.length) process.stderr.write(`note: ${out}: ignored ${parsed.badLines.length} damaged line(s) (e.g. torn by a crash): ${parsed.badLines.slice(0, 5).join(', ')}\n`);
    for (const [k, r] of latestByKey(parsed.records)) if (!(opts.rescoreErrors && r.error)) done.set(k, r);
  }
  const results: ResultRecord[] = [];
  const todo = files.filter((rel) => {
    const prev = done.get(recordKey({ path: rel, modelId: run.model.id, modelVersion: run.model.version }));
    if (prev) results.push(prev);
    return !prev;
  });
  if (results.length) process.stderr.write(`${opts.label}: ${results.length} already scored in ${out}, ${todo.length} to go\n`);
  const started = Date.now();
  let lastReport = 0;
  for (let i = 0; i < todo.length; i++) {
    const rec = await scoreOne(run, root, todo[i]);
    if (out) appendFileSync(out, formatRecord(rec));
    results.push(rec);
    if (rec.error) process.stderr.write(`  ${rec.path}: [${rec.error.code}] ${rec.error.message}\n`);
    const now = Date.now();
    if (now - lastReport > 2000 || i === todo.length - 1) {
      lastReport = now;
      const rate = (i + 1) / ((now - started) / 1000);
      const eta = (todo.length - i - 1) / rate;
      process.stderr.write(`${opts.label}: ${i + 1}/${todo.length} (${rate.toFixed(1)} img/s, ETA ${eta.toFixed(0)} s)\n`);
    }
  }
  return results;
}

function summarize(records: ResultRecord[]): string {
  const ok = records.filter((r) => r.score);
  const failed = records.filter((r) => r.error);
  const byCode = new Map<string, number>();
  for (const r of failed) byCode.set(r.error!.code, (byCode.get(r.error!.code) ?? 0) + 1);
  const above = ok.filter((r) => r.score!.aboveThreshold).length;
  const providers = [...new Set(ok.map((r) => r.provider))].join(', ');
  return `${ok.length} scored (${above} above threshold) on ${providers || '-'}; ${failed.length} failed${failed.length ? ` (${[...byCode].map(([c, n]) => `${c}: ${n}`).join(', ')})` : ''}`;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      shard: { type: 'string' },
      provider: { type: 'string', default: 'auto' },
      'models-dir': { type: 'string', multiple: true, default: [] },
      'rescore-errors': { type: 'boolean', default: false },
      data: { type: 'string' },
      normal: { type: 'string', default: 'NORMAL' },
      abnormal: { type: 'string', default: 'PNEUMONIA' },
      limit: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const modelDirs = values['models-dir'] as string[];
  if (command === 'models') {
    const dirs = [{ path: join(__dirname, '..', 'models'), origin: 'bundled' as const }, ...modelDirs.map((p) => ({ path: resolve(p), origin: 'configured' as const }))];
    const { models, problems } = await discoverModels(dirs, nodeModelFs);
    for (const m of models) process.stdout.write(`${m.id}\t${m.version}\t${m.origin}\t${m.name}\t${m.manifestPath}\n`);
    for (const p of problems) process.stderr.write(`skipped ${p.path}: ${p.message}\n`);
    return;
  }
  if (command !== 'score' && command !== 'eval') fail(`unknown command "${command}"\n${USAGE}`);
  if (!values.model) fail(`--model is required\n${USAGE}`);
  const provider = values.provider as ProviderPreference;
  if (!['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'].includes(provider)) fail(`--provider ${provider} is not one of auto, cpu, cuda, webgpu, dml, coreml`);
  const model = await findModel(values.model, modelDirs);
  const engine = new EngineClient({
    enginePath: join(__dirname, 'engine.js'),
    log: (level, message) => {
      if (values.verbose || level === 'error') process.stderr.write(`[engine ${level}] ${message}\n`);
    },
  });
  const run: ScoreRun = { engine, model, provider };
  try {
    const loaded = await engine.loadModel({ manifestPath: model.manifestPath, provider });
    process.stderr.write(`model ${model.id} ${model.version} on ${loaded.provider}${loaded.fallbacks.length ? ` (skipped: ${loaded.fallbacks.join('; ')})` : ''}\n`);
    const shard: Shard | undefined = values.shard ? parseShard(values.shard) : undefined;
    const out = values.out ? resolve(values.out) : undefined;
    if (command === 'score') {
      const root = resolve(positionals[0] ?? fail(`score needs a folder\n${USAGE}`));
      const files = (await scanImages(root, nodeScanFs)).filter((f) => inShard(f, shard));
      if (files.length === 0) fail(`no images (${'.dcm .png .jpg .tif'}) under ${root}${shard ? ` in shard ${values.shard}` : ''}`);
      const records = await scoreFiles(run, root, files, out, { rescoreErrors: values['rescore-errors'] as boolean, label: 'score' });
      process.stdout.write(`${summarize(records)}${out ? `; results in ${relativeOrAbs(out)}` : ''}\n`);
      if (!out) for (const r of records) process.stdout.write(formatRecord(r));
      return;
    }
    // eval
    const data = resolve(values.data ?? fail(`eval needs --data <folder with ${values.normal}/ and ${values.abnormal}/>`));
    const limit = values.limit ? Number(values.limit) : Infinity;
    const sets: [string, Label][] = [[values.normal as string, 0], [values.abnormal as string, 1]];
    const scores: number[] = [];
    const labels: Label[] = [];
    const all: ResultRecord[] = [];
    for (const [sub, label] of sets) {
      const dir = join(data, sub);
      if (!existsSync(dir)) fail(`${dir} does not exist`);
      const files = (await scanImages(dir, nodeScanFs)).filter((f) => inShard(f, shard)).slice(0, limit);
      const records = await scoreFiles(run, dir, files, out ? `${out}.${sub}.jsonl` : undefined, { rescoreErrors: false, label: sub });
      all.push(...records);
      for (const r of records) if (r.score) {
        scores.push(r.score.raw);
        labels.push(label);
      }
    }
    const cal = JSON.parse(readFileSync(model.manifestPath, 'utf8')).calibration as { threshold: number };
    const c = confusionAt(cal.threshold, scores, labels);
    const report = {
      model: `${model.id}@${model.version}`,
      images: { normal: labels.filter((l) => l === 0).length, abnormal: labels.filter((l) => l === 1).length, failed: all.filter((r) => r.error).length },
      rocAuc: +rocAuc(scores, labels).toFixed(4),
      averagePrecision: +averagePrecision(scores, labels).toFixed(4),
      threshold: cal.threshold,
      confusion: c,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    engine.dispose();
  }
}

function relativeOrAbs(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

main(process.argv.slice(2)).catch((err) => {
  const info = toErrorInfo(err);
  fail(`${info.message}${info.detail && process.env.XRAY_DEBUG ? `\n${info.detail}` : ''}`);
});
