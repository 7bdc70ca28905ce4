/**
 * Label sets of the workspace, for the results panel and the viewer alike: which set is active in each
 * workspace folder (remembered per workspace), its file (.xray-anomaly/labels/<set>.csv), a watcher that
 * re-reads it when another window or a person changes it, and the edits the keys ask for (hashing the
 * labelled files so a replaced file is recognised later). One undo history per set, shared by the panel
 * and the viewer, so `u` undoes the last label wherever it was given.
 */
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { LabelBox, LabelEdit, LabelValue } from '../../core/labels/types';
import { Disposable, toDisposable } from '../../protocol/dispose';
import type { LabelSetInfo } from '../../protocol/results';
import type { Logger } from '../log';
import { LabelFile, LabelFileError, type LabelFileState } from './labelFile';
import { FileLockedError } from './fileLock';
import { sha256Of } from './fileHash';
import { labelMoveEdits } from '../../core/labels/move';

export const LABELS_DIR = '.xray-anomaly/labels';
const DEFAULT_SET = 'labels';
const SET_NAME = /^[\w.-]{1,64}$/;
const POLL_MS = 2000;

export interface LabelTarget {
  uri: vscode.Uri;
  /** Known content hash (the results store's); the file is hashed otherwise. */
  sha256?: string;
}

