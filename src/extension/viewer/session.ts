import * as vscode from 'vscode';
import * as path from 'node:path';
import { toErrorInfo, XrayError, type ErrorInfo } from '../../core/errors';
import type { XrayImage } from '../../core/image/types';
import type { ModelInfo } from '../../core/model/manifest';
import { isLabelBoxList } from '../../core/labels/types';
import { reduceImage } from '../../engine/reducedImage';
import { Disposable, toDisposable, type IDisposable } from '../../protocol/dispose';
import type { DriftNote } from '../../protocol/drift';
import { RpcClient, RpcHandler } from '../../protocol/rpc';
import type {
  HostToViewerMethods,
  SyncedView,
  ViewerAction,
  ViewerToHostMessage,
  ViewerToHostNotifications,
  ViewStateReport,
} from '../../protocol/viewer';
import type { Settings } from '../config';
import type { EngineApi } from '../engineApi';
import type { Logger } from '../log';
import type { ModelService } from '../models';
import { ViewerChannel, type ShownImage } from './channel';
import { FrameLoop } from './frames';
import { PreviewCache } from './previewCache';
import { TagsController } from './tags';
import type { ViewerLabelPort } from '../labels/viewerLabels';

/**
 * Images with a longer side above this go to the webview twice: first a copy reduced by an integer
 * factor to at most this size (a 2048 x 2500 16-bit image: 683 x 834, 1.1 MB instead of 10 MB), then
 * the full-resolution pixels. The copy is as sharp as the full image when fitted to an editor, and a
 * tenth of the bytes to push through the webview channel, which in code-server (or over a remote link)
 * moves a 10 MB image in most of a second.
 */
const REDUCED_MAX_SIDE = 1024;

/** A decoded image as the session keeps it: what the webview gets, plus where the engine holds it. */
interface HeldImage extends ShownImage {
  /** Empty after an engine restart: the engine no longer holds it. */
  imageId: string;
}

export interface ViewerDeps {
  engine: EngineApi;
  models: ModelService;
  log: Logger;
  settings(): Settings;
  /** Called when a session learns which provider ran its model (for the status bar). */
  onProvider(info: { modelName: string; provider: string; fallbacks: string[] }): void;
  pickModel(): Promise<void>;
  rememberViewerSettings(s: Partial<Settings['viewer']>): void;
  /** Labels of the active label set: the badge and the labelling keys. */
  labels?: ViewerLabelPort;
  /** Score drift of the nearest batch-scored folder holding the image, for this model (folderDrift.ts). */
  drift?(uri: vscode.Uri, model: ModelInfo): Promise<DriftNote | undefined>;
  /** The user zoomed or panned this viewer: the provider passes it on to the other viewers of the file. */
  viewChanged?(from: ViewerSession, view: SyncedView | null): void;
}

export interface ViewerSessionOptions {
  /**
   * Score with this model whatever the window's selection (models side by side); the editor's model
   * picker then changes this editor's model only.
   */
  modelId?: string;
}

/**
 * One open X-ray editor: reads the file, has the engine decode and analyse it, and tells the channel
 * (what the webview is sent, and when: channel.ts) what it learns. The host keeps the decoded image and
 * the last analysis so a reloaded webview (hidden tab, retainContextWhenHidden off) is repainted at once
 * without decoding again. Its parts: the frame loop of multi-frame files (frames.ts), the DICOM
 * attributes with patient data masked (tags.ts) and the preprocessing preview (previewCache.ts).
 */
