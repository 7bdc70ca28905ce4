/**
 * Scoring files through the engine into a resumable JSONL file, and evaluating a labelled folder
 * (NORMAL/ vs ABNORMAL/): shared by `xray-anomaly score|eval` and the accuracy benchmark.
 */
import { appendFileSync, existsSync, readFileSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { toErrorInfo } from '../core/errors';
import { DEFAULT_DECODE_LIMITS } from '../core/image/types';
import type { ModelInfo } from '../core/model/manifest';
import { averagePrecision, confusionAt, rocAuc, type Confusion, type Label } from '../core/metrics/roc';
import { inShard, scanImages, type ScanFs, type Shard } from '../core/dataset/scan';
import { formatRecord, latestByKey, parseResults, recordKey, type ResultRecord } from '../core/results/store';
import type { EngineClient } from '../engine/client';
import type { ProviderPreference } from '../protocol/engine';

/**
 * Folder listing for scans. A symbolic link to a file counts as that file (a data split made of links
 * scans like the real thing); links to folders are not followed, so there are no cycles.
 */
export const nodeScanFs: ScanFs = {
  readdir: async (d) =>
    Promise.all(
      (await fsp.readdir(d, { withFileTypes: true })).map(async (e) => {
        if (e.isSymbolicLink()) {
          const target = await fsp.stat(join(d, e.name)).catch(() => undefined);
          return { name: e.name, isDirectory: false, isFile: target?.isFile() ?? false };
        }
        return { name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() };
      }),
    ),
};

export interface ScoreRun {
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
      return {
        ...base,
        score: { raw: a.score.raw, normalized: a.score.normalized, aboveThreshold: a.score.aboveThreshold },
        provider: a.provider,
        ms: Math.round(performance.now() - t0),
        at: new Date().toISOString(),
      };
    } finally {
      await run.engine.releaseImage({ imageId: d.imageId }).catch(() => undefined);
    }
  } catch (err) {
    const info = toErrorInfo(err);
    return {
      ...base,
      error: { code: info.code, message: info.message },
      ms: Math.round(performance.now() - t0),
      at: new Date().toISOString(),
    };
  }
}

/** Scores `files` (relative to root), appending to `out`; skips what `out` already holds. Returns all records for these files. */
export async function scoreFiles(
  run: ScoreRun,
  root: string,
  files: string[],
  out: string | undefined,
  opts: { rescoreErrors: boolean; label: string },
): Promise<ResultRecord[]> {
  const done = new Map<string, ResultRecord>();
  if (out && existsSync(out)) {
    const text = readFileSync(out, 'utf8');
    // A crash can leave a torn last line without its newline: close it, or the next record would be glued to it.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(out, '\n');
    const parsed = parseResults(text);
    if (parsed.badLines.length)
      process.stderr.write(
        `note: ${out}: ignored ${parsed.badLines.length} damaged line(s) (e.g. torn by a crash): ${parsed.badLines.slice(0, 5).join(', ')}\n`,
      );
    for (const [k, r] of latestByKey(parsed.records)) if (!(opts.rescoreErrors && r.error)) done.set(k, r);
  }
  const results: ResultRecord[] = [];
  const todo = files.filter((rel) => {
    const prev = done.get(recordKey({ path: rel, modelId: run.model.id, modelVersion: run.model.version }));
    if (prev) results.push(prev);
    return !prev;
  });
  if (results.length)
    process.stderr.write(`${opts.label}: ${results.length} already scored in ${out}, ${todo.length} to go\n`);
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
      process.stderr.write(
        `${opts.label}: ${i + 1}/${todo.length} (${rate.toFixed(1)} img/s, ETA ${eta.toFixed(0)} s)\n`,
      );
    }
  }
  return results;
}

export interface EvalReport {
  model: string;
  images: { normal: number; abnormal: number; failed: number };
  rocAuc: number;
  averagePrecision: number;
  threshold: number;
  confusion: Confusion;
  /** Median milliseconds per image, file read to score (decode, preprocessing, inference). */
  msPerImage: number;
}

export interface EvalOptions {
  normal: string;
  abnormal: string;
  /** Results file stem: <out>.<subfolder>.jsonl per class (resumable). */
  out?: string;
  limit?: number;
  shard?: Shard;
}

/** Scores <data>/<normal> (label 0) and <data>/<abnormal> (label 1); ROC-AUC, AP and the confusion matrix at the manifest's threshold. */
export async function evaluateFolder(run: ScoreRun, data: string, opts: EvalOptions): Promise<EvalReport> {
  const sets: [string, Label][] = [
    [opts.normal, 0],
    [opts.abnormal, 1],
  ];
  const scores: number[] = [];
  const labels: Label[] = [];
  const all: ResultRecord[] = [];
  for (const [sub, label] of sets) {
    const dir = join(data, sub);
    if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
    const files = (await scanImages(dir, nodeScanFs))
      .filter((f) => inShard(f, opts.shard))
      .slice(0, opts.limit ?? Infinity);
    const records = await scoreFiles(run, dir, files, opts.out ? `${opts.out}.${sub}.jsonl` : undefined, {
      rescoreErrors: false,
      label: sub,
    });
    all.push(...records);
    for (const r of records) {
      if (r.score) {
        scores.push(r.score.raw);
        labels.push(label);
      }
    }
  }
  const cal = JSON.parse(readFileSync(run.model.manifestPath, 'utf8')).calibration as { threshold: number };
  const ms = all
    .filter((r) => r.score)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  return {
    model: `${run.model.id}@${run.model.version}`,
    images: {
      normal: labels.filter((l) => l === 0).length,
      abnormal: labels.filter((l) => l === 1).length,
      failed: all.filter((r) => r.error).length,
    },
    rocAuc: +rocAuc(scores, labels).toFixed(4),
    averagePrecision: +averagePrecision(scores, labels).toFixed(4),
    threshold: cal.threshold,
    confusion: confusionAt(scores, labels, cal.threshold),
    msPerImage: ms.length ? ms[Math.floor(ms.length / 2)] : NaN,
  };
}

/** The confusion matrix as a small table for people. */
export function formatConfusion(c: Confusion, normal = 'normal', abnormal = 'abnormal'): string {
  const w = Math.max(normal.length, abnormal.length) + 9;
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  return [
    `${''.padEnd(w)}${pad('predicted normal', 18)}${pad('predicted abnormal', 20)}`,
    `${`actual ${normal}`.padEnd(w)}${pad(c.tn, 18)}${pad(c.fp, 20)}`,
    `${`actual ${abnormal}`.padEnd(w)}${pad(c.fn, 18)}${pad(c.tp, 20)}`,
    `sensitivity ${c.tpr.toFixed(3)}   specificity ${(1 - c.fpr).toFixed(3)}   (anomalous when score >= threshold ${c.threshold.toFixed(4)})`,
  ].join('\n');
}
