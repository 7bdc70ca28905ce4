import * as vscode from 'vscode';
import { Disposable } from '../protocol/dispose';

/** "model · provider" for the active X-ray viewer; click to switch model. */
export class ModelStatusBar extends Disposable {
  private readonly item = this._register(
    vscode.window.createStatusBarItem('xrayAnomaly.model', vscode.StatusBarAlignment.Right, 100),
  );
  private provider?: { provider: string; fallbacks: string[] };

  constructor() {
    super();
    this.item.name = vscode.l10n.t('X-ray Anomaly Model');
    this.item.command = 'xrayAnomaly.selectModel';
  }

  update(state: { visible: boolean; modelName?: string; modelVersion?: string }): void {
    if (!state.visible) {
      this.item.hide();
      return;
    }
    const provider = this.provider ? providerLabel(this.provider.provider) : vscode.l10n.t('not loaded');
    this.item.text = `$(pulse) ${state.modelName ?? vscode.l10n.t('No model')} · ${provider}`;
    const md = new vscode.MarkdownString(undefined, true);
    const model = `${state.modelName ?? vscode.l10n.t('none')}${state.modelVersion ? ` ${state.modelVersion}` : ''}`;
    md.appendMarkdown(`**${vscode.l10n.t('Anomaly model:')}** ${model}\n\n`);
    md.appendMarkdown(`**${vscode.l10n.t('Runs on:')}** ${provider}\n\n`);
    // The reasons a provider was skipped come from the engine (English; see l10n.ts).
    if (this.provider?.fallbacks.length)
      md.appendMarkdown(`${vscode.l10n.t('Skipped:')} ${this.provider.fallbacks.map((f) => `\n- ${f}`).join('')}\n\n`);
    md.appendMarkdown(vscode.l10n.t('Click to choose another model.'));
    this.item.tooltip = md;
    this.item.show();
  }

  setProvider(p: { provider: string; fallbacks: string[] }): void {
    this.provider = p;
  }
}

export function providerLabel(p: string): string {
  const names: Record<string, string> = {
    cpu: 'CPU',
    cuda: 'GPU (CUDA)',
    webgpu: 'GPU (WebGPU)',
    dml: 'GPU (DirectML)',
    coreml: 'CoreML',
  };
  return names[p] ?? p;
}
