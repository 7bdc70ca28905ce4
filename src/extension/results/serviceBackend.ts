/**
 * The results panel's backend: the batch service (src/engine/batch/service.ts), the one pipeline the CLI
 * uses too. Each scored folder has its store and media cache under the workspace's `.xray-anomaly/batch/`
 * (storeLocation); rows of a model are those of its current id, version and preprocessing hash.
 */
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { relative } from 'node:path';
import { storeLocation, type StoreLocation } from '../../core/batch/location';
import type { DatasetScanOptions } from '../../core/dataset/scan';
import type { ModelInfo } from '../../core/model/manifest';
import type { EngineClient } from '../../engine/client';
import { BatchService, modelRefOf } from '../../engine/batch/service';
import { indexPathOf, loadResults, StoreBusyError, StoreWriteError } from '../../engine/batch/store';
import { XrayError } from '../../core/errors';
import { embeddingPath, loadEmbeddings } from '../../engine/batch/embeddings';
import { makeHeatmaps, makeThumbnails } from '../../engine/batch/thumbnails';
import type { EmbeddingSet } from '../../core/similar/file';
import type { ModelRef } from '../../core/batch/types';
import { nearest } from '../../core/similar/vectors';
import type { ResultTable } from '../../core/batch/table';
import type { ProviderPreference } from '../../protocol/engine';
import { RunStoppedError, type PanelColumns, type ResultsBackend, type RunRequest, type RunSummary } from './backend';
import type { BatchProgress } from '../../core/batch/progress';