export class LabelService extends Disposable {
  private readonly files = new Map<string, LabelFile>();
  private readonly loaded = new WeakSet<LabelFile>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.WorkspaceFolder>());
  /** A set's entries or state changed (an edit here, or the file changed on disk). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: Logger,
  ) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(`**/${LABELS_DIR}/*.csv`));
    const reread = (uri: vscode.Uri) => void this.reread(uri);
    this._register(watcher.onDidChange(reread));
    this._register(watcher.onDidCreate(reread));
    this._register(watcher.onDidDelete(reread));
    // A watcher can miss a write (two windows writing within its coalescing of events was seen to; network
    // drives): the sets in use are also checked every 2 s, by time stamp and size, and read when another wrote.
    const poll = setInterval(() => void this.poll(), POLL_MS);
    this._register(toDisposable(() => clearInterval(poll)));
    // Tests: forget what this window holds, as a window opened afresh would, so the next read is from disk.
    this._register(
      vscode.commands.registerCommand('xrayAnomaly.debug.labelsForget', () => {
        this.files.clear();
      }),
    );
    this._register(
      vscode.commands.registerCommand('xrayAnomaly.debug.labelSet', (folder: vscode.Uri, name: string) => {
        const f = vscode.workspace.getWorkspaceFolder(folder);
        return f ? this.setActive(f, name) : undefined;
      }),
    );
  }

  folderOf(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
    const f = vscode.workspace.getWorkspaceFolder(uri);
    return f?.uri.scheme === 'file' ? f : undefined;
  }

  activeSet(folder: vscode.WorkspaceFolder): string {
    const s = this.state.get<string>(`xrayAnomaly.labelSet:${folder.uri.toString()}`);
    return s && SET_NAME.test(s) ? s : DEFAULT_SET;
  }

  async setActive(folder: vscode.WorkspaceFolder, name: string): Promise<void> {
    if (!SET_NAME.test(name)) throw new Error(`"${name}" is not a usable label set name`);
    await this.state.update(`xrayAnomaly.labelSet:${folder.uri.toString()}`, name);
    await this.file(folder).sync();
    this.changed.fire(folder);
  }

  /** The active set's file of a workspace folder (read once, then kept in step by the watcher). */
  file(folder: vscode.WorkspaceFolder): LabelFile {
    const path = join(folder.uri.fsPath, ...LABELS_DIR.split('/'), `${this.activeSet(folder)}.csv`);
    let f = this.files.get(path);
    if (!f) {
      f = new LabelFile(path);
      this.files.set(path, f);
    }
    return f;
  }

  async ready(folder: vscode.WorkspaceFolder): Promise<LabelFile> {
    const f = this.file(folder);
    if (!this.loaded.has(f)) {
      this.loaded.add(f);
      this.report(folder, await f.sync());
    }
    return f;
  }

  info(folder: vscode.WorkspaceFolder): LabelSetInfo {
    const f = this.file(folder);
    const p = f.problems?.[0];
    return {
      name: this.activeSet(folder),
      file: relative(folder.uri.fsPath, f.file).split(/[\\/]/).join('/'),
      problem: p
        ? vscode.l10n.t(
            '{0} line {1}: {2}. Fix the file to go on labelling; it is not overwritten.',
            basename(f.file),
            p.line,
            p.message,
          )
        : undefined,
      canUndo: f.canUndo,
    };
  }

  /** Names of the sets that exist in a folder (and the active one). */
  async sets(folder: vscode.WorkspaceFolder): Promise<string[]> {
    const dir = join(folder.uri.fsPath, ...LABELS_DIR.split('/'));
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    const sets = new Set(names.filter((n) => n.endsWith('.csv')).map((n) => n.slice(0, -4)));
    sets.add(this.activeSet(folder));
    return [...sets].filter((n) => SET_NAME.test(n)).sort();
  }

  /** Labels (or clears, with null) the images, one undo step per workspace folder; false when refused. */
  async label(targets: LabelTarget[], label: LabelValue | null): Promise<boolean> {
    return this.editEach(targets, async (t) => ({ label, sha256: t.sha256 ?? (await sha256Of(t.uri)) }));
  }

  /** Sets an image's box marks (all of them; [] removes them), one undo step; false when refused. */
  async setBoxes(target: LabelTarget, boxes: LabelBox[]): Promise<boolean> {
    return this.editEach([target], async (t) => ({ boxes, sha256: t.sha256 ?? (await sha256Of(t.uri)) }));
  }

  /** Asks for a note (prefilled with the first image's) and writes it on every image. */
  async note(targets: LabelTarget[]): Promise<boolean> {
    if (!targets.length) return false;
    const folder = this.folderOf(targets[0].uri);
    if (!folder) return false;
    const f = await this.ready(folder);
    const current = f.entries.get(this.pathIn(folder, targets[0].uri))?.note ?? '';
    const note = await vscode.window.showInputBox({
      title:
        targets.length > 1
          ? vscode.l10n.t('Note for {0} images', targets.length)
          : vscode.l10n.t('Note for {0}', basename(targets[0].uri.fsPath)),
      value: current,
      prompt: vscode.l10n.t('Saved in the label set "{0}"; empty removes the note.', this.activeSet(folder)),
    });
    if (note === undefined) return false;
    return this.editEach(targets, async (t) => ({ note: note.trim() ? note : null, sha256: t.sha256 }));
  }

  async undo(folder: vscode.WorkspaceFolder): Promise<number> {
    try {
      const r = await (await this.ready(folder)).undo();
      this.report(folder, r);
      this.changed.fire(folder);
      return r.changed;
    } catch (err) {
      this.refused(folder, err);
      return 0;
    }
  }

  /**
   * Files were moved: their labels in the active set follow them when they stay inside their workspace folder
   * (one undo step per folder). Resolves to the labelled files whose labels stayed under the old path (moved out
   * of their workspace folder, or the label file refused the edit), as workspace-relative paths.
   */
  async moveLabels(moves: { from: vscode.Uri; to: vscode.Uri }[]): Promise<{ moved: number; leftBehind: string[] }> {
    const byFolder = new Map<vscode.WorkspaceFolder, { from: string; to: string }[]>();
    const leftBehind: string[] = [];
    let moved = 0;
    for (const m of moves) {
      const folder = this.folderOf(m.from);
      if (!folder) continue;
      const from = this.pathIn(folder, m.from);
      if (this.folderOf(m.to)?.uri.toString() !== folder.uri.toString()) {
        if ((await this.ready(folder)).entries.has(from)) leftBehind.push(from);
        continue;
      }
      const list = byFolder.get(folder) ?? [];
      list.push({ from, to: this.pathIn(folder, m.to) });
      byFolder.set(folder, list);
    }
    for (const [folder, list] of byFolder) {
      const f = await this.ready(folder);
      const edits = labelMoveEdits(f.entries, list);
      if (!edits.length) continue;
      try {
        this.report(folder, await f.edit(edits));
        moved += edits.length / 2;
      } catch (err) {
        leftBehind.push(...list.map((m) => m.from).filter((p) => f.entries.has(p)));
        this.refused(folder, err);
      }
      this.changed.fire(folder);
    }
    return { moved, leftBehind };
  }

  /** Workspace-relative paths that the active set gives this label. */
  async pathsLabelled(folder: vscode.WorkspaceFolder, label: LabelValue): Promise<Set<string>> {
    const f = await this.ready(folder);
    const out = new Set<string>();
    for (const e of f.entries.values()) if (e.label === label) out.add(e.path);
    return out;
  }

  pathIn(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
    return relative(folder.uri.fsPath, uri.fsPath).split(/[\\/]/).join('/');
  }

  private async editEach(
    targets: LabelTarget[],
    edit: (t: LabelTarget) => Promise<Omit<LabelEdit, 'path'>>,
  ): Promise<boolean> {
    const byFolder = new Map<vscode.WorkspaceFolder, LabelEdit[]>();
    for (const t of targets) {
      const folder = this.folderOf(t.uri);
      if (!folder) continue;
      const edits = byFolder.get(folder) ?? [];
      edits.push({ path: this.pathIn(folder, t.uri), ...(await edit(t)) });
      byFolder.set(folder, edits);
    }
    if (!byFolder.size) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Only images inside a workspace folder can be labelled.'));
      return false;
    }
    let ok = true;
    for (const [folder, edits] of byFolder) {
      try {
        const r = await (await this.ready(folder)).edit(edits);
        this.report(folder, r);
      } catch (err) {
        ok = false;
        this.refused(folder, err);
      }
      this.changed.fire(folder);
    }
    return ok;
  }

  private polling = false;
  private readonly stamps = new Map<string, string>();

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [path, f] of this.files) {
        if (!this.loaded.has(f)) continue;
        const st = await fsp.stat(path).catch(() => undefined);
        const stamp = st ? `${st.mtimeMs}:${st.size}` : '';
        const before = this.stamps.get(path);
        this.stamps.set(path, stamp);
        if (before !== undefined && before !== stamp && (await f.changedOnDisk())) {
          this.log.info(`Label file ${path}: changed on disk, no watcher event yet; read again`);
          await this.reread(vscode.Uri.file(path));
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private async reread(uri: vscode.Uri): Promise<void> {
    const f = this.files.get(uri.fsPath);
    const folder = this.folderOf(uri);
    if (!f || !folder) return;
    try {
      this.report(folder, await f.sync());
    } catch (err) {
      this.log.warn(`Label file ${uri.fsPath}: ${String(err)}`);
    }
    this.changed.fire(folder);
  }

  private report(folder: vscode.WorkspaceFolder, s: LabelFileState): void {
    if (s.invalid) {
      const p = s.invalid[0];
      this.log.warn(
        `Label set ${this.activeSet(folder)}: line ${p.line}: ${p.message} (${s.invalid.length} problem(s))`,
      );
    }
    if (s.conflicts.length)
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'Labels of {0} image(s) were changed in another window too; the later change was kept: {1}',
          s.conflicts.length,
          s.conflicts
            .slice(0, 5)
            .map((c) => c.path)
            .join(', '),
        ),
      );
  }

  private refused(folder: vscode.WorkspaceFolder, err: unknown): void {
    if (err instanceof FileLockedError) {
      // Another window's read-merge-write takes milliseconds: a lock held this long is stuck or left behind.
      this.log.warn(`Label file of ${folder.name}: an edit was refused, nothing written (${err.message})`);
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'Another window is writing the label file {0} ({1}); nothing was written. Label again in a moment; if no other window is open, delete {2}.',
          basename(err.file),
          err.holderText,
          err.lock,
        ),
      );
      return;
    }
    if (err instanceof LabelFileError) {
      const p = err.problems[0];
      this.log.warn(`Label file ${err.file}: an edit was refused, nothing written (line ${p.line}: ${p.message})`);
      void vscode.window
        .showErrorMessage(
          vscode.l10n.t(
            'The label file {0} cannot be read (line {1}: {2}). Nothing was written; fix the file and label again.',
            basename(err.file),
            p.line,
            p.message,
          ),
          vscode.l10n.t('Open File'),
        )
        .then((pick) => {
          if (pick)
            void vscode.window.showTextDocument(vscode.Uri.file(err.file), {
              selection: new vscode.Range(p.line - 1, 0, p.line - 1, 0),
            });
        });
      return;
    }
    this.log.error(`Labelling in ${folder.name} failed: ${String(err)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Labelling failed: {0}', String(err)));
  }
}
