/**
 * The batch service: scan a folder, plan against the store, score what is new or changed through the
 * engine's pipelined `batchScore`, append rows durably, and keep going through bad files and engine
 * crashes. The CLI (`xray-anomaly score`) and the extension's "Score Folder..." both drive it; it has no
 * `vscode` import. See docs/results-store.md for the store and the README section "Batch service API".
 *
 *   const service = new BatchService(engineClient);
 *   const summary = await service.run(
 *     { root, models: [modelInfo], store: '<ws>/.xray-anomaly/batch/x/results.jsonl', media: { dir }, signal },
 *     { onOpen: (table) => ..., onRows: (rows) => ..., onProgress: (p) => ..., onEngineRestart: (e) => ... },
 *   );
 *
 * Rows reach `onRows` only after they are on disk (fsync). Cancelling (`signal`) stops sending files,
 * writes the rows of files already in flight, and resolves with `cancelled: true`; re-running continues.
 * Fatal problems reject: StoreWriteError (disk full, read-only), StoreBusyError (another run writes the
 * store), XrayError MODEL_* (a model cannot load) or ENGINE_CRASHED (the engine keeps crashing).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { preprocessingHash } from '../../core/batch/keys';
import { planBatch, type BatchPlan, type PlanItem, type ScannedFile } from '../../core/batch/plan';
import { reuseCandidates, reusedRows } from '../../core/batch/reuse';
import { RateMeter, type BatchProgress } from '../../core/batch/progress';
import type { ResultTable } from '../../core/batch/table';
import type { BatchRow, ModelRef, RowError } from '../../core/batch/types';
import { inShard, scanDataset, type DatasetScanOptions, type Shard } from '../../core/dataset/scan';
import { toErrorInfo, XrayError } from '../../core/errors';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../core/image/types';
import { parseManifest } from '../../core/model/validate';
import type {
  BatchItemOutcome,
  BatchPipelineStats,
  BatchItemSpec,
  BatchScoreRequest,
  BatchScoreResult,
  LoadedModel,
  ProviderPreference,
} from '../../protocol/engine';
import type { EngineClient } from '../client';
import { appendEmbeddings } from './embeddings';
import { DEFAULT_MEDIA_CAP_BYTES, evictMedia } from './mediaCache';
import { nodeDatasetFs } from './nodeFs';
import { ResultStore, storedFiles, StoreWriteError, type LoadInfo } from './store';

export interface BatchModelInput {
  /** The model's manifest (`<name>.model.json`); id, version and preprocessing are read from it. */
  manifestPath: string;
}

export interface BatchRunOptions {
  /** Absolute folder to score; row paths are relative to it. */
  root: string;
  models: BatchModelInput[];
  /** The store's JSON Lines file (index, lock beside it). */
  store: string;
  /** Thumbnails and heatmaps: folder, size cap (default 256 MB), longest side (default 128), heatmaps (default true). */
  media?: { dir: string; maxBytes?: number; size?: number; heatmaps?: boolean };
  /** Include/exclude globs, files.exclude, DICOM sniffing (src/core/dataset/scan.ts). */
  scan?: DatasetScanOptions;
  /** A ready file list instead of scanning (paths relative to root, with size and mtime). */
  files?: ScannedFile[];
  shard?: Shard;
  provider?: ProviderPreference;
  /** Also retry files that failed for their own reasons (corrupt...) last time. */
  rescoreErrors?: boolean;
  limits?: DecodeLimits;
  signal?: AbortSignal;
  tuning?: BatchTuning;
  /**
   * The dataset-quality measures in the rows (default true). A run whose rows are read for their scores
   * only (an evaluation into a temporary store) turns them off: they cost more than preprocessing does.
   */
  quality?: boolean;
}

export interface BatchTuning {
  /** Files per engine request (default 8) and requests in flight (default 4): the bound on files in the engine. */
  chunk?: number;
  inFlight?: number;
  /** Engine restarts tolerated in one run before giving up (default 20). */
  maxRestarts?: number;
  /** Rows are written at least this often (ms, default 200) or every 256 rows. */
  flushMs?: number;
  /** Progress events at most this often (ms, default 250). */
  progressMs?: number;
}

