import * as vscode from 'vscode';
import * as path from 'node:path';
import { SECTION } from '../config';
import type { ModelService } from '../models';
import { WORKSPACE_MODELS_DIR } from './plan';
import { Refusal, toPath } from './refusal';

/** Where a fit writes when nobody is asked: the first workspace folder's .xray-anomaly/models. */
export function defaultOutDir(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws || ws.uri.scheme !== 'file')
    throw new Refusal(
      vscode.l10n.t('Open a folder first: fitted models are written into the workspace by default (or pass outDir).'),
    );
  return path.join(ws.uri.fsPath, ...WORKSPACE_MODELS_DIR.split('/'));
}

/**
 * Quick pick of the folders the model list reads, default first; or any folder, which is then offered
 * to the user setting `models.folders` (so the new model is listed). Undefined when dismissed.
 */
export async function pickDestination(models: Pick<ModelService, 'folders' | 'refresh'>): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { dir?: string; browse?: boolean };
  const wsFolders = vscode.workspace.workspaceFolders ?? [];
  const items: Item[] = models
    .folders()
    .filter((f) => f.origin !== 'bundled')
    .sort((a, b) => Number(!!b.implicit) - Number(!!a.implicit))
    .map((f, i) => {
      const ws = wsFolders.find((w) => f.path.startsWith(w.uri.fsPath + path.sep));
      const shown = ws ? `${ws.name}/${path.relative(ws.uri.fsPath, f.path).split(path.sep).join('/')}` : f.path;
      return {
        label: `$(folder) ${shown}`,
        description: f.implicit
          ? i === 0
            ? vscode.l10n.t('workspace models (default)')
            : vscode.l10n.t('workspace models')
          : f.origin === 'configured'
            ? vscode.l10n.t('user model folder')
            : vscode.l10n.t('workspace model folder'),
        dir: f.path,
      };
    });
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(folder-opened) ${vscode.l10n.t('Choose Another Folder...')}`, browse: true },
  );
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Fit Detector: where to write the model'),
    placeHolder: vscode.l10n.t('The model list reads these folders'),
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.dir) return pick.dir;
  const chosen = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Fit Detector: folder to write the model into'),
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: vscode.l10n.t('Write Model Here'),
    defaultUri: wsFolders[0]?.uri,
  });
  if (!chosen?.[0]) return undefined;
  const dir = toPath(chosen[0], 'outDir');
  if (!models.folders().some((f) => path.resolve(f.path) === path.resolve(dir))) {
    const addAndFit = vscode.l10n.t('Add and Fit');
    const add = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Models are listed only from model folders. Add {0} to the user setting {1}?',
        dir,
        `${SECTION}.models.folders`,
      ),
      { modal: true },
      addAndFit,
      vscode.l10n.t('Fit Without Adding'),
    );
    if (!add) return undefined;
    if (add === addAndFit) {
      const c = vscode.workspace.getConfiguration(SECTION);
      const current = c.inspect<string[]>('models.folders')?.globalValue ?? [];
      await c.update('models.folders', [...current, dir], vscode.ConfigurationTarget.Global);
      await models.refresh();
    }
  }
  return dir;
}
