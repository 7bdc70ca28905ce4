/**
 * Evaluating a labelled folder (NORMAL/ vs ABNORMAL/) on the batch service: shared by `xray-anomaly
 * eval` and the accuracy benchmark. Scoring and resuming are the service's (src/engine/batch/service.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScannedFile } from '../core/batch/plan';
import type { BatchRow } from '../core/batch/types';
import type { ModelInfo } from '../core/model/manifest';
import { averagePrecision, confusionAt, rocAuc, type Confusion, type Label } from '../core/metrics/roc';
import { inShard, scanImages, type ScanFs, type Shard } from '../core/dataset/scan';
import { nodeDatasetFs } from '../engine/batch/nodeFs';
import { BatchService } from '../engine/batch/service';
import { loadResults } from '../engine/batch/store';
import type { EngineClient } from '../engine/client';
import type { ProviderPreference } from '../protocol/engine';

/** The same listing as the batch service's (links to files count as files, folders are not followed). */
export const nodeScanFs: ScanFs = nodeDatasetFs;

export interface ScoreRun {
  engine: EngineClient;
  model: ModelInfo;
  provider: ProviderPreference;
}

/**
 * Scores `files` (relative to root) through the batch service into `out` (a results store; resumable),
 * or a temporary store when `out` is undefined. Returns the row of each file for this model.
 */
export async function scoreFiles(
  run: ScoreRun,
  root: string,
  files: string[],
  out: string | undefined,
  opts: { rescoreErrors: boolean; label: string },
): Promise<BatchRow[]> {
  const temp = out ? undefined : mkdtempSync(join(tmpdir(), 'xray-anomaly-eval-'));
  const store = out ?? join(temp!, 'results.jsonl');
  try {
    const scanned: ScannedFile[] = await Promise.all(
      files.map(async (path) => {
        const st = await fsp.stat(join(root, path));
        return { path, size: st.size, mtimeMs: st.mtimeMs };
      }),
    );
    let last = 0;
    const summary = await new BatchService(run.engine).run(
      {
        root,
        models: [{ manifestPath: run.model.manifestPath }],
        store,
        files: scanned,
        provider: run.provider,
        rescoreErrors: opts.rescoreErrors,
        // Rows in a temporary store are read for their scores only: no quality measures for them.
        quality: out !== undefined,
      },
      {
        onProgress: (p) => {
          if (p.phase !== 'scoring' || Date.now() - last < 2000) return;
          last = Date.now();
          process.stderr.write(
            `${opts.label}: ${p.done}/${p.total}${p.rate ? ` (${p.rate.toFixed(1)} img/s${p.etaS !== undefined ? `, ETA ${p.etaS.toFixed(0)} s` : ''})` : ''}\n`,
          );
        },
      },
    );
    if (summary.upToDate)
      process.stderr.write(
        `${opts.label}: ${summary.upToDate} already scored in ${out}, ${summary.processed} scored now\n`,
      );
    const { table } = await loadResults(store);
    const model = summary.models[0];
    return files.flatMap((f) => table.get(f, model) ?? []);
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
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
  const all: BatchRow[] = [];
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
