/**
 * Labels on file names wherever VS Code shows them (Explorer, editor tabs, open editors, quick open): a
 * FileDecorationProvider over the active label set of each workspace folder, the set the results panel and
 * the viewer write to. When a set changes (a key pressed here, another window, the file edited, another set
 * made active) only the names whose decoration changed are redrawn. decorationText.ts has the texts.
 */
import * as vscode from 'vscode';
import { Disposable } from '../../protocol/dispose';
import { decorationKey, changedPaths, labelDecorationText } from './decorationText';
import type { LabelService } from './labelService';

export class LabelDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri[]>());
  readonly onDidChangeFileDecorations = this.changed.event;
  /** Per workspace folder: path -> decorationKey as last given to VS Code. */
  private readonly shown = new Map<string, Map<string, string>>();

  constructor(private readonly labels: LabelService) {
    super();
    this._register(labels.onDidChange((folder) => this.refresh(folder)));
    this._register(vscode.window.registerFileDecorationProvider(this));
    // Tests: the decoration VS Code is given for a file (its badge in the Explorer is checked on screen too).
    this._register(
      vscode.commands.registerCommand('xrayAnomaly.debug.fileDecoration', async (uri: vscode.Uri) => {
        const d = await this.provideFileDecoration(uri);
        return d && { badge: d.badge, tooltip: d.tooltip, color: (d.color as vscode.ThemeColor | undefined)?.id };
      }),
    );
  }

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    const folder = this.labels.folderOf(uri);
    if (!folder || uri.scheme !== 'file') return undefined;
    const f = await this.labels.ready(folder);
    const set = this.labels.activeSet(folder);
    if (!this.shown.has(folder.uri.toString())) this.shown.set(folder.uri.toString(), this.snapshot(folder));
    const d = labelDecorationText(f.entries.get(this.labels.pathIn(folder, uri)), set);
    if (!d) return undefined;
    const out = new vscode.FileDecoration(d.badge, d.tooltip, d.color ? new vscode.ThemeColor(d.color) : undefined);
    // A folder holding a labelled image is not coloured: the label belongs to the file.
    out.propagate = false;
    return out;
  }

  private snapshot(folder: vscode.WorkspaceFolder): Map<string, string> {
    const set = this.labels.activeSet(folder);
    const out = new Map<string, string>();
    for (const e of this.labels.file(folder).entries.values()) {
      const k = decorationKey(e, set);
      if (k) out.set(e.path, k);
    }
    return out;
  }

  private async refresh(folder: vscode.WorkspaceFolder): Promise<void> {
    await this.labels.ready(folder);
    const key = folder.uri.toString();
    const before = this.shown.get(key) ?? new Map<string, string>();
    const after = this.snapshot(folder);
    this.shown.set(key, after);
    const paths = changedPaths(before, after);
    if (paths.length) this.changed.fire(paths.map((p) => vscode.Uri.joinPath(folder.uri, ...p.split('/'))));
  }
}
