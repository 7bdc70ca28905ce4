/**
 * The fit wizard's live preview: a panel beside the editor that shows a few of the user's images as they
 * are and as the highlighted preprocessing pipeline hands them to the detector. The engine decodes the
 * images once and runs each pipeline on them (previewSpec: the same code as fitting and scoring); each
 * pipeline's pictures are computed once and kept while the wizard is open.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { toErrorInfo } from '../../core/errors';
import { fitPipelineSpec, type FitPipelineId } from '../../core/fit/pipelines';
import { encodeGreyPng } from '../../core/image/png';
import type { DecodeLimits } from '../../core/image/types';
import type { PipelinePreview } from '../../core/preprocess/preview';
import type { PipelineSpec } from '../../core/preprocess/spec';
import type { EngineMethods } from '../../protocol/engine';
import { Disposable } from '../../protocol/dispose';
import { pageAsset } from '../pageAssets';
import { displayPath, previewSamples } from './plan';
import { pipelineDetail, pipelineLabel } from './pipelineText';
import { previewPage, type PreviewPicture, type PreviewRow } from './previewPage';

export interface PreviewEngine {
  decode(p: EngineMethods['decode'][0]): Promise<EngineMethods['decode'][1]>;
  previewSpec(p: EngineMethods['previewSpec'][0]): Promise<EngineMethods['previewSpec'][1]>;
  releaseImage(p: EngineMethods['releaseImage'][0]): Promise<void>;
}

export interface FitPreviewDeps {
  engine: PreviewEngine;
  limits: DecodeLimits;
  extensionUri: vscode.Uri;
  /** The backbone the fit will use: its input size and own steps shape every pipeline. */
  backbone: { input: { width: number; height: number }; preprocessing: PipelineSpec };
}

/** What the preview showed for one pipeline (tests, logs): sizes and the output pictures' grey level and spread (0..1). */
export interface PipelinePreviewReport {
  pipeline: FitPipelineId;
  images: {
    file: string;
    original?: { width: number; height: number };
    outputs: { width: number; height: number; mean: number; sd: number }[];
    notice?: string;
    error?: string;
  }[];
}

const THUMB = 200;

interface Sample {
  file: string;
  name: string;
  imageId?: string;
  error?: string;
}

export class FitPreviewPanel extends Disposable {
  static readonly viewType = 'xrayAnomaly.fitPreview';
  private readonly panel: vscode.WebviewPanel;
  private samples?: Promise<Sample[]>;
  private readonly rendered = new Map<FitPipelineId, Promise<{ rows: PreviewRow[]; report: PipelinePreviewReport }>>();
  private shown = 0;
  private disposedFlag = false;

  constructor(
    private readonly deps: FitPreviewDeps,
    private readonly files: readonly string[],
    private readonly root: string | undefined,
  ) {
    super();
    this.panel = this._register(
      vscode.window.createWebviewPanel(
        FitPreviewPanel.viewType,
        vscode.l10n.t('Fit Detector: preprocessing preview'),
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
        { enableScripts: false, localResourceRoots: [] },
      ),
    );
    this._register(this.panel.onDidDispose(() => (this.disposedFlag = true)));
  }

  /**
   * Shows `pipeline` on the samples; resolves with what was shown, or undefined when another pipeline was
   * asked for meanwhile (or the panel was closed).
   */
  async show(pipeline: FitPipelineId): Promise<PipelinePreviewReport | undefined> {
    const seq = ++this.shown;
    let work = this.rendered.get(pipeline);
    if (!work) {
      this.render(
        pipeline,
        [],
        vscode.l10n.t('Preparing the preview on {0} of your images...', previewSamples(this.files).length),
      );
      work = this.compute(pipeline);
      this.rendered.set(pipeline, work);
    }
    const { rows, report } = await work;
    if (seq !== this.shown || this.disposedFlag) return undefined;
    this.render(pipeline, rows);
    return report;
  }

  override dispose(): void {
    const samples = this.samples;
    super.dispose();
    // The decoded images live in the engine until released.
    void samples?.then((list) => {
      for (const s of list)
        if (s.imageId) void this.deps.engine.releaseImage({ imageId: s.imageId }).catch(() => undefined);
    });
  }

