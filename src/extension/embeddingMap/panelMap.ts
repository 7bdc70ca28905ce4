/**
 * A results panel's embedding map: the folder's stored backbone features of a model column (the contents
 * the panel's rows hold), laid out in 2-D by a worker (core/embeddingMap/layout.ts), cached in memory and on
 * disk beside the store (`<store folder>/maps/<model>.map`, core/embeddingMap/cacheFile.ts) under a key of
 * the model, the contents and the parameters, and sent to the webview as one point per row. One
 * computation at a time per panel; asking for another model column, or cancel, stops the one running.
 */
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAP_PARAMS, mapCacheKey, type MapParams } from '../../core/embeddingMap/key';
import { decodeMapCache, encodeMapCache } from '../../core/embeddingMap/cacheFile';
import type { ModelInfo } from '../../core/model/manifest';
import type { EmbeddingSet } from '../../core/similar/file';
import { Disposable, toDisposable } from '../../protocol/dispose';
import type { EmbeddingMapMessage } from '../../protocol/results';
import type { Logger } from '../log';
import type { MapWorkerMessage } from './workerMessages';

/** What the map needs of a results panel (src/extension/results/panel.ts). */
export interface MapPanel {
  readonly source: { root: string };
  readonly models: readonly { key: string }[];
  readonly mediaDir: string | undefined;
  readonly index: { readonly hashes: readonly (string | undefined)[] };
  sendMap(m: EmbeddingMapMessage): void;
}

export interface MapDeps {
  /** The model's stored features for the folder (undefined: none). */
  embeddings(root: string, model: ModelInfo): Promise<EmbeddingSet | undefined>;
  /** dist/mapWorker.js. */
  workerPath: string;
  log: Logger;
  params?: MapParams;
}

interface Layout {
  key: string;
  hashes: string[];
  x: Float32Array;
  y: Float32Array;
  fitted: number;
  ms?: number;
  cached: boolean;
}

export class PanelMap extends Disposable {
  private running?: { model: number; worker?: Worker; cancelled: boolean };
  private readonly layouts = new Map<number, Layout>();

  constructor(
    private readonly panel: MapPanel,
    private readonly models: readonly ModelInfo[],
    private readonly deps: MapDeps,
  ) {
    super();
    this._register(toDisposable(() => this.cancel(false)));
  }

  private get params(): MapParams {
    return this.deps.params ?? DEFAULT_MAP_PARAMS;
  }