export class ViewerSession extends Disposable {
  private readonly rpc: RpcClient<HostToViewerMethods>;
  /** The webview's notifications, dispatched by type (the protocol's handler; the webview asks nothing). */
  private readonly messages = new RpcHandler<Record<string, never>, ViewerToHostNotifications>({
    name: 'The extension host',
    requests: {},
    notifications: {
      ready: () => {
        this.deps.log.debug(`${this.fileName}: webview ready ${Date.now() - this.openedAt} ms after open`);
        this.channel.ready();
        this.webviewReady = true;
        void this.pushMark();
        void this.pushDrift();
      },
      labelKey: (p) =>
        void this.deps.labels
          ?.key(this.uri, p)
          .catch((err) => this.deps.log.warn(`${this.fileName}: label key: ${String(err)}`)),
      markBoxes: (p) =>
        void this.deps.labels
          ?.setBoxes(this.uri, p.boxes)
          .catch((err) => this.deps.log.warn(`${this.fileName}: box marks: ${String(err)}`)),
      undoMark: () =>
        void this.deps.labels
          ?.undo(this.uri)
          .catch((err) => this.deps.log.warn(`${this.fileName}: undo: ${String(err)}`)),
      resendEarly: (p) => this.channel.resendEarly(p.image === true, p.analysis === true),
      selectModel: (p) => {
        if (this.pinned === undefined) return void this.deps.models.select(p.modelId);
        this.pinned = p.modelId;
        this.channel.postModels();
        void this.analyze();
      },
      viewChanged: (p) => this.deps.viewChanged?.(this, p.view),
      pickModel: () => void this.deps.pickModel(),
      reanalyze: () => void this.reanalyze(),
      settingsChanged: (p) => this.deps.rememberViewerSettings(p),
      log: (p) => this.deps.log[p.level](`[viewer ${this.fileName}] ${p.message}`),
      selectFrame: (p) => this.frames.select(Number(p.frame)),
      copyText: (p) => void this.copy(String(p.text ?? ''), String(p.what ?? 'value')),
      revealPatientData: (p) => this.tags.reveal(p.reveal === true),
      previewWanted: (p) => {
        this.preview.open = p.open === true;
        if (this.preview.open && !this.channel.analysisRunning) void this.updatePreview();
      },
    },
    checks: {
      markBoxes: (p) =>
        isLabelBoxList((p as { boxes?: unknown }).boxes) ? undefined : 'its boxes are not whole-pixel boxes "x y w h"',
      viewChanged: (p) => {
        const v = (p as { view?: Partial<SyncedView> | null }).view;
        if (v === null) return undefined;
        return v && [v.scale, v.cx, v.cy].every((x) => typeof x === 'number' && Number.isFinite(x))
          ? undefined
          : 'its view is not a scale and a centre';
      },
      log: (p) =>
        ['info', 'warn', 'error'].includes((p as { level?: unknown }).level as string)
          ? undefined
          : 'unknown log level',
    },
    respond: (msg) => void this.panel.webview.postMessage(msg),
    onNotificationError: (type, error) =>
      this.deps.log.warn(`${this.fileName}: viewer message "${type}": ${error.message}`),
  });
  private readonly channel: ViewerChannel;
  private readonly tags: TagsController;
  private readonly preview: PreviewCache;
  private readonly frames: FrameLoop;
  private image?: HeldImage;
  private imageSeq = 0;
  private imageLoad?: Promise<void>;
  /** Frame shown (multi-frame files); decodes and re-decodes after an engine restart use it. */
  private frame = 0;
  /** Model of the latest analysis request, finished or not. */
  private requestedModel?: string;
  /** Bumped per analysis request so a late answer for a replaced request is dropped. */
  private generation = 0;
  /** When the editor was opened, for the timing lines in the log. */
  private readonly openedAt = Date.now();
  private webviewReady = false;

