/**
 * `xray-anomaly score`: the batch service (src/engine/batch/service.ts) with a progress bar, signals
 * and exit codes. Without --out, rows go to a temporary store and are printed as JSON Lines.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BatchRow } from '../core/batch/types';
import type { BatchProgress } from '../core/batch/progress';
import { toErrorInfo } from '../core/errors';
import type { EngineClient } from '../engine/client';
import { BatchService, type BatchSummary } from '../engine/batch/service';
import { StoreBusyError, StoreWriteError } from '../engine/batch/store';
import type { Shard } from '../core/dataset/scan';
import type { ProviderPreference } from '../protocol/engine';
import { EXIT } from './exitCodes';
import { ProgressBar } from './progressBar';
import { driftLines } from './drift';
import { qualityLines } from './quality';
import type { QualityThresholds } from '../core/quality/types';
import { parseRows } from '../core/batch/jsonl';

export interface ScoreArgs {
  root: string;
  manifests: string[];
  out?: string;
  shard?: Shard;
  provider: ProviderPreference;
  include?: string[];
  exclude?: string[];
  rescoreErrors: boolean;
  /** Thumbnail/heatmap cache folder. */
  media?: string;
  json: boolean;
  /** Exit 0 instead of 2 when the only problem is files without a score (cluster jobs: not worth a retry). */
  failedOk?: boolean;
  /** File listing images (relative paths) the user confirmed as normal: the drift lines measure false alarms on them. */
  normals?: string;
  /** Dataset-quality thresholds (the settings' defaults unless --dark-level etc. were given). */
  quality?: QualityThresholds;
}

