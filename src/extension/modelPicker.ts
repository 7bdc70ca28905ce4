import * as vscode from 'vscode';
import { SECTION } from './config';
import type { ModelService } from './models';

/** The model quick pick: the models found, then where to configure, refresh or trust for more. */
export async function pickModel(models: ModelService): Promise<void> {
  await models.ready();
  type Item = vscode.QuickPickItem & { id?: string; action?: 'settings' | 'refresh' | 'trust' };
  const current = models.selected?.id;
  const items: Item[] = models.models.map((m) => ({
    id: m.id,
    label: `${m.id === current ? '$(check) ' : ''}${m.name}`,
    description: `${m.version} · ${m.origin}`,
    detail: m.description,
  }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-library) Configure model folders...', action: 'settings' },
    { label: '$(refresh) Refresh model list', action: 'refresh' },
  );
  // Where a user looks for a workspace model that Restricted Mode leaves out.
  if (!vscode.workspace.isTrusted)
    items.push({
      label: '$(shield) Manage Workspace Trust...',
      detail: "Restricted Mode: this workspace's own models load once you trust it",
      action: 'trust',
    });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Anomaly model',
    placeHolder: models.models.length ? 'Choose the model that scores X-rays' : 'No models found',
  });
  if (!pick) return;
  if (pick.action === 'settings')
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.models.folders`);
  else if (pick.action === 'refresh') await models.refresh();
  else if (pick.action === 'trust') await vscode.commands.executeCommand('workbench.trust.manage');
  else if (pick.id) await models.select(pick.id);
}
