/**
 * A results backend over the engine's per-image requests (decode, analyze), one image after the other,
 * storing rows as JSON Lines in `<root>/.xray-anomaly/results.jsonl` (core/results/store): the panel's
 * stand-in until the pipelined batch service serves it. Resumable: rows already stored for a model
 * version, with the file's size and mtime unchanged, are skipped.
 */
import { appendFileSync, existsSync, mkdirSync, promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toErrorInfo } from '../../core/errors';
import { scanImages, type ScanFs } from '../../core/dataset/scan';
import { DEFAULT_DECODE_LIMITS } from '../../core/image/types';
import { latestByKey, parseResults, recordKey, type ResultRecord } from '../../core/results/store';
import type { EngineClient } from '../../engine/client';
import type { ProviderPreference } from '../../protocol/engine';
import type { PanelRow, ResultsBackend, RunRequest, RunSummary } from './backend';

const TRANSIENT = new Set(['ENGINE_CRASHED', 'ENGINE_TIMEOUT', 'CANCELLED']);

type StoredRow = ResultRecord & { size?: number; mtimeMs?: number };

const scanFs: ScanFs = {
  readdir: async (d) =>
    (await fsp.readdir(d, { withFileTypes: true })).map((e) => ({
      name: e.name,
      isDirectory: e.isDirectory(),
      isFile: e.isFile(),
    })),
};

export class InterimBackend implements ResultsBackend {
  constructor(
    private readonly engine: EngineClient,
    private readonly provider: () => ProviderPreference,
    private readonly select: (rel: string) => boolean,
  ) {}

  storePath(root: string): string {
    return join(root, '.xray-anomaly', 'results.jsonl');
  }

  mediaDir(): string | undefined {
    return undefined;
  }

  async load(root: string, models: readonly { id: string; version: string }[]): Promise<PanelRow[]> {
    const wanted = new Set(models.map((m) => `${m.id}@${m.version}`));
    return [...this.readStore(root).values()].filter((r) => wanted.has(`${r.modelId}@${r.modelVersion}`));
  }

  private readStore(root: string): Map<string, StoredRow> {
    const file = this.storePath(root);
    if (!existsSync(file)) return new Map();
    return latestByKey(parseResults(readFileSync(file, 'utf8')).records) as Map<string, StoredRow>;
  }

  async run(req: RunRequest): Promise<RunSummary> {
    const file = this.storePath(req.root);
    mkdirSync(join(req.root, '.xray-anomaly'), { recursive: true });
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text && !text.endsWith('\n')) appendFileSync(file, '\n');
    const done = this.readStore(req.root);
    const files = (await scanImages(req.root, scanFs)).filter(this.select);
    req.onPlanned?.(files);
    const todo: { rel: string; size: number; mtimeMs: number; models: typeof req.models }[] = [];
    let skipped = 0;
    for (const rel of files) {
      const st = await fsp.stat(join(req.root, rel)).catch(() => undefined);
      const need = req.models.filter((m) => {
        const prev = done.get(recordKey({ path: rel, modelId: m.id, modelVersion: m.version }));
        // Unchanged file: keep its row, a failure too unless the engine caused it (crash, timeout).
        const kept = prev && (!prev.error || !TRANSIENT.has(prev.error.code));
        return !(kept && st && prev.size === st.size && prev.mtimeMs === st.mtimeMs);
      });
      if (need.length) todo.push({ rel, size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? -1, models: need });
      else skipped++;
    }
    const summary: RunSummary = { ended: 'finished', scored: 0, failed: 0, skipped, restarts: 0 };
    const started = Date.now();
    const startGen = this.engine.generation;
    for (let i = 0; i < todo.length; i++) {
      if (req.signal.aborted) {
        summary.ended = 'cancelled';
        break;
      }
      const item = todo[i];
      const rows = await this.scoreFile(req.root, item.rel, item.models, item.size, item.mtimeMs);
      for (const r of rows) appendFileSync(file, JSON.stringify(r) + '\n');
      for (const r of rows) if (r.error) summary.failed++;
      summary.scored += rows.filter((r) => r.score).length;
      req.onRows(rows);
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? (i + 1) / elapsed : undefined;
      req.onProgress({
        total: todo.length,
        done: i + 1,
        skipped,
        failed: summary.failed,
        imagesPerS: rate,
        etaS: rate ? (todo.length - i - 1) / rate : undefined,
      });
    }
    summary.restarts = Math.max(0, this.engine.generation - Math.max(1, startGen));
    return summary;
  }

  private async scoreFile(
    root: string,
    rel: string,
    models: RunRequest['models'],
    size: number,
    mtimeMs: number,
  ): Promise<StoredRow[]> {
    const out: StoredRow[] = [];
    for (const model of models) {
      const base = { path: rel, modelId: model.id, modelVersion: model.version, size, mtimeMs };
      const t0 = Date.now();
      // One retry after an engine crash: the crash is the engine's, not the file's.
      for (let attempt = 0; ; attempt++) {
        try {
          const bytes = new Uint8Array(await fsp.readFile(join(root, rel)));
          const d = await this.engine.decode({ bytes, fileName: rel, limits: DEFAULT_DECODE_LIMITS });
          try {
            const m = await this.engine.loadModel({ manifestPath: model.manifestPath, provider: this.provider() });
            const a = await this.engine.analyze({ imageId: d.imageId, modelKey: m.modelKey });
            out.push({
              ...base,
              score: a.score,
              provider: a.provider,
              ms: Date.now() - t0,
              at: new Date().toISOString(),
            });
          } finally {
            void this.engine.releaseImage({ imageId: d.imageId }).catch(() => undefined);
          }
          break;
        } catch (err) {
          const info = toErrorInfo(err);
          if (attempt === 0 && (info.code === 'ENGINE_CRASHED' || info.code === 'ENGINE_TIMEOUT')) continue;
          out.push({
            ...base,
            error: { code: info.code, message: info.message },
            ms: Date.now() - t0,
            at: new Date().toISOString(),
          });
          break;
        }
      }
    }
    return out;
  }
}
