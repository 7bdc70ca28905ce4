import * as vscode from 'vscode';
import type { ModelInfo } from '../core/model/manifest';

/** Where a model was found, as pickers show it (the manifest's origin is an identifier, not text). */
export function originLabel(origin: ModelInfo['origin']): string {
  switch (origin) {
    case 'bundled':
      return vscode.l10n.t('built in');
    case 'configured':
      return vscode.l10n.t('model folder from settings');
    case 'workspace':
      return vscode.l10n.t('this workspace');
  }
}

/** The picker's description of a model: its version and where it came from. */
export function modelDescription(m: Pick<ModelInfo, 'version' | 'origin'>): string {
  return `${m.version} · ${originLabel(m.origin)}`;
}