  /** The model this editor scores with when it is not the window's selection (ViewerSessionOptions.modelId). */
  private pinned?: string;

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly deps: ViewerDeps,
    opts: ViewerSessionOptions = {},
  ) {
    super();
    this.pinned = opts.modelId;
    const post = (msg: unknown) => void this.panel.webview.postMessage(msg);
    this.rpc = new RpcClient<HostToViewerMethods>(post, { timeoutCode: 'WEBVIEW_TIMEOUT', name: 'The viewer' });
    this._register(toDisposable(() => this.rpc.failAll({ code: 'CANCELLED', message: 'The viewer was closed.' })));
    this.channel = this._register(
      new ViewerChannel({
        post,
        schedule: (run, ms) => {
          const timer = setTimeout(run, ms);
          return toDisposable(() => clearTimeout(timer));
        },
        log: (m) => deps.log.info(`${this.fileName}: ${m}`),
        init: () => ({ fileName: this.fileName, settings: deps.settings().viewer }),
        models: () => ({ models: deps.models.choices(), selectedId: this.model?.id }),
      }),
    );
    this.tags = new TagsController(this.fileName, deps.log, (m) => this.channel.setTags(m));
    this.preview = new PreviewCache(deps.engine, deps.log, this.fileName);
    this.frames = new FrameLoop({
      current: () => ({ frame: this.frame, count: this.image?.image.frame?.count ?? 0 }),
      idle: () => this.imageLoad?.catch(() => undefined) ?? Promise.resolve(),
      load: (frame) => this.showFrame(frame),
      failed: (frame, err) => this.frameFailed(frame, err),
      loading: (frame, count) => this.channel.frameLoading(frame, count),
      stopped: () => this.isDisposed,
    });
    this._register(toDisposable(() => this.release(this.image)));
    if (deps.labels)
      this._register(
        deps.labels.onDidChange(() => {
          void this.pushMark();
          void this.pushDrift();
        }),
      );
    this._register(panel.webview.onDidReceiveMessage((m: ViewerToHostMessage) => this.onMessage(m)));
    this._register(
      deps.models.onDidChange(() => {
        this.channel.postModels();
        // Only a different selection re-scores; a refreshed list with the same model does not.
        const selected = this.model;
        if (this.image && selected && selected.id !== this.requestedModel) void this.analyze();
      }),
    );
    // Decoding starts before the webview has booted: the two overlap, which is most of "open to image".
    void this.loadAndAnalyze();
  }

  /** The model this editor scores with: its own (side by side), else the window's selection. */
  get model(): ModelInfo | undefined {
    const own = this.pinned === undefined ? undefined : this.deps.models.models.find((m) => m.id === this.pinned);
    return own ?? this.deps.models.selected;
  }

  /** Another viewer of this file moved: show the same view. */
  followView(view: SyncedView | null): void {
    if (this.webviewReady) void this.panel.webview.postMessage({ kind: 'notify', type: 'syncView', params: { view } });
  }

  /** Ties `value` (e.g. a listener on this session's panel) to this session's lifetime. */
  own<T extends IDisposable>(value: T): T {
    return this._register(value);
  }

  get fileName(): string {
    return path.posix.basename(this.uri.path);
  }

  /** Asks the webview what it has received and drawn (used by diagnostics and integration tests). */
  getViewState(): Promise<ViewStateReport> {
    return this.rpc.request('getViewState', {}, { timeoutMs: 10_000 });
  }

  /** Has the webview run one of its own actions (as its controls would), then report its state. */
  act(action: ViewerAction): Promise<ViewStateReport> {
    return this.rpc.request('act', action, { timeoutMs: 10_000 });
  }

  /** The engine restarted: decoded images held there are gone. */
  engineRestarted(): void {
    if (this.image) this.image = { ...this.image, imageId: '' };
  }

  async reanalyze(): Promise<void> {
    if (!this.image) await this.loadAndAnalyze();
    else await this.analyze();
  }

  private async loadAndAnalyze(): Promise<void> {
    await this.loadImage();
    if (this.image) await this.analyze();
  }

  private loadImage(): Promise<void> {
    this.imageLoad ??= this.decode().finally(() => (this.imageLoad = undefined));
    return this.imageLoad;
  }

  // ---- decode ----

  private async decode(): Promise<void> {
    const { log, engine } = this.deps;
    const limits = this.deps.settings().limits;
    const frame = this.frame;
    try {
      const stat = await vscode.workspace.fs.stat(this.uri);
      if (stat.size > limits.maxFileBytes) {
        throw new XrayError(
          'TOO_LARGE',
          vscode.l10n.t(
            '{0} is {1} MB, over the {2} MB limit (setting {3}).',
            this.fileName,
            (stat.size / 1048576).toFixed(0),
            (limits.maxFileBytes / 1048576).toFixed(0),
            'xrayAnomaly.limits.maxFileSizeMB',
          ),
        );
      }
      const bytes = await vscode.workspace.fs.readFile(this.uri);
      const wantTags = !this.tags.known;
      const r = await engine.decode({
        bytes,
        fileName: this.fileName,
        limits,
        frame: frame || undefined,
        tags: wantTags || undefined,
      });
      if (this.isDisposed) return this.release(r);
      this.image = this.hold(r);
      const img = r.image;
      if (wantTags && img.source.format === 'dicom')
        this.tags.set(r.tags, r.tagsError, vscode.l10n.t('The attributes could not be read.'));
      const frames = img.frame && img.frame.count > 1 ? `, frame ${img.frame.index + 1} of ${img.frame.count}` : '';
      log.info(
        `Opened ${this.fileName}: ${img.width}x${img.height}, ${img.bitsStored}-bit ${img.source.encoding}${frames}, decoded in ${r.decodeMs.toFixed(0)} ms`,
      );
      for (const n of img.source.notices) log.info(`${this.fileName}: ${n}`);
      log.debug(`${this.fileName}: decoded ${Date.now() - this.openedAt} ms after open`);
      this.channel.setImage(this.image);
    } catch (err) {
      const info = toErrorInfo(err);
      this.image = undefined;
      log.error(
        `Cannot open ${this.fileName}: [${info.code}] ${info.message}${info.detail ? ` (${firstLine(info.detail)})` : ''}`,
      );
      this.channel.setImageError(info);
    }
  }

  /** Decodes the file again (the engine lost it); returns the new image id, or undefined on failure. */
  private async redecode(): Promise<string | undefined> {
    this.image = undefined;
    await this.decode();
    return (this.image as HeldImage | undefined)?.imageId;
  }

  /** A decoded image as this session keeps it: numbered, with its reduced copy when it is large. */
  private hold(r: { imageId: string; image: XrayImage; decodeMs: number }): HeldImage {
    let reduced;
    try {
      reduced = reduceImage(r.image, REDUCED_MAX_SIDE);
    } catch (err) {
      // Only a head start is lost: the full image is sent as it is.
      this.deps.log.warn(`${this.fileName}: no reduced copy for the viewer: ${toErrorInfo(err).message}`);
    }
    return { imageId: r.imageId, image: r.image, decodeMs: r.decodeMs, seq: ++this.imageSeq, reduced };
  }

  private release(image: { imageId: string } | undefined): void {
    if (image?.imageId) void this.deps.engine.releaseImage({ imageId: image.imageId }).catch(() => undefined);
  }

  // ---- frames ----

  private async showFrame(frame: number): Promise<void> {
    const previous = this.image;
    const limits = this.deps.settings().limits;
    const bytes = await vscode.workspace.fs.readFile(this.uri);
    const r = await this.deps.engine.decode({ bytes, fileName: this.fileName, limits, frame });
    this.deps.log.info(`${this.fileName}: frame ${frame + 1} decoded in ${r.decodeMs.toFixed(0)} ms`);
    if (this.isDisposed) return this.release(r);
    this.frame = frame;
    this.image = this.hold(r);
    this.release(previous);
    this.channel.setImage(this.image);
    // Not awaited: a newer frame request may start decoding while this one is analysed.
    void this.analyze();
  }

  private frameFailed(frame: number, err: unknown): void {
    const info = toErrorInfo(err);
    this.deps.log.error(`${this.fileName}: frame ${frame + 1} could not be decoded: [${info.code}] ${info.message}`);
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0}: frame {1} could not be decoded: {2}', this.fileName, frame + 1, info.message),
    );
  }

  // ---- analysis ----

  private async analyze(): Promise<void> {
    const { engine, models, log } = this.deps;
    await models.ready();
    const model = this.model;
    const gen = ++this.generation;
    this.requestedModel = model?.id;
    if (!model) {
      this.analysisFailed({
        code: 'MODEL_NOT_FOUND',
        message: vscode.l10n.t(
          'No anomaly model is available. Add a model folder in the setting {0}, or reinstall the extension to restore the bundled models.',
          'xrayAnomaly.models.folders',
        ),
      });
      return;
    }
    this.channel.setAnalysisRunning(model.id);
    try {
      if (!this.image) return;
      // An empty id: the engine restarted since this image was decoded.
      if (!this.image.imageId && !(await this.redecode())) return;
      const load = () =>
        engine.loadModel({ manifestPath: model.manifestPath, provider: this.deps.settings().provider });
      const loaded = await load();
      this.deps.onProvider({ modelName: model.name, provider: loaded.provider, fallbacks: loaded.fallbacks });
      let result;
      try {
        result = await engine.analyze({ imageId: this.image.imageId, modelKey: loaded.modelKey });
      } catch (err) {
        // The engine restarted between decode and analyze (crash, timeout): decode again once.
        if (toErrorInfo(err).code !== 'IMAGE_NOT_FOUND') throw err;
        const imageId = await this.redecode();
        if (!imageId) return;
        result = await engine.analyze({ imageId, modelKey: (await load()).modelKey });
      }
      if (gen !== this.generation || this.isDisposed) return;
      const t = result.timings;
      log.info(
        `${this.fileName}: ${model.id} score ${result.score.raw.toPrecision(4)} (normalised ${result.score.normalized.toFixed(3)}, ${result.score.aboveThreshold ? 'above' : 'below'} threshold) on ${result.provider}; preprocess ${t.preprocessMs.toFixed(0)} ms, inference ${t.inferenceMs.toFixed(0)} ms, postprocess ${t.postprocessMs.toFixed(0)} ms`,
      );
      this.channel.setAnalysis(result);
      void this.pushDrift();
    } catch (err) {
      if (gen !== this.generation || this.isDisposed) return;
      this.analysisFailed(toErrorInfo(err), model.id);
    } finally {
      if (gen === this.generation) this.channel.analysisEnded();
    }
    if (gen === this.generation) void this.updatePreview();
  }

  private analysisFailed(info: ErrorInfo, modelId?: string): void {
    this.deps.log.error(
      `${this.fileName}: analysis${modelId ? ` with ${modelId}` : ''} failed: [${info.code}] ${info.message}${info.detail ? ` (${firstLine(info.detail)})` : ''}`,
    );
    this.channel.setAnalysisError(info);
  }

  /**
   * Preprocessing preview of the current image for the selected model, when the strip is open. Runs
   * after the analysis (the engine queues both on the model), so it never delays the score.
   */
  private updatePreview(): Promise<void> {
    const image = this.image;
    const model = this.model;
    if (!image?.imageId || !model || this.isDisposed) return Promise.resolve();
    const frame = image.image.frame && image.image.frame.count > 1 ? image.image.frame.index : undefined;
    return this.preview.update(
      { imageId: image.imageId, frame, model, provider: this.deps.settings().provider },
      () => !this.isDisposed && this.image?.imageId === image.imageId && this.model?.id === model.id,
      (message) => this.channel.setPreview(image.seq, message),
    );
  }

  // ---- the webview's messages ----

  private onMessage(msg: ViewerToHostMessage): void {
    if (!this.rpc.handle(msg)) this.messages.handle(msg);
  }

  /** The image's label for the badge (and whether the labelling keys are on), after `ready` and on changes. */
  private async pushMark(): Promise<void> {
    if (!this.webviewReady || !this.deps.labels) return;
    const mark = await this.deps.labels.markFor(this.uri).catch(() => undefined);
    if (mark && !this.isDisposed) void this.panel.webview.postMessage({ kind: 'notify', type: 'mark', params: mark });
  }

  /**
   * The drift note of the image's scored folder for the model of the latest analysis, after `ready`, each
   * analysis and label changes (labelled normals measure the false-alarm rate); null clears an old one.
   */
  private async pushDrift(): Promise<void> {
    const model = this.deps.models.models.find((m) => m.id === this.requestedModel);
    if (!this.webviewReady || !this.deps.drift || !model) return;
    const note = await this.deps.drift(this.uri, model).catch((err: unknown) => {
      this.deps.log.warn(`${this.fileName}: score drift of its folder: ${String(err)}`);
      return undefined;
    });
    if (!this.isDisposed && this.requestedModel === model.id)
      void this.panel.webview.postMessage({ kind: 'notify', type: 'drift', params: { note: note ?? null } });
  }

  /** Copies a value for the user; the value itself is never logged (it may identify the patient). */
  private async copy(text: string, what: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) ${vscode.l10n.t('Copied the value of {0}', what.slice(0, 64))}`, 2500);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}
