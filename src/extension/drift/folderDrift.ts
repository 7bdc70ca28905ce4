/**
 * Score drift of scored folders, for the viewer and the results panel: the folder's stored scores of a
 * model against the normals the model was calibrated on (the manifest's `calibration.normalQuantiles`),
 * and the false-alarm rate on the images the user labelled normal. The viewer asks about the nearest
 * scored folder above its image; the panel about its own folder. Stores are read once per change.
 */
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { ModelInfo } from '../../core/model/manifest';
import { parseManifest } from '../../core/model/validate';
import { driftReferenceOf, folderDriftOfScores } from '../../core/scoring/drift';
import type { DriftNote } from '../../protocol/drift';
import type { PanelColumns } from '../results/backend';
import { driftScores } from '../results/panelColumns';
import { driftNote } from './driftNote';

export interface FolderDriftDeps {
  /** The store file of a scored folder, whether it exists or not. */
  storeOf(root: string): string;
  /** The folder's stored rows of this model (its current version and preprocessing), as columns. */
  load(root: string, model: ModelInfo): Promise<PanelColumns>;
  /** Workspace-relative paths that the active label set of this workspace folder marks normal. */
  normals(folder: vscode.WorkspaceFolder): Promise<ReadonlySet<string>>;
}

interface Cached {
  stamp: string;
  rows: Promise<PanelColumns | undefined>;
}

const toSlash = (p: string) => p.split(/[\\/]/).join('/');

export class FolderDriftService {
  private readonly rows = new Map<string, Cached>();

  constructor(private readonly deps: FolderDriftDeps) {}

  /** The drift of the nearest scored folder that holds this file (itself or an ancestor in the workspace). */
  async forFile(uri: vscode.Uri, model: ModelInfo): Promise<DriftNote | undefined> {
    const ws = vscode.workspace.getWorkspaceFolder(uri);
    if (!ws || uri.scheme !== 'file') return undefined;
    const top = ws.uri.fsPath;
    for (let dir = dirname(uri.fsPath); ; dir = dirname(dir)) {
      if (await this.stampOf(dir)) return this.forFolder(dir, model);
      if (dir === top || dirname(dir) === dir || !dir.startsWith(top)) return undefined;
    }
  }

  /**
   * The drift of a scored folder, read from the store's columns (driftScores): no row object per row after a
   * panel open, a run or a burst of labels.
   */
  async forFolder(root: string, model: ModelInfo): Promise<DriftNote | undefined> {
    const ref = driftReferenceOf(parseManifest(await fsp.readFile(model.manifestPath, 'utf8'), model.manifestPath));
    // A model fitted before fits stored their normals' scores has nothing to compare with.
    if (!ref) return undefined;
    const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
    const base = ws ? toSlash(relative(ws.uri.fsPath, root)) : '';
    const cols = await this.stored(root, model);
    // The labelled normals (workspace-relative) that lie in this folder, as the store's folder-relative paths.
    const inFolder = new Set<string>();
    for (const p of ws ? await this.deps.normals(ws) : [])
      if (!base) inFolder.add(p);
      else if (p.startsWith(`${base}/`)) inFolder.add(p.slice(base.length + 1));
    const scores = cols ? driftScores(cols, inFolder) : { all: [], normals: [] };
    return driftNote(folderDriftOfScores(ref, scores.all, scores.normals), base, model.id);
  }

  /** "mtime:size" of the folder's store, undefined when there is none. */
  private async stampOf(root: string): Promise<string | undefined> {
    const st = await fsp.stat(this.deps.storeOf(root)).catch(() => undefined);
    return st?.isFile() ? `${st.mtimeMs}:${st.size}` : undefined;
  }

  private async stored(root: string, model: ModelInfo): Promise<PanelColumns | undefined> {
    const key = `${root}\n${model.manifestPath}\n${model.version}`;
    const stamp = (await this.stampOf(root)) ?? '';
    const hit = this.rows.get(key);
    if (hit && hit.stamp === stamp) return hit.rows;
    const rows = stamp ? this.deps.load(root, model) : Promise.resolve(undefined);
    this.rows.set(key, { stamp, rows });
    rows.catch(() => this.rows.delete(key));
    return rows;
  }
}
