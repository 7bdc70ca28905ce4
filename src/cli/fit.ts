/**
 * `xray-anomaly fit <folder> --out <dir> --id <model-id>`: fits a detector on the normal images under a
 * folder through the engine (the same code the editor's command runs), with progress and ETA on stderr.
 * Ctrl-C cancels cleanly (the engine deletes what it had started writing); a second Ctrl-C stops at once.
 */
import { mkdirSync, readdirSync, rmdirSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XrayError } from '../core/errors';
import { describeFalseAlarm, formatPercent } from '../core/fit/calibrate';
import { MIN_FIT_IMAGES } from '../core/fit/fitModel';
import type { FitPipelineId } from '../core/fit/pipelines';
import { DEFAULT_DECODE_LIMITS } from '../core/image/types';
import { scanImages } from '../core/dataset/scan';
import type { EngineClient } from '../engine/client';
import type { EngineNotifications, FitResult } from '../protocol/engine';
import { nodeScanFs } from './scoring';

export interface FitCommandOptions {
  folder: string;
  out: string;
  id: string;
  name?: string;
  coreset?: number;
  calibration?: number;
  kind?: 'combined' | 'patchcore' | 'gaussian';
  backbone?: string;
  overwrite?: boolean;
  pipeline?: FitPipelineId;
  mirror?: boolean;
  /** Position-aware local evidence (FitModelRequest.positional). */
  positional?: boolean;
  /** Only the fine position-aware map, not the score part (FitModelRequest.positionalMap). */
  positionalMap?: boolean;
  /** The image score also reads the fine map (FitModelRequest.fineScore). */
  fineScore?: boolean;
  /** The fine map also compares local grey-level contrast (FitModelRequest.contrastMap). */
  contrastMap?: boolean;
  /** Where progress lines go (stderr). */
  write(line: string): void;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m ${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

export function formatProgress(p: EngineNotifications['fitProgress']): string {
  const eta = p.etaS !== undefined ? `, ETA ${formatDuration(p.etaS)}` : '';
  return `fit: ${(p.fraction * 100).toFixed(0).padStart(3)}% ${p.stage.padEnd(9)} ${p.message}${eta}`;
}

export function numberOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new XrayError('MODEL_INVALID', `--${name} must be a number, got "${v}"`);
  return n;
}

/** Runs the fit; resolves with the result, rejects with the engine's XrayError (CANCELLED after Ctrl-C). */
export async function runFit(engine: EngineClient, o: FitCommandOptions): Promise<FitResult> {
  const folder = resolve(o.folder);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new XrayError('MODEL_INVALID', `${o.folder} is not a folder.`);
  const rel = await scanImages(folder, nodeScanFs);
  if (rel.length === 0)
    throw new XrayError(
      'EMPTY_FILE',
      `There are no images (.dcm .png .jpg .tif) under ${folder}: fitting needs a folder of normal images.`,
    );
  if (rel.length < MIN_FIT_IMAGES)
    throw new XrayError(
      'EMPTY_FILE',
      `${rel.length} image${rel.length === 1 ? '' : 's'} found under ${folder}, at least ${MIN_FIT_IMAGES} needed (mirrored copies do not count: they add no new patient).`,
    );
  const outDir = resolve(o.out);
  const created = !existsSync(outDir);
  if (created) mkdirSync(outDir, { recursive: true });
  const jobId = `cli-${process.pid}-${Date.now().toString(36)}`;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      o.write('fit: cancelling (Ctrl-C again to stop at once)...');
      void engine.cancelFit(jobId).catch(() => undefined);
    } else {
      // The engine removes its temporary files on the way out.
      engine.dispose();
    }
  };
  process.on('SIGINT', onSigint);
  let last = '';
  let lastAt = 0;
  o.write(`fit: ${rel.length} images under ${folder} -> ${join(outDir, `${o.id}.onnx`)}`);
  try {
    return await engine.fit(
      {
        jobId,
        files: rel.map((r) => join(folder, r)),
        outDir,
        modelId: o.id,
        name: o.name,
        overwrite: o.overwrite,
        coresetRatio: o.coreset,
        kind: o.kind,
        calibrationFraction: o.calibration,
        backboneManifestPath: o.backbone ? resolve(o.backbone) : undefined,
        pipeline: o.pipeline,
        mirror: o.mirror,
        positional: o.positional,
        positionalMap: o.positionalMap,
        fineScore: o.fineScore,
        contrastMap: o.contrastMap,
        limits: DEFAULT_DECODE_LIMITS,
      },
      (p) => {
        const line = formatProgress(p);
        const now = Date.now();
        // One line a second is plenty in a log; stage changes always show.
        if (now - lastAt < 1000 && p.stage === last && p.fraction < 1) return;
        lastAt = now;
        last = p.stage;
        o.write(line);
      },
    );
  } catch (err) {
    if (created && existsSync(outDir) && readdirSync(outDir).length === 0) rmdirSync(outDir);
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** "threshold cross-fitted on all 12 (12 patients, 12 folds)" / "2 held out for calibration" */
export function calibrationPhrase(r: FitResult): string {
  const c = r.calibration;
  if (c.method === 'held-out') return `${r.images.calibration} held out for calibration`;
  const on = c.images === r.images.used ? `all ${c.images}` : `${c.images} of them`;
  const detail = [
    c.groups !== undefined ? `${c.groups} patient${c.groups === 1 ? '' : 's'}` : '',
    c.folds !== undefined ? `${c.folds} fold${c.folds === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return `threshold cross-fitted on ${on}${detail.length ? ` (${detail.join(', ')})` : ''}`;
}

export function describeFitResult(r: FitResult): string {
  const c = r.calibration;
  const lines = [
    `wrote ${r.manifestPath}`,
    `  ${r.onnxPath}`,
    `  ${r.images.used} images used (${calibrationPhrase(r)}), ${r.images.skipped.length} skipped; memory bank ${r.memoryBank.rows} x ${r.memoryBank.dims}; threshold ${r.threshold.toFixed(4)}; ${(r.fitMs / 1000).toFixed(1)} s`,
  ];
  if (r.preprocessing)
    lines.push(
      `  preprocessing: ${r.preprocessing.pipeline} (${r.preprocessing.spec.steps.map((s) => s.op).join(', ')})${r.images.mirrored ? `; ${r.images.mirrored} mirrored copies fitted on besides (the threshold is set on the originals)` : ''}`,
    );
  const out = c.outliers;
  if (out)
    lines.push(
      `  threshold: ${out.count} atypical image${out.count === 1 ? '' : 's'} left out (above median ${out.median.toFixed(4)} + ${out.k} robust sd ${out.spread.toFixed(4)} = ${out.cap.toFixed(4)}); with ${out.count === 1 ? 'it' : 'them'} the threshold would have been ${out.conformalThreshold.toFixed(4)}`,
    );
  // On stdout with the rest, not only in the log: a threshold from too few images is shipped, but never
  // silently. The warning already gives the false-alarm range, so it replaces the plain line.
  if (c.warning) lines.push(`  warning: ${c.warning}`);
  else
    lines.push(
      `  false alarms: ${describeFalseAlarm(c.falseAlarm)}; aimed at ${formatPercent(c.falseAlarm.nominal)} (threshold = rank ${c.rank} of ${c.images} unseen scores)`,
    );
  const unusual = c.mostUnusual ?? [];
  if (unusual.length)
    lines.push(
      `  most unusual images (highest unseen scores; check they are normal): ${unusual.map((u) => `${u.path} ${u.score.toFixed(4)}${u.excluded ? ' (left out of the threshold)' : u.score === r.threshold ? ' = threshold' : ''}`).join(', ')}`,
    );
  for (const s of r.images.skipped.slice(0, 10)) lines.push(`  skipped ${s.path}: [${s.code}] ${s.message}`);
  if (r.images.skipped.length > 10) lines.push(`  ... and ${r.images.skipped.length - 10} more skipped`);
  return lines.join('\n');
}