export class ServiceBackend implements ResultsBackend {
  private cached?: { store: string; stamp: string; table: ResultTable };
  private cacheTimer?: ReturnType<typeof setTimeout>;
  /** The last embeddings read for "more like this" (embeddingsOf). */
  private vectors?: { path: string; stamp: string; set: EmbeddingSet };
  private vectorsTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly engine: EngineClient,
    private readonly provider: () => ProviderPreference,
  ) {}

  /** The store of a folder: in the workspace folder that holds it, else in the folder itself. */
  location(root: string): StoreLocation {
    const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
    if (!ws || ws.uri.scheme !== 'file') return storeLocation(root, '');
    return storeLocation(ws.uri.fsPath, relative(ws.uri.fsPath, root).split(/[\\/]/).join('/'));
  }

  mediaDir(root: string): string {
    return this.location(root).media;
  }

  thumbnails(root: string, paths: readonly string[]): Promise<(string | undefined)[]> {
    return makeThumbnails(this.engine, root, paths, this.location(root).media);
  }

  heatmaps(
    root: string,
    model: ModelInfo,
    items: readonly { path: string; hash: string }[],
  ): Promise<(string | undefined)[]> {
    return makeHeatmaps(this.engine, root, items, this.location(root).media, {
      manifestPath: model.manifestPath,
      provider: this.provider(),
    });
  }

  async load(root: string, models: readonly ModelInfo[]): Promise<PanelColumns> {
    const refs = await Promise.all(models.map((m) => modelRefOf(m.manifestPath)));
    // Columns, not row objects: 100,000 of those took most of a panel's open on the host.
    return (await this.table(root)).columnsOf(refs);
  }

  async storedModels(root: string): Promise<{ id: string; version: string }[]> {
    return (await this.table(root)).models().map((m) => ({ id: m.id, version: m.version }));
  }

  /**
   * The folder's store as a table. "Show Results" asks for its models, then for its rows: the table read
   * for the first is kept for the second while the store's files are unchanged (same size and time).
   */
  private async table(root: string): Promise<ResultTable> {
    const store = this.location(root).store;
    const stamp = await Promise.all(
      [store, indexPathOf(store)].map((f) =>
        fsp.stat(f).then(
          (st) => `${st.size}:${st.mtimeMs}`,
          () => '-',
        ),
      ),
    ).then((x) => x.join('|'));
    if (this.cached?.store === store && this.cached.stamp === stamp) return this.cached.table;
    const { table } = await loadResults(store);
    this.cached = { store, stamp, table };
    // One table at a time, and not for long: it is a copy of what the panel now holds.
    clearTimeout(this.cacheTimer);
    this.cacheTimer = setTimeout(() => (this.cached = undefined), 10_000);
    this.cacheTimer.unref?.();
    return table;
  }

  /**
   * A model's embeddings, kept while the file is unchanged: "more like this" is clicked from image to image,
   * and 100,000 vectors are 40 MB to read and index each time. Let go after 5 minutes unused.
   */
  private async embeddingsOf(store: string, ref: ModelRef): Promise<EmbeddingSet | undefined> {
    const path = embeddingPath(store, ref);
    const st = await fsp.stat(path).catch(() => undefined);
    if (!st) return undefined;
    const stamp = `${st.size}:${st.mtimeMs}`;
    let set = this.vectors?.path === path && this.vectors.stamp === stamp ? this.vectors.set : undefined;
    if (!set) {
      set = await loadEmbeddings(store, ref);
      if (set) this.vectors = { path, stamp, set };
    }
    clearTimeout(this.vectorsTimer);
    this.vectorsTimer = setTimeout(() => (this.vectors = undefined), 300_000);
    this.vectorsTimer.unref?.();
    return set;
  }

  async embeddings(root: string, model: ModelInfo): Promise<EmbeddingSet | undefined> {
    return this.embeddingsOf(this.location(root).store, await modelRefOf(model.manifestPath));
  }

  async similar(root: string, model: ModelInfo, hash: string, k: number) {
    const set = await this.embeddingsOf(this.location(root).store, await modelRefOf(model.manifestPath));
    const at = set?.indexOf.get(hash);
    if (!set || at === undefined) return undefined;
    const query = set.vectors.subarray(at * set.dim, (at + 1) * set.dim);
    return nearest(set.vectors, set.dim, query, k, at).map((n) => ({
      hash: set.hashes[n.index],
      similarity: n.similarity,
    }));
  }

  async run(req: RunRequest): Promise<RunSummary> {
    const loc = this.location(req.root);
    let skipped = 0;
    let last: BatchProgress | undefined;
    const summary = await new BatchService(this.engine)
      .run(
        {
          root: req.root,
          models: req.models.map((m) => ({ manifestPath: m.manifestPath })),
          store: loc.store,
          // Heatmaps are made when their rows show (PanelHeatmaps): a run that draws every one takes about
          // twice as long (docs/results-store.md, "Heatmaps when seen").
          media: { dir: loc.media, heatmaps: false },
          scan: this.scanOptions(req.root),
          provider: this.provider(),
          signal: req.signal,
        },
        {
          onRows: (rows) => req.onRows(rows),
          onProgress: (p) => {
            last = p;
            skipped = p.skipped;
            // The run's last word: said by the error below, not as progress.
            if (p.phase === 'stopped') return;
            req.onProgress({
              total: p.total,
              done: p.done,
              saved: p.saved,
              skipped: p.skipped,
              failed: p.failed,
              imagesPerS: p.rate,
              etaS: p.etaS,
            });
          },
        },
      )
      .catch((err: unknown) => {
        throw stoppedError(err, last);
      });
    return {
      ended: summary.cancelled ? 'cancelled' : 'finished',
      done: summary.processed,
      saved: summary.saved,
      scored: summary.scored,
      failed: summary.failed,
      skipped,
      restarts: summary.restarts,
    };
  }

  /** xrayAnomaly.batch.include / exclude and files.exclude, written for the workspace folder that holds `root`. */
  private scanOptions(root: string): DatasetScanOptions {
    const uri = vscode.Uri.file(root);
    const ws = vscode.workspace.getWorkspaceFolder(uri);
    const c = vscode.workspace.getConfiguration('xrayAnomaly', uri);
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return {
      include: strings(c.get('batch.include')),
      exclude: strings(c.get('batch.exclude')),
      filesExclude: vscode.workspace.getConfiguration('files', uri).get<Record<string, unknown>>('exclude') ?? {},
      base: ws ? relative(ws.uri.fsPath, root).split(/[\\/]/).join('/') : '',
    };
  }
}

/** The batch service's error with the counts of its last progress event (its 'stopped' one). */
function stoppedError(err: unknown, p: BatchProgress | undefined): RunStoppedError {
  const message = err instanceof Error ? err.message : String(err);
  const counts = {
    total: p?.total ?? 0,
    done: p?.done ?? 0,
    saved: p?.saved ?? 0,
    skipped: p?.skipped ?? 0,
    failed: p?.failed ?? 0,
  };
  const code =
    err instanceof StoreWriteError
      ? err.errno
      : err instanceof StoreBusyError
        ? 'EBUSY'
        : err instanceof XrayError
          ? err.code
          : undefined;
  return new RunStoppedError(message, counts, err instanceof StoreWriteError ? err.reason : undefined, code);
}
