/**
 * Copy or move of a results panel's selected images to a folder, the VS Code side of transfer.ts: the folder
 * dialog, the confirmation (which says up front what will be skipped and why), the labels of moved images
 * following them (labelService.moveLabels), and one message with everything that did not go as asked.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { transferFiles, type TransferMode, type TransferPlan, type TransferResult } from './transfer';

export interface TransferDeps {
  /** Moves the labels of moved files; resolves to the labelled ones left under their old path. */
  moveLabels?(moves: { from: vscode.Uri; to: vscode.Uri }[]): Promise<{ moved: number; leftBehind: string[] }>;
  log?(message: string): void;
}

/** Resolves to the target folder, or undefined when cancelled or nothing was selected. */
export async function copyOrMove(
  root: string,
  paths: string[],
  mode: TransferMode,
  deps: TransferDeps,
  target?: string,
): Promise<string | undefined> {
  if (!paths.length) return undefined;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: mode === 'copy' ? vscode.l10n.t('Copy Here') : vscode.l10n.t('Move Here'),
    });
    if (!picked?.[0]) return undefined;
    target = picked[0].fsPath;
  }
  deps.log?.(
    `${mode === 'copy' ? 'Copy' : 'Move'} of ${paths.length} images of ${basename(root)} to ${target}: asking`,
  );
  const r = await transferFiles(root, paths, target, mode, (plan) => confirm(plan, root));
  if (!r) {
    deps.log?.(`${mode === 'copy' ? 'Copy' : 'Move'} to ${target}: not confirmed, nothing done`);
    return undefined;
  }
  let labels = { moved: 0, leftBehind: [] as string[] };
  if (mode === 'move' && r.done.length && deps.moveLabels)
    labels = await deps.moveLabels(r.done.map((i) => ({ from: vscode.Uri.file(i.from), to: vscode.Uri.file(i.to) })));
  deps.log?.(
    `${mode === 'copy' ? 'Copied' : 'Moved'} ${r.done.length} of ${paths.length} images of ${basename(root)} to ${target}` +
      ` (skipped: ${r.plan.exists.length} already there, ${r.plan.collide.length} same name; failed ${r.failed.length};` +
      ` not removed ${r.notRemoved.length}; labels moved ${labels.moved}, left behind ${labels.leftBehind.length})`,
  );
  report(r, root, labels.leftBehind);
  return target;
}

/**
 * Tests only (registered with XRAY_ANOMALY_ENGINE_TEST_HOOKS=1): the answer to the next confirmation, given as a
 * user's click would be, and the question it was given to. A toast can be pushed out of view by others in a test
 * run, so clicking it is not reliable there; everything behind the answer is the real command.
 */
let armed: { answer: boolean; asked: (question: string) => void } | undefined;

export function answerNextConfirmation(answer: boolean): Promise<string> {
  return new Promise((asked) => (armed = { answer, asked }));
}

/**
 * The confirmation, in a notification rather than a modal dialog: VS Code refuses modal dialogs under extension
 * tests, so a modal could never be checked end to end (as the threshold from labels, recalibrate.ts).
 */
async function confirm(plan: TransferPlan, root: string): Promise<boolean> {
  if (!plan.items.length) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Nothing to do: every selected image has a name already in {0}.', plan.target),
    );
    return false;
  }
  const yes = plan.mode === 'copy' ? vscode.l10n.t('Copy') : vscode.l10n.t('Move');
  const question =
    plan.mode === 'copy'
      ? vscode.l10n.t(
          'Copy {0} images to {1}? Files already there are not overwritten.',
          plan.items.length,
          plan.target,
        )
      : vscode.l10n.t(
          'Move {0} images to {1}? They leave {2}; files already there are not overwritten.',
          plan.items.length,
          plan.target,
          basename(root),
        );
  const text = `${question}${skippedText(plan)}`;
  const shown = vscode.window.showWarningMessage(text, yes);
  const hook = armed;
  armed = undefined;
  if (hook) {
    hook.asked(text);
    return hook.answer;
  }
  return (await shown) === yes;
}

function skippedText(plan: TransferPlan): string {
  const parts: string[] = [];
  if (plan.exists.length)
    parts.push(vscode.l10n.t('{0} skipped: a file of that name is there ({1})', plan.exists.length, few(plan.exists)));
  if (plan.collide.length)
    parts.push(
      vscode.l10n.t(
        '{0} skipped: another selected image has the same name ({1})',
        plan.collide.length,
        few(plan.collide),
      ),
    );
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

function report(r: TransferResult, root: string, leftBehind: string[]): void {
  const { plan } = r;
  const target = basename(plan.target);
  const head =
    plan.mode === 'copy'
      ? vscode.l10n.t('Copied {0} images to {1}.', r.done.length, target)
      : vscode.l10n.t('Moved {0} images to {1}.', r.done.length, target);
  const problems: string[] = [];
  const skipped = [...plan.exists, ...plan.collide];
  if (skipped.length) problems.push(vscode.l10n.t('Skipped {0}: {1}', skipped.length, few(skipped)));
  if (r.failed.length)
    problems.push(
      vscode.l10n.t(
        'Not {0} (left where they were): {1}',
        plan.mode === 'copy' ? vscode.l10n.t('copied') : vscode.l10n.t('moved'),
        few(r.failed.map((f) => `${f.path} (${f.reason})`)),
      ),
    );
  if (r.notRemoved.length)
    problems.push(
      vscode.l10n.t(
        'Copied but not removed from {0} (now in both places): {1}',
        basename(root),
        few(r.notRemoved.map((f) => `${f.path} (${f.reason})`)),
      ),
    );
  if (leftBehind.length)
    problems.push(
      vscode.l10n.t(
        'Labels of {0} moved images stay under their old paths (moved out of their workspace folder): {1}',
        leftBehind.length,
        few(leftBehind),
      ),
    );
  if (plan.mode === 'move' && r.done.length)
    problems.push(
      vscode.l10n.t(
        'Their scores stay in the results of {0} until it is scored again; score {1} to see them there.',
        basename(root),
        target,
      ),
    );
  const text = [head, ...problems].join(' ');
  if (skipped.length || r.failed.length || r.notRemoved.length || leftBehind.length)
    void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
}

function few(items: readonly string[]): string {
  return items.length > 5 ? `${items.slice(0, 5).join(', ')}, …` : items.join(', ');
}