export async function runScore(engine: EngineClient, a: ScoreArgs): Promise<number> {
  const temp = a.out ? undefined : mkdtempSync(join(tmpdir(), 'xray-anomaly-score-'));
  const store = a.out ? resolve(a.out.replace('{shard}', String(a.shard?.index ?? 0))) : join(temp!, 'results.jsonl');
  const ac = new AbortController();
  let signalled: string | undefined;
  const onSignal = (sig: string) => {
    if (signalled) return;
    signalled = sig;
    process.stderr.write(`\n${sig}: finishing the files in flight, then stopping (run again to continue)\n`);
    ac.abort();
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  const bar = new ProgressBar({
    write: (s) => process.stderr.write(s),
    isTTY: process.stderr.isTTY,
    columns: process.stderr.columns,
  });
  let failedPaths = 0;
  let last: BatchProgress | undefined;
  try {
    const summary = await new BatchService(engine).run(
      {
        root: resolve(a.root),
        models: a.manifests.map((manifestPath) => ({ manifestPath })),
        store,
        media: a.media ? { dir: resolve(a.media) } : undefined,
        scan: { include: a.include, exclude: a.exclude },
        shard: a.shard,
        provider: a.provider,
        rescoreErrors: a.rescoreErrors,
        signal: ac.signal,
      },
      {
        onOpen: (table, info) => {
          if (info.repaired !== 'none')
            process.stderr.write(`note: ${store}: repaired a torn last line (${info.repaired})\n`);
          if (info.badLines.length)
            process.stderr.write(`note: ${store}: ignored ${info.badLines.length} damaged line(s)\n`);
          if (table.size) process.stderr.write(`${store}: ${table.size} rows from earlier runs\n`);
        },
        onModels: (models) => {
          for (const m of models)
            process.stderr.write(
              `model ${m.modelId} ${m.version} on ${m.provider}${m.fallbacks.length ? ` (skipped: ${m.fallbacks.join('; ')})` : ''}\n`,
            );
        },
        onPlan: (p) => {
          const why = Object.entries(p.reasons)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ');
          process.stderr.write(
            `${p.files} files${a.shard ? ` in shard ${a.shard.index}/${a.shard.count}` : ''}: ${p.toScore} to score${why ? ` (${why})` : ''}, ${p.upToDate} up to date\n`,
          );
        },
        onRows: (rows) => {
          bar.finish();
          for (const r of rows)
            if (r.error) {
              failedPaths++;
              if (failedPaths <= 20) process.stderr.write(`  ${r.path}: [${r.error.code}] ${r.error.message}\n`);
              else if (failedPaths === 21) process.stderr.write('  (more failures: see the results)\n');
            }
        },
        onProgress: (p) => {
          last = p;
          bar.update(p);
        },
        onScored: killHook(),
        onEngineRestart: (e) => {
          bar.finish();
          process.stderr.write(`engine restarted (${e.restarts}): ${e.message}\n`);
        },
      },
    );
    bar.finish();
    process.stdout.write(describe(summary, a.out ? store : undefined) + '\n');
    // Score drift against each model's calibration normals (the folder's rows, earlier runs included); on
    // stderr when stdout carries the rows as JSON Lines.
    const rows = parseRows(readFileSync(store, 'utf8')).rows;
    const say = a.out ? process.stdout : process.stderr;
    for (const m of a.manifests) for (const line of driftLines(m, rows, a.normals)) say.write(`${line}\n`);
    for (const line of qualityLines(rows, 20, a.quality)) say.write(`${line}\n`);
    if (a.json) process.stdout.write(JSON.stringify(summary) + '\n');
    if (!a.out) process.stdout.write(readFileSync(store, 'utf8'));
    if (summary.cancelled) return EXIT.INTERRUPTED;
    return summary.filesWithErrors > 0 && !a.failedOk ? EXIT.SOME_FAILED : EXIT.OK;
  } catch (err) {
    bar.finish();
    // What the stopped run scored and what of it reached the store (the service's last progress).
    const counts =
      last?.phase !== 'stopped'
        ? ''
        : last.total || last.done
          ? `xray-anomaly: stopped with ${last.done} of ${last.total} files scored, ${last.saved} saved; ${last.skipped} up to date from earlier runs\n`
          : `xray-anomaly: stopped before scoring: nothing scored or saved${last.skipped ? `; ${last.skipped} files kept from earlier runs` : ''}\n`;
    if (err instanceof StoreWriteError || err instanceof StoreBusyError) {
      process.stderr.write(`xray-anomaly: ${err.message}\n${counts}`);
      return EXIT.STORE;
    }
    const info = toErrorInfo(err);
    if (info.code.startsWith('MODEL_') || info.code.startsWith('ENGINE_')) {
      process.stderr.write(`xray-anomaly: ${info.message}\n${counts}`);
      return EXIT.ENGINE;
    }
    throw err;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

function describe(s: BatchSummary, out: string | undefined): string {
  const failures = Object.entries(s.failuresByCode)
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
  return [
    `${s.processed} processed in ${(s.ms / 1000).toFixed(1)} s: ${s.scored} rows scored, ${s.failed} failed${failures ? ` (${failures})` : ''}`,
    s.refreshed ? `, ${s.refreshed} unchanged (touched only)` : '',
    s.reused ? `, ${s.reused} reused from the same content under another path (moved or copied)` : '',
    `; ${s.upToDate} already up to date`,
    s.restarts ? `; engine restarted ${s.restarts} time(s)` : '',
    s.filesWithErrors ? `; ${s.filesWithErrors} file(s) without a score` : '',
    s.cancelled ? '; INTERRUPTED (run again to continue)' : '',
    out ? `; results in ${out}` : '',
  ].join('');
}

export type { BatchRow };

/**
 * Test hook (only with XRAY_ANOMALY_ENGINE_TEST_HOOKS=1): XRAY_ANOMALY_TEST_KILL_AFTER=N kills this process's
 * whole group (the CLI, its engine and workers: a `kill -9` of everything) once N files of this run are
 * scored, before their rows are written. The resume test uses it to crash mid-run at seeded points; a kill
 * from outside raced the run, which on a quiet machine finished before any kill (fresh clone, 90,90,90,90).
 */
function killHook(): ((done: number) => void) | undefined {
  const after = Number(process.env.XRAY_ANOMALY_TEST_KILL_AFTER);
  if (process.env.XRAY_ANOMALY_ENGINE_TEST_HOOKS !== '1' || !Number.isInteger(after) || after < 1) return undefined;
  return (done) => {
    if (done < after) return;
    try {
      process.kill(-process.pid, 'SIGKILL'); // the group, when this process leads one (spawned detached)
    } catch {
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
