/**
 * A results panel's dataset-quality column: folds the panel's rows into one quality input per file
 * (core/quality/fromRows), derives the flags with the user's thresholds (settings xrayAnomaly.quality.*)
 * and sends every row's verdict to the webview. Recomputed whole, a moment after rows stop arriving and
 * when a threshold changes: duplicates and the folder's median size depend on all files.
 */
import * as vscode from 'vscode';
import { qualityReports, type QualityInput } from '../../core/quality/flags';
import { mergeQualityRow } from '../../core/quality/fromRows';
import { Disposable, toDisposable } from '../../protocol/dispose';
import { QUALITY_FLAG_NAMES, type QualityCell } from '../../protocol/results';
import { readQualityThresholds, SECTION } from '../config';
import type { PanelColumns } from './backend';
import type { ResultsPanel } from './panel';

/**
 * Rows arriving during a run are batched: the verdicts follow this long after them at the earliest, and
 * at least ten times as long as the last computation took (100,000 files: 0.5-0.9 s each time), so that a
 * long run leaves the extension host free most of the time.
 */
const DELAY_MS = 1500;

export class PanelQuality extends Disposable {
  private readonly inputs = new Map<string, QualityInput>();
  private readonly pending: PanelColumns[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private lastMs = 0;

  constructor(private readonly panel: ResultsPanel) {
    super();
    this._register(panel.onDidBecomeReady(() => this.send()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.quality`)) this.send();
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  /**
   * Rows to fold in; columns of a store are read when the verdicts are computed, not while the page opens:
   * until the page has drawn its rows the verdicts wait for `onDidBecomeReady` (at 100,000 rows they take
   * 0.5-0.9 s of the host's thread and a message of every row, which would hold back the rows themselves).
   */
  add(cols: PanelColumns): void {
    this.pending.push(cols);
    if (!this.timer && this.panel.settled)
      this.timer = setTimeout(() => this.send(), Math.max(DELAY_MS, 10 * this.lastMs));
  }

  /** The verdicts now (every row the panel knows). */
  cells(): QualityCell[] {
    for (const cols of this.pending.splice(0))
      for (let k = 0; k < cols.size; k++)
        mergeQualityRow(this.inputs, {
          path: cols.path(k),
          hash: cols.hash(k),
          quality: cols.quality(k),
          error: cols.error(k),
        });
    const files = [...this.inputs.values()];
    const reports = qualityReports(files, readQualityThresholds(vscode.Uri.file(this.panel.source.root)));
    const index = this.panel.index;
    const out: QualityCell[] = [];
    for (const r of reports) {
      const row = index.rowOf(r.path);
      if (row === undefined) continue;
      let flags = 0;
      for (const f of r.flags) flags |= 1 << QUALITY_FLAG_NAMES.indexOf(f);
      const groupPath = r.nearGroup ?? (r.exactGroup !== undefined ? firstWithHash(files, r.exactGroup) : undefined);
      const group = groupPath !== undefined ? (index.rowOf(groupPath) ?? -1) : -1;
      const m = r.measures;
      out.push([
        row,
        flags,
        group,
        m?.mean ?? null,
        m?.p1 ?? null,
        m?.p99 ?? null,
        m?.entropy ?? null,
        m?.sharpness ?? null,
        m?.width ?? null,
        m?.height ?? null,
      ]);
    }
    return out;
  }

  send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.panel.isReady || (this.inputs.size === 0 && !this.pending.some((c) => c.size > 0))) return;
    const t0 = performance.now();
    const items = this.cells();
    this.lastMs = performance.now() - t0;
    this.panel.sendQuality({ items });
  }
}

function firstWithHash(files: QualityInput[], hash: string): string | undefined {
  return files.find((f) => f.hash === hash)?.path;
}
