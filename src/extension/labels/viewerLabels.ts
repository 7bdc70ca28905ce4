/**
 * The label set as the X-ray viewer uses it: the image's mark for the badge and its box marks (its status
 * checked against the file's hash now), the boxes the box tool draws, and the labelling keys pressed in the viewer.
 * The keys are on for every image inside a workspace folder and write to its active label set; for an image
 * opened from a results panel (allowKeys) j/k and a label also step through the panel's order, as in the panel.
 */
import * as vscode from 'vscode';
import type { MarkBox, ViewerMark, ViewerToHostNotifications } from '../../protocol/viewer';
import type { LabelService } from './labelService';
import { sha256Of } from './fileHash';

export interface ViewerLabelPort {
  markFor(uri: vscode.Uri): Promise<ViewerMark | undefined>;
  readonly onDidChange: vscode.Event<unknown>;
  key(uri: vscode.Uri, p: ViewerToHostNotifications['labelKey']): Promise<void>;
  /** The box tool's list for the image (written to the label file). */
  setBoxes(uri: vscode.Uri, boxes: MarkBox[]): Promise<void>;
  /** Undo the label set's last change (the box tool's `u`). */
  undo(uri: vscode.Uri): Promise<void>;
}

export class ViewerLabels implements ViewerLabelPort {
  private readonly fromPanel = new Set<string>();
  readonly onDidChange: vscode.Event<unknown>;

  constructor(private readonly labels: LabelService) {
    this.onDidChange = labels.onDidChange;
  }

  /** The image was opened from a results panel: j/k and the label keys step through the panel's order. */
  allowKeys(uri: vscode.Uri): void {
    this.fromPanel.add(uri.toString());
  }

  async markFor(uri: vscode.Uri): Promise<ViewerMark | undefined> {
    const folder = this.labels.folderOf(uri);
    if (!folder) return undefined;
    const f = await this.labels.ready(folder);
    const info = this.labels.info(folder);
    const base = { set: info.name, problem: info.problem, keys: true, panel: this.fromPanel.has(uri.toString()) };
    const path = this.labels.pathIn(folder, uri);
    const e = f.entries.get(path);
    const hash = e?.sha256 || !e ? await sha256Of(uri) : '';
    if (e)
      return {
        ...base,
        label: e.label ?? null,
        note: e.note ?? null,
        status: e.sha256 && hash && e.sha256 !== hash ? 'stale' : 'ok',
        boxes: e.boxes ?? [],
      };
    const moved = hash ? [...f.entries.values()].find((x) => x.sha256 === hash) : undefined;
    // A moved file shows its boxes; a box drawn on it is written under its path here (a new entry).
    return moved
      ? { ...base, label: moved.label ?? null, note: moved.note ?? null, status: 'moved', boxes: moved.boxes ?? [] }
      : { ...base, label: null, note: null, status: 'ok', boxes: [] };
  }

  async setBoxes(uri: vscode.Uri, boxes: MarkBox[]): Promise<void> {
    // Refused (a file broken by hand): the service says so and fires its change, so the viewer gets the file's mark back.
    await this.labels.setBoxes({ uri }, boxes);
  }

  async undo(uri: vscode.Uri): Promise<void> {
    const folder = this.labels.folderOf(uri);
    if (folder) await this.labels.undo(folder);
  }

  async key(uri: vscode.Uri, p: ViewerToHostNotifications['labelKey']): Promise<void> {
    const folder = this.labels.folderOf(uri);
    if (!folder) return;
    const panel = this.fromPanel.has(uri.toString());
    if (p.kind === 'move') {
      if (!panel) return;
      await vscode.commands.executeCommand(
        p.delta === -1 ? 'xrayAnomaly.results.previous' : 'xrayAnomaly.results.next',
      );
    } else if (p.kind === 'undo') {
      await this.labels.undo(folder);
    } else if (p.kind === 'note') {
      await this.labels.note([{ uri }]);
    } else if (p.kind === 'label') {
      const label = p.label === 'normal' || p.label === 'abnormal' || p.label === 'unsure' ? p.label : null;
      // As in the panel: one key labels the image and moves on to the next of the panel's order (from a panel).
      if ((await this.labels.label([{ uri }], label)) && panel)
        await vscode.commands.executeCommand('xrayAnomaly.results.next');
    }
  }
}