  /** The map of model column `col`: from memory, the disk cache, or computed now (with progress). */
  async want(col: number): Promise<void> {
    const model = this.models[col];
    if (!model) return;
    if (this.running?.model === col) return;
    this.cancel(false);
    const run = { model: col, cancelled: false } as NonNullable<PanelMap['running']>;
    this.running = run;
    try {
      await this.compute(col, model, run);
    } catch (err) {
      if (run.cancelled) return;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.error(`Embedding map of ${model.id}: ${message}`);
      this.panel.sendMap({ model: col, status: 'failed', message });
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Stops the computation running, if any (the webview is told unless `tell` is false). */
  cancel(tell = true): void {
    const r = this.running;
    if (!r) return;
    r.cancelled = true;
    void r.worker?.terminate();
    this.running = undefined;
    if (tell) this.panel.sendMap({ model: r.model, status: 'cancelled' });
  }

  private async compute(col: number, model: ModelInfo, run: NonNullable<PanelMap['running']>): Promise<void> {
    this.panel.sendMap({ model: col, status: 'computing', progress: { phase: 'load', done: 0, total: 1 } });
    const set = await this.deps.embeddings(this.panel.source.root, model);
    if (run.cancelled) return;
    const present = new Set(this.panel.index.hashes.filter((h): h is string => !!h && !!set?.indexOf.has(h)));
    if (!set || present.size === 0) {
      this.panel.sendMap({
        model: col,
        status: 'none',
        message: vscode.l10n.t(
          'No features of {0} are stored for these images: the model names no backbone layer, or they were scored before features were kept. Score the folder again to add them.',
          model.name,
        ),
      });
      return;
    }
    const key = mapCacheKey(this.panel.models[col]?.key ?? `${model.id}@${model.version}`, present, this.params);
    const hashes = [...present].sort();
    let layout = this.layouts.get(col);
    if (layout?.key !== key) layout = await this.readCache(col, key, hashes);
    if (run.cancelled) return;
    if (!layout) {
      layout = await this.runWorker(col, key, hashes, set, run);
      if (!layout) return;
      void this.writeCache(col, layout).catch((err) =>
        this.deps.log.warn(`Embedding map cache of ${model.id} not written: ${String(err)}`),
      );
      this.deps.log.info(
        `Embedding map of ${model.id}: ${hashes.length} contents (UMAP fitted on ${layout.fitted}) in ${layout.ms} ms`,
      );
    }
    this.layouts.set(col, layout);
    this.send(col, layout);
  }

  private runWorker(
    col: number,
    key: string,
    hashes: string[],
    set: EmbeddingSet,
    run: NonNullable<PanelMap['running']>,
  ): Promise<Layout | undefined> {
    const dim = set.dim;
    const vectors = new Int8Array(hashes.length * dim);
    hashes.forEach((h, i) => {
      const at = set.indexOf.get(h)!;
      vectors.set(set.vectors.subarray(at * dim, (at + 1) * dim), i * dim);
    });
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.deps.workerPath, {
        workerData: { hashes, vectors, dim, params: this.params },
        transferList: [vectors.buffer],
      });
      run.worker = worker;
      worker.on('message', (m: MapWorkerMessage) => {
        if (run.cancelled) return;
        if (m.type === 'progress')
          this.panel.sendMap({
            model: col,
            status: 'computing',
            progress: { phase: m.phase, done: m.done, total: m.total },
          });
        else if (m.type === 'error') reject(new Error(m.message));
        else {
          void worker.terminate();
          resolve({ key, hashes: m.hashes, x: m.x, y: m.y, fitted: m.fitted, ms: m.ms, cached: false });
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (run.cancelled) resolve(undefined);
        else if (code !== 0) reject(new Error(`the map worker stopped (exit code ${code})`));
      });
    });
  }

  /** One point per row whose content is on the map (copies of one content share its point). */
  private send(col: number, l: Layout): void {
    const at = new Map(l.hashes.map((h, i) => [h, i]));
    const hashes = this.panel.index.hashes;
    const rows: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    hashes.forEach((h, row) => {
      const i = h ? at.get(h) : undefined;
      if (i === undefined) return;
      rows.push(row);
      x.push(l.x[i]);
      y.push(l.y[i]);
    });
    this.panel.sendMap({
      model: col,
      status: 'ready',
      rows: Uint32Array.from(rows),
      x: Float32Array.from(x),
      y: Float32Array.from(y),
      contents: l.hashes.length,
      fitted: l.fitted,
      cached: l.cached,
      ms: l.ms,
    });
  }

  /** `<store folder>/maps/<model key>.map`: one file per folder and model, replaced when the key changes. */
  private cacheFile(col: number): string | undefined {
    const media = this.panel.mediaDir;
    const key = this.panel.models[col]?.key;
    if (!media || !key) return undefined;
    return join(dirname(media), 'maps', `${key.replace(/[^A-Za-z0-9._@-]+/g, '_')}.map`);
  }

  private async readCache(col: number, key: string, hashes: string[]): Promise<Layout | undefined> {
    const file = this.cacheFile(col);
    const bytes = file ? await fsp.readFile(file).catch(() => undefined) : undefined;
    const got = bytes && decodeMapCache(new Uint8Array(bytes), key, hashes.length);
    return got ? { key, hashes, ...got, fitted: Math.min(hashes.length, this.params.sample), cached: true } : undefined;
  }

  private async writeCache(col: number, l: Layout): Promise<void> {
    const file = this.cacheFile(col);
    if (!file) return;
    await fsp.mkdir(dirname(file), { recursive: true });
    // A cache: written beside and renamed, so a reader never sees half of it.
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, encodeMapCache(l.key, l.x, l.y));
    await fsp.rename(tmp, file);
  }
}
