/**
 * One label set's file and this window's view of it: the entries, the version last read from or written to
 * the disk (the base of a merge), and the undo history. Every edit is written at once (atomically); before
 * a write the file is read again, and if another window or a person changed it, their version is merged
 * with ours (core/labels/merge); the read, merge and write hold the file's lock (fileLock.ts), so two windows
 * writing at the same moment take turns instead of one dropping the other's edit. A file that cannot be parsed is reported with its lines and never
 * written: edits are refused until it is fixed. No vscode import: the watcher is the caller's.
 */
import { parseLabelFile, serializeLabels, type LabelProblem } from '../../core/labels/csv';
import { applyEdits, UndoStack, type Entries } from '../../core/labels/labelSet';
import { mergeLabels } from '../../core/labels/merge';
import type { LabelEdit } from '../../core/labels/types';
import { readTextIfExists, writeFileAtomic } from './atomicFile';
import { withFileLock } from './fileLock';

export interface LabelFileState {
  /** Problems of the file on disk; while set, nothing is written. */
  invalid?: LabelProblem[];
  /** Images whose edits clashed with another window's in the last merge. */
  conflicts: { path: string; kept: 'ours' | 'theirs' }[];
}

export class LabelFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LabelProblem[],
  ) {
    super(`${file} line ${problems[0]?.line}: ${problems[0]?.message}`);
  }
}

export class LabelFile {
  entries: Entries = new Map();
  private base: Entries = new Map();
  /** Text last read or written by us: a watcher event with this text on disk is our own write. */
  private lastText?: string;
  private invalid?: LabelProblem[];
  private readonly undoStack = new UndoStack();
  private queue: Promise<unknown> = Promise.resolve();
  /** The last merge kept edits of ours that the file lacks: it must be written. */
  private mustWrite = false;

  constructor(
    readonly file: string,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  get problems(): LabelProblem[] | undefined {
    return this.invalid;
  }

  get canUndo(): boolean {
    return this.undoStack.size > 0;
  }

  /** Reads the file (again) and merges it with our entries; resolves to what happened. */
  sync(): Promise<LabelFileState> {
    return this.serial(async () => {
      const state = await this.syncNow(false);
      if (!this.mustWrite) return state;
      // Our edits are missing from the file (written over elsewhere): written back, holding the lock. Only
      // then: a window that only reads creates no lock (nor the labels folder).
      return withFileLock(this.file, async () => {
        const again = await this.syncNow(false);
        if (this.mustWrite) await this.write();
        return { ...again, conflicts: [...state.conflicts, ...again.conflicts] };
      });
    });
  }

  /** Whether the file on disk is not what this window last read or wrote (someone else wrote it since). */
  async changedOnDisk(): Promise<boolean> {
    return (await readTextIfExists(this.file)) !== this.lastText;
  }

  /** Runs a read-merge-write after this window's earlier ones, holding the file's lock. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(() => withFileLock(this.file, fn));
  }

  /** Applies a batch (one undo step) and writes the file. Rejects with LabelFileError while the file is invalid. */
  edit(edits: LabelEdit[]): Promise<LabelFileState & { changed: number }> {
    return this.locked(async () => {
      const state = await this.syncNow(true);
      const inverse = applyEdits(this.entries, edits, this.now());
      this.undoStack.push(inverse);
      if (inverse.length) await this.write();
      return { ...state, changed: inverse.length };
    });
  }

  /** Undoes the last batch; resolves to how many images it touched (0 when there is nothing to undo). */
  undo(): Promise<LabelFileState & { changed: number }> {
    return this.locked(async () => {
      const state = await this.syncNow(true);
      const inverse = this.undoStack.pop();
      if (!inverse) return { ...state, changed: 0 };
      applyEdits(this.entries, inverse, this.now());
      await this.write();
      return { ...state, changed: inverse.length };
    });
  }

  private async syncNow(forWrite: boolean): Promise<LabelFileState> {
    const text = await readTextIfExists(this.file);
    this.mustWrite = false;
    if (text !== undefined && text === this.lastText) {
      this.invalid = undefined;
      return { conflicts: [] };
    }
    const parsed = parseLabelFile(text ?? '');
    if (!parsed.ok) {
      this.invalid = parsed.problems;
      this.lastText = undefined;
      if (forWrite) throw new LabelFileError(this.file, parsed.problems);
      return { invalid: parsed.problems, conflicts: [] };
    }
    this.invalid = undefined;
    const merged = mergeLabels(this.base, this.entries, parsed.entries);
    this.entries = merged.entries;
    this.base = new Map(parsed.entries);
    this.lastText = text;
    this.mustWrite = merged.changedFromTheirs && text !== undefined && !forWrite;
    return { conflicts: merged.conflicts };
  }

  private async write(): Promise<void> {
    const text = serializeLabels(this.entries);
    await writeFileAtomic(this.file, text);
    this.lastText = text;
    this.base = new Map(this.entries);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
