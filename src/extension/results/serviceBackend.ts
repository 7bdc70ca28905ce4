/**
 * The results panel's backend: the batch service (src/engine/batch/service.ts), the one pipeline the CLI
 * uses too. Each scored folder has its store and media cache under the workspace's `.xray-anomaly/batch/`
 * (storeLocation); rows of a model are those of its current id, version and preprocessing hash.
 */
import * as vscode from 'vscode';
import { relative } from 'node:path';
import { storeLocation, type StoreLocation } from '../../core/batch/location';
import type { DatasetScanOptions } from '../../core/dataset/scan';
import type { ModelInfo } from '../../core/model/manifest';
import type { EngineClient } from '../../engine/client';
import { BatchService, modelRefOf } from '../../engine/batch/service';
import { loadResults } from '../../engine/batch/store';
import type { ProviderPreference } from '../../protocol/engine';
import type { PanelRow, ResultsBackend, RunRequest, RunSummary } from './backend';

export class ServiceBackend implements ResultsBackend {
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

  async load(root: string, models: readonly ModelInfo[]): Promise<PanelRow[]> {
    const refs = await Promise.all(models.map((m) => modelRefOf(m.manifestPath)));
    const { table } = await loadResults(this.location(root).store);
    const wanted = new Set(refs.map((r) => `${r.id}@${r.version}#${r.prep}`));
    return table.rows.filter((r) => wanted.has(`${r.modelId}@${r.modelVersion}#${r.prep}`));
  }

  async run(req: RunRequest): Promise<RunSummary> {
    const loc = this.location(req.root);
    let skipped = 0;
    const summary = await new BatchService(this.engine).run(
      {
        root: req.root,
        models: req.models.map((m) => ({ manifestPath: m.manifestPath })),
        store: loc.store,
        media: { dir: loc.media },
        scan: this.scanOptions(req.root),
        provider: this.provider(),
        signal: req.signal,
      },
      {
        onRows: (rows) => req.onRows(rows),
        onProgress: (p) => {
          skipped = p.skipped;
          req.onProgress({
            total: p.total,
            done: p.done,
            skipped: p.skipped,
            failed: p.failed,
            imagesPerS: p.rate,
            etaS: p.etaS,
          });
        },
      },
    );
    return {
      ended: summary.cancelled ? 'cancelled' : 'finished',
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