export interface BatchListener {
  /** The store is open: rows from earlier runs (the panel can show them at once) and how it loaded. */
  onOpen?(table: ResultTable, info: LoadInfo): void;
  onPlan?(plan: Omit<BatchPlan, 'items'> & { toScore: number; models: ModelRef[] }): void;
  /** Rows now durable in the store, in write order. */
  onRows?(rows: BatchRow[]): void;
  /** Files scored so far in this run, counted when their rows are made, before they are written. */
  onScored?(done: number): void;
  onProgress?(p: BatchProgress): void;
  /** The engine stopped mid-batch and was restarted; the batch goes on. */
  onEngineRestart?(e: { restarts: number; message: string }): void;
  /** The sessions in use (provider, fallbacks), once known. */
  onModels?(models: LoadedModel[]): void;
}

export interface BatchSummary {
  root: string;
  store: string;
  models: ModelRef[];
  /** Files scanned (after shard and filters), already up to date, and processed in this run. */
  files: number;
  upToDate: number;
  processed: number;
  /** Files of `processed` whose rows reached the store. */
  saved: number;
  /** Rows written with a score, with an error, or refreshed (content unchanged, only stat). */
  scored: number;
  failed: number;
  refreshed: number;
  /** Rows copied from a stored result of the same content and model (a moved, renamed or copied file). */
  reused: number;
  failuresByCode: Record<string, number>;
  restarts: number;
  cancelled: boolean;
  ms: number;
  /** Rows in the store after the run (all files, all models). */
  tableRows: number;
  /** Scanned files that, after the run, have an error row (this run's or an earlier one's) for some model. */
  filesWithErrors: number;
  /**
   * Where the engine's time went, from its first answer in this run to its last (since the last restart):
   * how to tell a starved pipeline (prep workers idle) from a busy one. Absent when nothing was scored.
   */
  pipeline?: BatchPipelineStats;
}

interface Work extends PlanItem {
  crashes: number;
}

const CRASH_CODES = new Set(['ENGINE_CRASHED', 'ENGINE_TIMEOUT']);

export class BatchService {
  constructor(private readonly engine: EngineClient) {}

  async run(opts: BatchRunOptions, given: BatchListener = {}): Promise<BatchSummary> {
    const t0 = performance.now();
    // Files still in flight when a run stops (a full disk) would report after it: a caller would show
    // "Scoring" for a run that has ended. Nothing reaches the listener once run() has settled.
    let settled = false;
    const listener = untilSettled(given, () => settled);
    const models = await Promise.all(opts.models.map((m) => modelRefOf(m.manifestPath)));
    const progress: BatchProgress = {
      phase: 'scanning',
      total: 0,
      done: 0,
      saved: 0,
      scored: 0,
      failed: 0,
      skipped: 0,
      restarts: 0,
    };
    const emit = () => listener.onProgress?.({ ...progress });
    // A run that fails as a whole says so in a last progress event, with what it scored and saved.
    const stopped = (err: unknown): never => {
      progress.phase = 'stopped';
      emit();
      throw err;
    };
    const store = await ResultStore.open(opts.store).catch(async (err: unknown) => {
      // Not writable (read-only, locked) is still readable: the stopped progress says what the store keeps.
      progress.skipped = await storedFiles(opts.store, models).catch(() => 0);
      return stopped(err);
    });
    try {
      listener.onOpen?.(store.table, store.loadInfo);
      emit();
      let files =
        opts.files ?? (await scanDataset(opts.root, nodeDatasetFs, { ...opts.scan }).catch(scanError(opts.root)));
      if (opts.shard) files = files.filter((f) => inShard(f.path, opts.shard));
      progress.phase = 'planning';
      emit();
      const plan = planBatch(files, store.table, models, { rescoreErrors: opts.rescoreErrors });
      // Moved, renamed or copied files: their content's stored results are reused, not scored again.
      const reused = await reuseByContent(opts.root, plan, store.table, opts.signal);
      if (reused.length) {
        await store.append(reused);
        listener.onRows?.(reused);
      }
      progress.total = plan.items.length;
      progress.skipped = files.length - plan.items.length;
      listener.onPlan?.({
        files: plan.files,
        upToDate: plan.upToDate,
        reasons: plan.reasons,
        toScore: plan.items.length,
        models,
      });
      progress.phase = 'scoring';
      emit();
      const run = new Run(this.engine, opts, models, store, plan, progress, listener);
      await run.go().catch(stopped);
      progress.phase = 'done';
      emit();
      if (opts.media) {
        await evictMedia(opts.media.dir, opts.media.maxBytes ?? DEFAULT_MEDIA_CAP_BYTES).catch(() => undefined);
      }
      return {
        root: opts.root,
        store: opts.store,
        models,
        files: files.length,
        upToDate: plan.upToDate,
        processed: progress.done,
        saved: progress.saved,
        scored: run.scored,
        failed: run.failed,
        refreshed: run.refreshed,
        reused: reused.length,
        failuresByCode: run.failuresByCode,
        restarts: progress.restarts,
        cancelled: run.cancelled,
        ms: performance.now() - t0,
        tableRows: store.table.size,
        filesWithErrors: files.filter((f) => models.some((m) => store.table.get(f.path, m)?.error)).length,
        pipeline: run.pipeline(),
      };
    } finally {
      settled = true;
      await store.close();
    }
  }
}

