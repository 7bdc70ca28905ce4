/**
 * The fit wizard's preprocessing questions (see wizard.ts): which pipeline, chosen in a quick pick while a
 * panel beside it shows the highlighted pipeline on a few of the user's images (preview.ts); and whether to
 * add mirrored copies.
 */
import * as vscode from 'vscode';
import { FIT_PIPELINE_IDS, FIT_PIPELINES, type FitPipelineId, isFitPipelineId } from '../../core/fit/pipelines';
import { pipelineDetail, pipelineLabel } from './pipelineText';
import { FitPreviewPanel } from './preview';
import { Refusal } from './refusal';
import type { FitDraft, WizardContext, WizardStep } from './wizard';

export const pipelineStep: WizardStep = {
  id: 'pipeline',
  async run(draft, ctx) {
    const given = draft.args.pipeline;
    if (given !== undefined) {
      if (!isFitPipelineId(given))
        throw new Refusal(
          vscode.l10n.t('Unknown preprocessing "{0}": use one of {1}.', String(given), FIT_PIPELINE_IDS.join(', ')),
        );
      draft.pipeline = given;
      return true;
    }
    if (draft.quiet) {
      draft.pipeline = 'backbone';
      return true;
    }
    const picked = await pickPipeline(draft, ctx);
    if (!picked) return false;
    draft.pipeline = picked;
    return true;
  },
};

async function pickPipeline(draft: FitDraft, ctx: WizardContext): Promise<FitPipelineId | undefined> {
  type Item = vscode.QuickPickItem & { id: FitPipelineId };
  const deps = await ctx.preview?.();
  // The panel opens first: a quick pick shown before it would close when the panel takes the editor area.
  const panel = deps ? new FitPreviewPanel(deps, draft.source!.files, draft.source!.root) : undefined;
  const pick = vscode.window.createQuickPick<Item>();
  try {
    pick.title = vscode.l10n.t('Fit Detector: preprocessing for {0} images', draft.source!.files.length);
    pick.placeholder = panel
      ? vscode.l10n.t('How images are prepared before the detector sees them; the panel shows the highlighted choice.')
      : vscode.l10n.t('How images are prepared before the detector sees them.');
    pick.ignoreFocusOut = true;
    pick.matchOnDetail = true;
    pick.items = FIT_PIPELINES.map((p) => ({ id: p.id, label: pipelineLabel(p.id), detail: pipelineDetail(p.id) }));
    let last: FitPipelineId | undefined;
    const show = (id: FitPipelineId) => {
      if (id === last) return;
      last = id;
      void panel
        ?.show(id)
        .then((r) => {
          if (!r) return;
          draft.previews.push(r);
          draft.args.onPreview?.(r);
        })
        .catch(() => undefined);
    };
    return await new Promise<FitPipelineId | undefined>((resolve) => {
      pick.onDidChangeActive((items) => {
        if (items[0]) show(items[0].id);
      });
      pick.onDidAccept(() => resolve(pick.activeItems[0]?.id ?? pick.selectedItems[0]?.id));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
      // The first item is active from the start: show it without waiting for a move.
      show(pick.items[0].id);
    });
  } finally {
    pick.dispose();
    panel?.dispose();
  }
}

export const mirrorStep: WizardStep = {
  id: 'mirror',
  async run(draft) {
    if (draft.args.mirror !== undefined) {
      draft.mirror = draft.args.mirror === true;
      return true;
    }
    if (draft.quiet) {
      draft.mirror = false;
      return true;
    }
    const n = draft.source!.files.length;
    const no = {
      label: vscode.l10n.t('No mirrored copies'),
      description: vscode.l10n.t('fit on the {0} images as they are', n),
      mirror: false,
    };
    const yes = {
      label: vscode.l10n.t('Add mirrored copies'),
      description: vscode.l10n.t('fit on {0} pictures: each image and its left-right mirror', 2 * n),
      detail: vscode.l10n.t(
        'Helps small folders where left and right look alike (hands, chests). The threshold is still set on the {0} originals only: a copy is no new patient.',
        n,
      ),
      mirror: true,
    };
    const chosen = await vscode.window.showQuickPick([no, yes], {
      title: vscode.l10n.t('Fit Detector: augmentation'),
      placeHolder: vscode.l10n.t('Mirrored copies double what the detector learns from'),
      ignoreFocusOut: true,
    });
    if (!chosen) return false;
    draft.mirror = chosen.mirror;
    return true;
  },
};
