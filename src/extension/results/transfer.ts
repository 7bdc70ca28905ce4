/**
 * Copy or move of selected images into a folder, free of `vscode` so it is unit-tested on a real disk. First
 * the plan: where each image would land (flat, by file name) and which are skipped before anything is touched
 * (a name already in the folder, a name that another selected image also has). Then one confirmation of that
 * plan (the caller's: a modal dialog in VS Code, a test's answer in the tests). Then each file on its own,
 * never overwriting (COPYFILE_EXCL, so a file that appeared meanwhile is not replaced either) and never losing
 * one: a move removes the original only once its copy is whole, and any failure leaves that image where it
 * was and is reported with its reason.
 */
import { constants, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';

export type TransferMode = 'copy' | 'move';

export interface TransferItem {
  /** Path under the panel's root, '/' separators. */
  path: string;
  from: string;
  to: string;
}

export interface TransferPlan {
  mode: TransferMode;
  target: string;
  items: TransferItem[];
  /** Skipped: a file of that name is already in the target folder. */
  exists: string[];
  /** Skipped: another selected image (listed earlier) has the same file name. */
  collide: string[];
}

export interface TransferResult {
  plan: TransferPlan;
  done: TransferItem[];
  /** Left where they were, with the reason (an error code, or what happened). */
  failed: { path: string; reason: string }[];
  /** Moves whose copy is whole but whose original could not be removed: the image is in both places. */
  notRemoved: { path: string; reason: string }[];
}

/** The file operations a transfer does (the real ones unless a test injects a failure). */
export interface TransferOps {
  copyExclusive(from: string, to: string): Promise<void>;
  remove(file: string): Promise<void>;
}

export const diskOps: TransferOps = {
  copyExclusive: (from, to) => fsp.copyFile(from, to, constants.COPYFILE_EXCL),
  remove: (file) => fsp.unlink(file),
};

export async function planTransfer(
  root: string,
  paths: readonly string[],
  target: string,
  mode: TransferMode,
): Promise<TransferPlan> {
  const plan: TransferPlan = { mode, target, items: [], exists: [], collide: [] };
  // Names compared as the target folder's file system would: case-insensitively on Windows and macOS.
  const fold = (n: string) => (process.platform === 'linux' ? n : n.toLowerCase());
  const present = new Set((await fsp.readdir(target).catch(() => [] as string[])).map(fold));
  const taken = new Set<string>();
  for (const path of paths) {
    const name = basename(path);
    if (present.has(fold(name))) plan.exists.push(path);
    else if (taken.has(fold(name))) plan.collide.push(path);
    else {
      taken.add(fold(name));
      plan.items.push({ path, from: join(root, ...path.split('/')), to: join(target, name) });
    }
  }
  return plan;
}

/** Carries out a plan, one file at a time; a failure stops nothing but that file. */
export async function runTransfer(plan: TransferPlan, ops: TransferOps = diskOps): Promise<TransferResult> {
  const out: TransferResult = { plan, done: [], failed: [], notRemoved: [] };
  await fsp.mkdir(plan.target, { recursive: true });
  for (const item of plan.items) {
    try {
      await ops.copyExclusive(item.from, item.to);
    } catch (err) {
      out.failed.push({ path: item.path, reason: reason(err) });
      continue;
    }
    if (plan.mode === 'move')
      try {
        await ops.remove(item.from);
      } catch (err) {
        out.notRemoved.push({ path: item.path, reason: reason(err) });
        continue;
      }
    out.done.push(item);
  }
  return out;
}

/** Plan, confirm, run: undefined when there is nothing to do or the confirmation said no. */
export async function transferFiles(
  root: string,
  paths: readonly string[],
  target: string,
  mode: TransferMode,
  confirm: (plan: TransferPlan) => Promise<boolean>,
  ops: TransferOps = diskOps,
): Promise<TransferResult | undefined> {
  if (!paths.length) return undefined;
  const plan = await planTransfer(root, paths, target, mode);
  if (!(await confirm(plan))) return undefined;
  return runTransfer(plan, ops);
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? String(err);
}