  private render(pipeline: FitPipelineId, rows: PreviewRow[], loading?: string): void {
    if (this.disposedFlag) return;
    const webview = this.panel.webview;
    this.panel.title = vscode.l10n.t('Preview: {0}', pipelineLabel(pipeline));
    webview.html = previewPage({
      nonce: randomBytes(16).toString('base64'),
      style: pageAsset(this.deps.extensionUri, 'media', 'fitPreview.css'),
      title: pipelineLabel(pipeline),
      detail: pipelineDetail(pipeline),
      hint: vscode.l10n.t(
        'Left: the image as stored; right: what the detector will learn from (one picture per hand when hands are split). Highlight another pipeline in the list to compare; Enter chooses it.',
      ),
      loading,
      rows,
    });
  }

  private loadSamples(): Promise<Sample[]> {
    this.samples ??= Promise.all(
      previewSamples(this.files).map(async (file): Promise<Sample> => {
        const name = displayPath(file, this.root);
        try {
          const stat = await fsp.stat(file);
          if (stat.size > this.deps.limits.maxFileBytes)
            return {
              file,
              name,
              error: vscode.l10n.t('Too large to preview ({0} MB).', (stat.size / 1048576).toFixed(0)),
            };
          const bytes = new Uint8Array(await fsp.readFile(file));
          const r = await this.deps.engine.decode({ bytes, fileName: file, limits: this.deps.limits });
          return { file, name, imageId: r.imageId };
        } catch (err) {
          return { file, name, error: vscode.l10n.t('Cannot be read: {0}', toErrorInfo(err).message) };
        }
      }),
    );
    return this.samples;
  }

  private async compute(pipeline: FitPipelineId): Promise<{ rows: PreviewRow[]; report: PipelinePreviewReport }> {
    const spec = fitPipelineSpec(pipeline, this.deps.backbone.input, this.deps.backbone.preprocessing);
    const samples = await this.loadSamples();
    const rows: PreviewRow[] = [];
    const report: PipelinePreviewReport = { pipeline, images: [] };
    for (const s of samples) {
      if (!s.imageId) {
        rows.push({ name: s.name, outputs: [], error: s.error });
        report.images.push({ file: s.file, outputs: [], error: s.error });
        continue;
      }
      try {
        const p = await this.deps.engine.previewSpec({ imageId: s.imageId, spec, thumbSize: THUMB });
        const { row, entry } = previewRow(s, p);
        rows.push(row);
        report.images.push(entry);
      } catch (err) {
        const error = vscode.l10n.t('This pipeline fails on this image: {0}', toErrorInfo(err).message);
        rows.push({ name: s.name, outputs: [], error });
        report.images.push({ file: s.file, outputs: [], error });
      }
    }
    return { rows, report };
  }
}

/** The original (the preview's first entry) and the pipeline's outputs (its last `regions` entries). */
function previewRow(
  s: Sample,
  p: PipelinePreview,
): { row: PreviewRow; entry: PipelinePreviewReport['images'][number] } {
  const first = p.steps[0];
  const outs = p.steps.slice(Math.max(1, p.steps.length - (p.regions ?? 1)));
  const picture = (t: PipelinePreview['steps'][number]['thumb'], label: string): PreviewPicture => ({
    src: `data:image/png;base64,${Buffer.from(encodeGreyPng(t.width, t.height, t.data)).toString('base64')}`,
    width: t.width,
    height: t.height,
    label,
  });
  const notices = [...new Set(p.steps.flatMap((e) => (e.notice ? [e.notice] : [])))];
  const original = picture(first.thumb, vscode.l10n.t('Original, {0} x {1}', first.width, first.height));
  const outputs = outs.map((o, i) =>
    picture(
      o.thumb,
      outs.length > 1
        ? vscode.l10n.t('Hand {0} of {1}, {2} x {3}', i + 1, outs.length, o.width, o.height)
        : vscode.l10n.t('Preprocessed, {0} x {1}', o.width, o.height),
    ),
  );
  return {
    // Step notices come from core (English; see l10n.ts).
    row: { name: s.name, original, outputs, notice: notices.join(' ') || undefined },
    entry: {
      file: s.file,
      original: { width: first.width, height: first.height },
      outputs: outs.map((o) => ({ width: o.width, height: o.height, ...greyStats(o.thumb.data) })),
      ...(notices.length ? { notice: notices.join(' ') } : {}),
    },
  };
}

function greyStats(data: Uint8Array): { mean: number; sd: number } {
  let sum = 0;
  let sq = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
  }
  const n = Math.max(1, data.length);
  const mean = sum / n;
  return { mean: mean / 255, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)) / 255 };
}