/** The listener's calls, dropped once `settled()` is true. */
function untilSettled(listener: BatchListener, settled: () => boolean): BatchListener {
  const live = <A extends unknown[]>(fn: ((...a: A) => void) | undefined) =>
    fn && ((...a: A) => void (settled() || fn.apply(listener, a)));
  return {
    onOpen: live(listener.onOpen),
    onPlan: live(listener.onPlan),
    onRows: live(listener.onRows),
    onScored: live(listener.onScored),
    onProgress: live(listener.onProgress),
    onEngineRestart: live(listener.onEngineRestart),
    onModels: live(listener.onModels),
  };
}

/**
 * The plan step for moved files: candidates (core/batch/reuse.ts) are hashed here, a few at a time; a
 * file whose every model has a result for its content leaves the plan, the others keep only the models
 * without one. Returns the rows to write. A file that cannot be read now is left to the run (its error row).
 */
async function reuseByContent(
  root: string,
  plan: BatchPlan,
  table: ResultTable,
  signal?: AbortSignal,
): Promise<BatchRow[]> {
  const candidates = reuseCandidates(plan.items, table);
  if (!candidates.length) return [];
  const at = new Date().toISOString();
  const out: BatchRow[] = [];
  const done = new Set<PlanItem>();
  let next = 0;
  const worker = async () => {
    while (next < candidates.length && !signal?.aborted) {
      const item = candidates[next++];
      const bytes = await fsp.readFile(join(root, item.path)).catch(() => undefined);
      if (!bytes) continue;
      const { rows, rest } = reusedRows(item, createHash('sha256').update(bytes).digest('hex'), table, at);
      if (!rows.length) continue;
      out.push(...rows);
      if (rest.length) item.models = rest;
      else done.add(item);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (done.size) plan.items = plan.items.filter((i) => !done.has(i));
  return out;
}

/** id, version and preprocessing hash of a model, from its manifest. */
export async function modelRefOf(manifestPath: string): Promise<ModelRef> {
  let text: string;
  try {
    text = await fsp.readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new XrayError('MODEL_NOT_FOUND', `The model manifest ${manifestPath} cannot be read.`, String(err));
  }
  const m = parseManifest(text, manifestPath);
  return { id: m.id, version: m.version, prep: preprocessingHash(m) };
}

function scanError(root: string) {
  return (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new XrayError('CORRUPT', `The folder ${root} does not exist.`);
    throw err;
  };
}

/** One run's scheduling state: a queue of files, a few engine requests in flight, a write buffer. */
class Run {
  scored = 0;
  failed = 0;
  refreshed = 0;
  cancelled = false;
  readonly failuresByCode: Record<string, number> = {};
  private readonly queue: (Work | undefined)[];
  private cursor = 0;
  /** Files whose request failed with an engine crash: sent one at a time until cleared. */
  private readonly suspects: Work[] = [];
  private inFlight = 0;
  private buffer: BatchRow[] = [];
  /** Backbone embeddings of the buffered rows, written beside the store with them (embeddings.ts). */
  private vectors: { model: ModelRef; hash: string; vector: number[] }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private fatal?: unknown;
  private lastCrashGeneration = -1;
  private lastProgress = 0;
  private readonly meter = new RateMeter(() => performance.now());
  private readonly chunk: number;
  private readonly maxInFlight: number;
  private readonly request: Omit<BatchScoreRequest, 'items'>;
  private wake?: () => void;
  private modelsReported = false;
  /** Rows written since the media cache was last brought under its cap, and files it held then. */
  private sinceEviction = 0;
  private mediaFiles = 0;
  /** The engine's pipeline counters at its first and latest answer (same engine generation). */
  private stats?: { generation: number; first: BatchPipelineStats; last: BatchPipelineStats };
  /** Path of the last row appended: a file's rows are pushed together, so a new path is one more file saved. */
  private lastSaved?: string;

  constructor(
    private readonly engine: EngineClient,
    private readonly opts: BatchRunOptions,
    private readonly models: ModelRef[],
    private readonly store: ResultStore,
    plan: BatchPlan,
    private readonly progress: BatchProgress,
    private readonly listener: BatchListener,
  ) {
    this.queue = plan.items.map((i) => ({ ...i, crashes: 0 }));
    // The run owns the items from here; each is let go once sent (see nextChunk).
    plan.items = [];
    this.chunk = Math.max(1, opts.tuning?.chunk ?? 8);
    this.maxInFlight = Math.max(1, opts.tuning?.inFlight ?? 4);
    this.request = {
      models: opts.models.map((m) => ({ manifestPath: m.manifestPath, provider: opts.provider ?? 'auto' })),
      limits: opts.limits ?? DEFAULT_DECODE_LIMITS,
      media: opts.media
        ? { dir: opts.media.dir, size: opts.media.size ?? 128, heatmaps: opts.media.heatmaps ?? true }
        : undefined,
      ...(opts.quality === false ? { quality: false } : {}),
    };
  }

  async go(): Promise<void> {
    const onAbort = () => {
      this.cancelled = true;
      this.wake?.();
    };
    this.opts.signal?.addEventListener('abort', onAbort);
    if (this.opts.signal?.aborted) this.cancelled = true;
    const timer = setInterval(() => void this.flush(false), this.opts.tuning?.flushMs ?? 200);
    try {
      for (;;) {
        if (this.fatal) break;
        const next = this.cancelled ? undefined : this.nextChunk();
        if (next) {
          this.send(next);
          continue;
        }
        if (this.inFlight === 0 && (this.cancelled || this.remaining() === 0)) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      clearInterval(timer);
      this.opts.signal?.removeEventListener('abort', onAbort);
    }
    await this.flush(true);
    if (this.fatal) throw this.fatal;
  }

  private remaining(): number {
    return this.queue.length - this.cursor + this.suspects.length;
  }

  /** The next files to send, or undefined when the window is full or nothing is left. */
  private nextChunk(): Work[] | undefined {
    if (this.suspects.length > 0) {
      // Isolation: one suspect alone, after everything else in flight has settled.
      return this.inFlight === 0 ? [this.suspects.shift()!] : undefined;
    }
    if (this.inFlight >= this.maxInFlight || this.cursor >= this.queue.length) return undefined;
    const end = Math.min(this.queue.length, this.cursor + this.chunk);
    const out = this.queue.slice(this.cursor, end) as Work[];
    // Items are not needed here once sent (requests hold them): a 100,000-file run does not keep them all.
    this.queue.fill(undefined, this.cursor, end);
    this.cursor = end;
    return out;
  }

  private send(items: Work[]): void {
    this.inFlight++;
    const specs: BatchItemSpec[] = items.map((w) => ({
      path: join(this.opts.root, w.path),
      models: w.models.map((m) => this.models.indexOf(m)),
      ...(w.knownHash ? { knownHash: w.knownHash } : {}),
    }));
    const generation = this.engine.generation;
    void this.engine
      .batchScore({ ...this.request, items: specs })
      .then(
        (res) => this.accept(items, res, generation),
        (err) => this.reject(items, err, generation),
      )
      .catch((err) => (this.fatal ??= err))
      .finally(() => {
        this.inFlight--;
        this.wake?.();
      });
  }

  /** The engine's pipeline counters over this run (see BatchSummary.pipeline). */
  pipeline(): BatchPipelineStats | undefined {
    if (!this.stats) return undefined;
    const { first, last } = this.stats;
    return {
      workers: last.workers,
      prepBusyMs: last.prepBusyMs - first.prepBusyMs,
      prepLifeMs: last.prepLifeMs - first.prepLifeMs,
      inferRuns: last.inferRuns - first.inferRuns,
      inferItems: last.inferItems - first.inferItems,
      inferLeanItems: last.inferLeanItems - first.inferLeanItems,
      inferMs: last.inferMs - first.inferMs,
      mainBusyMs: last.mainBusyMs - first.mainBusyMs,
      mainIdleMs: last.mainIdleMs - first.mainIdleMs,
    };
  }

  private accept(items: Work[], res: BatchScoreResult, generation: number): void {
    if (res.pipeline) {
      if (this.stats?.generation !== generation) this.stats = { generation, first: res.pipeline, last: res.pipeline };
      else this.stats.last = res.pipeline;
    }
    if (!this.modelsReported) {
      this.modelsReported = true;
      this.listener.onModels?.(res.models);
    }
    const at = new Date().toISOString();
    res.items.forEach((o, i) => this.rowsOf(items[i], o, at));
    this.progress.done += items.length;
    this.listener.onScored?.(this.progress.done);
    this.tick();
  }

  private reject(items: Work[], err: unknown, generation: number): void {
    const info = toErrorInfo(err);
    if (!CRASH_CODES.has(info.code)) {
      // Not about the files: a model that cannot load, an engine that cannot start. Stop the batch.
      this.fatal ??= err;
      return;
    }
    // Every request in flight fails with the same crash: count it once.
    if (generation !== this.lastCrashGeneration) {
      this.lastCrashGeneration = generation;
      this.progress.restarts++;
      this.listener.onEngineRestart?.({ restarts: this.progress.restarts, message: info.message });
      if (this.progress.restarts > (this.opts.tuning?.maxRestarts ?? 20)) {
        this.fatal ??= new XrayError(
          'ENGINE_CRASHED',
          `The inference engine stopped ${this.progress.restarts} times in this batch; giving up. Last: ${info.message}`,
        );
        return;
      }
    }
    const alone = items.length === 1 && items[0].crashes > 0;
    for (const w of items) {
      w.crashes++;
      if (alone && w.crashes >= 2) {
        // This file alone stopped the engine twice: record it and go on without it.
        const error: RowError = {
          code: info.code,
          message: `The inference engine stopped twice while scoring this file, so it was skipped (${info.message})`,
          stage: 'engine',
        };
        const at = new Date().toISOString();
        for (const m of w.models) this.push(this.errorRow(w, m, error, '', w.size, w.mtimeMs, 0, at));
        this.progress.done++;
      } else this.suspects.push(w);
    }
    this.tick();
  }

  private rowsOf(w: Work, o: BatchItemOutcome, at: string): void {
    const ms = Math.round(o.prepMs);
    if (o.unchanged) {
      for (const m of w.models) {
        const prev = this.store.table.get(w.path, m);
        if (prev) this.push({ ...prev, size: o.size, mtimeMs: o.mtimeMs, at }, true);
      }
      return;
    }
    w.models.forEach((m, i) => {
      const mo = o.models[i];
      const error = o.error ?? mo?.error ?? (mo?.score ? undefined : { code: 'INTERNAL', message: 'No result.' });
      if (error) {
        const row = this.errorRow(w, m, error, o.hash, o.size, o.mtimeMs, ms + Math.round(mo?.ms ?? 0), at, o.thumb);
        if (o.quality) row.quality = o.quality;
        this.push(row);
        return;
      }
      const row: BatchRow = {
        path: w.path,
        modelId: m.id,
        modelVersion: m.version,
        prep: m.prep,
        hash: o.hash,
        size: o.size,
        mtimeMs: o.mtimeMs,
        score: mo.score,
        provider: mo.provider,
        ms: ms + Math.round(mo.ms),
        at,
      };
      if (o.thumb) row.thumb = o.thumb;
      if (mo.heatmap) row.heatmap = mo.heatmap;
      if (o.quality) row.quality = o.quality;
      if (mo.embedding && o.hash) this.vectors.push({ model: m, hash: o.hash, vector: mo.embedding });
      this.push(row);
    });
  }

  private errorRow(
    w: Work,
    m: ModelRef,
    error: RowError,
    hash: string,
    size: number,
    mtimeMs: number,
    ms: number,
    at: string,
    thumb?: string,
  ): BatchRow {
    const row: BatchRow = {
      path: w.path,
      modelId: m.id,
      modelVersion: m.version,
      prep: m.prep,
      hash,
      size,
      mtimeMs,
      error,
      ms,
      at,
    };
    if (thumb) row.thumb = thumb;
    return row;
  }

  private push(row: BatchRow, refreshed = false): void {
    if (refreshed) {
      this.refreshed++;
    } else if (row.error) {
      this.failed++;
      this.failuresByCode[row.error.code] = (this.failuresByCode[row.error.code] ?? 0) + 1;
      this.progress.failed++;
    } else {
      this.scored++;
      this.progress.scored++;
    }
    this.buffer.push(row);
    if (this.buffer.length >= 256) void this.flush(false);
  }

  /** Appends the buffered rows (one write + fdatasync), then tells the listener. Serialised. */
  private flush(final: boolean): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const rows = this.buffer;
      this.buffer = [];
      const vectors = this.vectors;
      this.vectors = [];
      try {
        await this.store.append(rows);
      } catch (err) {
        // Disk full / read-only: stop sending; rows already written stay, the rest are scored again next time.
        this.fatal ??= err;
        this.wake?.();
        const kept = err instanceof StoreWriteError ? err.kept : [];
        this.countSaved(kept);
        if (kept.length > 0) this.listener.onRows?.([...kept]);
        return;
      }
      this.countSaved(rows);
      this.listener.onRows?.(rows);
      await this.writeVectors(vectors);
      // A long run keeps its thumbnails and heatmaps under the cap as it goes, not only at the end.
      // Walks are spaced by the cache's size, so their total cost stays linear in the rows written.
      this.sinceEviction += rows.length;
      if (this.opts.media && this.sinceEviction >= Math.max(5000, this.mediaFiles)) {
        this.sinceEviction = 0;
        const r = await evictMedia(this.opts.media.dir, this.opts.media.maxBytes ?? DEFAULT_MEDIA_CAP_BYTES).catch(
          () => undefined,
        );
        this.mediaFiles = r ? r.files - r.removed : 0;
      }
    });
    if (final) this.tick(true);
    return this.flushing;
  }

  private countSaved(rows: readonly BatchRow[]): void {
    for (const r of rows) {
      if (r.path === this.lastSaved) continue;
      this.lastSaved = r.path;
      this.progress.saved++;
    }
  }

  /** Embeddings are extra: one that cannot be written costs its image's neighbours, not the run. */
  private async writeVectors(vectors: { model: ModelRef; hash: string; vector: number[] }[]): Promise<void> {
    for (const m of this.models) {
      const items = vectors.filter((v) => v.model === m);
      if (items.length) await appendEmbeddings(this.opts.store, m, items).catch(() => undefined);
    }
  }

  private tick(force = false): void {
    const now = performance.now();
    this.meter.mark(this.progress.done);
    if (!force && now - this.lastProgress < (this.opts.tuning?.progressMs ?? 250)) return;
    this.lastProgress = now;
    this.progress.rate = this.meter.rate();
    this.progress.etaS = this.meter.eta(this.progress.total - this.progress.done);
    this.listener.onProgress?.({ ...this.progress });
  }
}
