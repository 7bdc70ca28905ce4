import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { ModelInfo } from '../core/model/manifest';
import { discoverModels, type ModelFs } from '../core/model/registry';
import { Disposable } from '../protocol/dispose';
import type { ModelChoice } from '../protocol/viewer';
import { WORKSPACE_MODELS_DIR } from './fit/plan';
import type { Logger } from './log';

export interface ModelFolder {
  path: string;
  origin: ModelInfo['origin'];
  /** Listed without being configured (a workspace's .xray-anomaly/models): its absence is normal. */
  implicit?: boolean;
}

const SELECTED_KEY = 'xrayAnomaly.selectedModel';

/** Logged by each model discovery in an untrusted workspace. */
const RESTRICTED_NOTICE = `Restricted Mode: models from this workspace (folders in its xrayAnomaly.models.folders setting, and ${WORKSPACE_MODELS_DIR}) are not loaded until the workspace is trusted.`;

const nodeFs: ModelFs = {
  readdir: (dir) => fsp.readdir(dir),
  readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
  exists: async (p) =>
    fsp.access(p).then(
      () => true,
      () => false,
    ),
};

/**
 * Knows which models exist (bundled, user-configured, workspace) and which one is selected.
 * Workspace-configured folders are honoured only in trusted workspaces: a model is code-like input
 * (a crafted ONNX file exercises a native parser), so Restricted Mode views images but loads bundled
 * and user-level models only.
 */
export class ModelService extends Disposable {
  private list: ModelInfo[] = [];
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private discovery?: Promise<void>;
  /** Counts discoveries, so one overtaken by a newer one (e.g. trust granted, then settings reloaded) is dropped. */
  private generation = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
    private readonly defaultModel: () => string,
  ) {
    super();
  }

  get models(): readonly ModelInfo[] {
    return this.list;
  }

  get selected(): ModelInfo | undefined {
    const wanted = this.context.workspaceState.get<string>(SELECTED_KEY) || this.defaultModel();
    return this.list.find((m) => m.id === wanted) ?? this.list[0];
  }

  async select(id: string): Promise<ModelInfo | undefined> {
    await this.ready();
    const model = this.list.find((m) => m.id === id);
    if (!model) return undefined;
    await this.context.workspaceState.update(SELECTED_KEY, id);
    this.log.info(`Model selected: ${model.name} ${model.version} (${model.id})`);
    this.changed.fire();
    return model;
  }

  choices(): ModelChoice[] {
    return this.list.map((m) => ({ id: m.id, name: m.name, version: m.version, description: m.description }));
  }

  /** Resolves once the latest discovery has finished (the first one starts here if none has). */
  ready(): Promise<void> {
    return (this.discovery ??= this.refresh());
  }

  refresh(): Promise<void> {
    this.discovery = this.discover();
    return this.discovery;
  }

  /**
   * Every folder models are listed from, in discovery order (the first model with an id wins): bundled,
   * user-configured, workspace-configured, then each workspace folder's `.xray-anomaly/models` (where
   * "Fit Detector on Folder..." writes by default). Workspace folders only in trusted workspaces.
   */
  folders(): ModelFolder[] {
    const dirs: ModelFolder[] = [{ path: this.context.asAbsolutePath('models'), origin: 'bundled' }];
    dirs.push(...this.configuredFolders());
    if (vscode.workspace.isTrusted) {
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        if (f.uri.scheme === 'file')
          dirs.push({
            path: path.join(f.uri.fsPath, ...WORKSPACE_MODELS_DIR.split('/')),
            origin: 'workspace',
            implicit: true,
          });
      }
    }
    return dirs;
  }

  private async discover(): Promise<void> {
    const generation = ++this.generation;
    const dirs = this.folders();
    // VS Code withholds models.folders from workspace settings in Restricted Mode (restrictedConfigurations in
    // package.json), so what is left out cannot be counted: say what Restricted Mode leaves out instead.
    if (!vscode.workspace.isTrusted) this.log.warn(RESTRICTED_NOTICE);
    const { models, problems } = await discoverModels(dirs, nodeFs);
    // Whoever awaits an overtaken discovery waits for the newest one instead.
    if (generation !== this.generation) return this.discovery;
    // A workspace without fitted models has no .xray-anomaly/models folder: that is not worth a warning.
    const implicit = new Set(dirs.filter((d) => d.implicit).map((d) => d.path));
    for (const p of problems) {
      if (implicit.has(p.path) && /does not exist/.test(p.message)) continue;
      this.log.warn(`Model skipped: ${p.path}: ${p.message}`);
    }
    this.list = models;
    this.log.info(`Models available: ${models.map((m) => `${m.id}@${m.version} [${m.origin}]`).join(', ') || 'none'}`);
    this.changed.fire();
  }

  private configuredFolders(): { path: string; origin: ModelInfo['origin'] }[] {
    const inspected = vscode.workspace.getConfiguration('xrayAnomaly').inspect<string[]>('models.folders');
    const userFolders = inspected?.globalValue ?? [];
    const workspaceFolders = [...(inspected?.workspaceValue ?? []), ...(inspected?.workspaceFolderValue ?? [])];
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const resolve = (p: string) => (path.isAbsolute(p) || !base ? p : path.join(base, p));
    const out: { path: string; origin: ModelInfo['origin'] }[] = userFolders.map((p) => ({
      path: resolve(p),
      origin: 'configured',
    }));
    // VS Code already leaves these out while untrusted; checked again because, when trust is granted, the reloaded
    // settings and the trust change reach the extension host as separate events.
    if (vscode.workspace.isTrusted)
      out.push(...workspaceFolders.map((p) => ({ path: resolve(p), origin: 'workspace' as const })));
    return out;
  }
}
