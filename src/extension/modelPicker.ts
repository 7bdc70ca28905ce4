import * as vscode from 'vscode';
import { SECTION } from './config';
import { modelDescription } from './modelOrigin';
import type { ModelService } from './models';

/** The model quick pick: the models found, then where to configure, refresh or trust for more. */
export async function pickModel(models: ModelService): Promise<void> {
  await models.ready();
  type Item = vscode.QuickPickItem & { id?: string; action?: 'settings' | 'refresh' | 'trust' };
  const current = models.selected?.id;
  const items: Item[] = models.models.map((m) => ({
    id: m.id,
    label: `${m.id === current ? '$(check) ' : ''}${m.name}`,
    description: modelDescription(m),
    detail: m.description,
  }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(folder-library) ${vscode.l10n.t('Configure model folders...')}`, action: 'settings' },
    { label: `$(refresh) ${vscode.l10n.t('Refresh model list')}`, action: 'refresh' },
  );
  // Where a user looks for a workspace model that Restricted Mode leaves out.
  if (!vscode.workspace.isTrusted)
    items.push({
      label: `$(shield) ${vscode.l10n.t('Manage Workspace Trust...')}`,
      detail: vscode.l10n.t("Restricted Mode: this workspace's own models load once you trust it"),
      action: 'trust',
    });
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Anomaly model'),
    placeHolder: models.models.length
      ? vscode.l10n.t('Choose the model that scores X-rays')
      : vscode.l10n.t('No models found'),
  });
  if (!pick) return;
  if (pick.action === 'settings')
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.models.folders`);
  else if (pick.action === 'refresh') await models.refresh();
  else if (pick.action === 'trust') await vscode.commands.executeCommand('workbench.trust.manage');
  else if (pick.id) await models.select(pick.id);
}
