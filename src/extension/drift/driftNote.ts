/**
 * The user's words for a folder's drift verdict (core/scoring/drift.ts), shared by the viewer and the
 * results panel (they title it "Score drift"). The core's own message serves the CLI in English; here every
 * sentence is localised.
 */
import * as vscode from 'vscode';
import type { FolderDrift } from '../../core/scoring/drift';
import type { DriftNote } from '../../protocol/drift';

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** Undefined when there is nothing to say (too few scored images for a verdict). */
export function driftNote(d: FolderDrift, folder: string, modelId: string): DriftNote | undefined {
  const r = d.report;
  if (r.status === 'too-few') return undefined;
  const where = folder || vscode.l10n.t('the workspace folder');
  // Beyond 10 sd the figure only says "far": a tight calibration spread makes it huge (and meaningless).
  const sd = Math.abs(r.shift) >= 10 ? vscode.l10n.t('more than 10') : Math.abs(r.shift).toFixed(1);
  const text =
    r.status === 'ok'
      ? vscode.l10n.t(
          'The {0} scored images of {1} score like the normals this model was calibrated on (lowest quarter {2} sd from theirs): its false-alarm rate of about {3} should hold here.',
          r.images,
          where,
          `${r.shift >= 0 ? '+' : '−'}${sd}`,
          pct(r.falseAlarmPromised),
        )
      : r.status === 'higher'
        ? vscode.l10n.t(
            'Even the lowest-scoring quarter of the {0} scored images of {1} scores {2} sd above the normals this model was calibrated on. The images likely differ from them (device, population, processing), or most are abnormal. If the normal images moved the same way, about {3} of them are flagged instead of {4}. Label a few normal images (key 1) to measure it.',
            r.images,
            where,
            sd,
            pct(r.falseAlarmIfShifted),
            pct(r.falseAlarmPromised),
          )
        : vscode.l10n.t(
            'The {0} scored images of {1} score {2} sd below the normals this model was calibrated on. The images likely differ from them, and abnormal ones may be missed (false alarms would fall to about {3}). Label a few normal images (key 1) to check.',
            r.images,
            where,
            sd,
            pct(r.falseAlarmIfShifted),
          );
  const n = d.normals;
  return {
    status: r.status,
    folder,
    modelId,
    images: r.images,
    shift: r.shift,
    text,
    normals: n && {
      count: n.normals,
      flagged: n.flagged,
      rate: n.rate,
      low: n.low,
      high: n.high,
      text: vscode.l10n.t(
        'Of the {0} images labelled normal here, {1} are above the threshold: a false-alarm rate of about {2} on this folder (90% interval {3} to {4}).',
        n.normals,
        n.flagged,
        pct(n.rate),
        pct(n.low),
        pct(n.high),
      ),
    },
  };
}
