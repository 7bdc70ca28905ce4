/**
 * "More like this" for a results panel: the row's content hash, its nearest contents by a model column's
 * stored backbone features (the backend's exact search), and the panel's rows that hold them (copies of
 * one content are all shown), sent to the webview, which then shows those rows, most similar first.
 */
import * as vscode from 'vscode';
import type { ModelInfo } from '../../core/model/manifest';
import type { ResultsBackend } from './backend';
import type { ResultsPanel } from './panel';

/** Neighbours asked for (issue 10: "more like this", top 50). */
export const SIMILAR_K = 50;

export async function showSimilar(
  panel: ResultsPanel,
  backend: ResultsBackend,
  models: readonly ModelInfo[],
  row: number,
  col: number,
): Promise<void> {
  const model = models[col] ?? models[0];
  const none = (message: string) => panel.sendSimilar({ anchor: row, model: col, rows: [], similarity: [], message });
  const hash = panel.index.hashes[row];
  if (!hash) return none(vscode.l10n.t('This image could not be read, so it has no features to compare.'));
  const found = await backend.similar?.(panel.source.root, model, hash, SIMILAR_K).catch(() => undefined);
  if (!found)
    return none(
      vscode.l10n.t(
        'No features of {0} are stored for this image: the model names no backbone layer, or the image was scored before they were kept.',
        model.name,
      ),
    );
  const byHash = new Map<string, number[]>();
  panel.index.hashes.forEach((h, r) => {
    if (h) byHash.set(h, [...(byHash.get(h) ?? []), r]);
  });
  const rows: number[] = [row];
  const similarity: number[] = [1];
  for (const r of byHash.get(hash) ?? [])
    if (r !== row) {
      rows.push(r);
      similarity.push(1);
    }
  for (const n of found)
    for (const r of byHash.get(n.hash) ?? []) {
      rows.push(r);
      similarity.push(n.similarity);
    }
  panel.sendSimilar({ anchor: row, model: col, rows, similarity });
}
