import * as vscode from 'vscode';
import * as path from 'node:path';
import type { DicomTagEntry } from '../../core/decode/dicom/tags';
import { toErrorInfo, XrayError, type ErrorInfo } from '../../core/errors';
import type { XrayImage } from '../../core/image/types';
import type { AnalysisResult } from '../../core/scoring/types';
import { Disposable, type IDisposable } from '../../protocol/dispose';
import { RpcClient, isResponse } from '../../protocol/rpc';
import type {
  EarlyPosted,
  HostToViewerMessage,
  HostToViewerMethods,
  HostToViewerNotifications,
  PreviewMessage,
  TagsMessage,
  ViewerAction,
  ViewerToHostMessage,
  ViewStateReport,
} from '../../protocol/viewer';
import { reduceImage, type ReducedImage } from '../../engine/reducedImage';
import type { EngineApi } from '../engineApi';
import type { Logger } from '../log';
import type { ModelService } from '../models';
import type { Settings } from '../config';
import { tagsForViewer } from './tagMasking';

/** Longer side of the preprocessing thumbnails sent to the webview (the step view shows them up to 3x). */
const PREVIEW_THUMB = 256;

/**
 * Images with a longer side above this go to the webview twice: first a copy reduced by an integer
 * factor to at most this size (a 2048 x 2500 16-bit image: 683 x 834, 1.1 MB instead of 10 MB), then
 * the full-resolution pixels. The copy is as sharp as the full image when fitted to an editor, and a
 * tenth of the bytes to push through the webview channel, which in code-server (or over a remote link)
 * moves a 10 MB image in most of a second.
 */
const REDUCED_MAX_SIDE = 1024;

/**
 * How long the full-resolution pixels wait for the analysis after the reduced copy went out: the score
 * and heatmap are small, and behind 10 MB of pixels in the same channel they would wait as long.
 */
const FULL_IMAGE_WAIT_MS = 400;

interface HeldImage {
  imageId: string;
  image: XrayImage;
  decodeMs: number;
  /** Counts decodes; the webview keeps view and analysis when the pixels of the same seq are replaced. */
  seq: number;
  /** Sent first when the image is large. */
  reduced?: ReducedImage;
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
}

/**
 * One open X-ray editor: reads the file, has the engine decode and analyse it, and keeps the webview
 * in step. The host keeps the decoded image and the last analysis so a webview that is reloaded
 * (hidden tab, retainContextWhenHidden off) is repainted at once without decoding again.
 * Multi-frame files: the webview asks for a frame; the newest request wins while one is decoding.
 * DICOM attributes stay here: the webview gets them with patient-identifying values masked until the
 * user reveals them in this editor (not saved anywhere), and no value is ever logged. While the webview's
 * preprocessing strip is open, each image and model also gets a step-by-step preview from the engine.
 */
export class ViewerSession extends Disposable {
  private readonly rpc: RpcClient<HostToViewerMethods>;
  private webviewReady = false;
  /** A webview of this editor has said `ready` before: only the first boot gets the head start. */
  private everReady = false;
  /** What went to the webview before its first `ready` (the head start), told to it in `init`. */
  private early: EarlyPosted = {};
  private image?: HeldImage;
  private imageSeq = 0;
  /** The full-resolution pixels of image `seq` still to be posted after its reduced copy. */
  private fullPending?: { seq: number; timer: ReturnType<typeof setTimeout> };
  private imageError?: ErrorInfo;
  private analysis?: AnalysisResult;
  private analysisError?: ErrorInfo;
  private analysisRunning?: string;
  /** Model of the latest analysis request, finished or not. */
  private requestedModel?: string;
  /** Bumped per analysis request so a late answer for a replaced request is dropped. */
  private generation = 0;
  private imageLoad?: Promise<void>;
  /** Frame shown (multi-frame files); decodes and re-decodes after an engine restart use it. */
  private frame = 0;
  /** Newest frame the webview asked for, while the frame loop runs. */
  private frameWanted?: number;
  private frameLoop?: Promise<void>;
  /** The file's attributes as read (real values), or why they could not be; DICOM files only. */
  private tags?: { entries: DicomTagEntry[] } | { error: string };
  private phiRevealed = false;
  private previewOpen = false;
  /** Last preview, for `${imageId}|${modelKey}`. */
  private preview?: { key: string; message: PreviewMessage };
  private previewInFlight?: string;
  /** When the editor was opened, for the timing lines in the log. */
  private readonly openedAt = Date.now();

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly deps: ViewerDeps,
  ) {
    super();
    this.rpc = new RpcClient<HostToViewerMethods>((msg) => void this.panel.webview.postMessage(msg));
    this._register(panel.webview.onDidReceiveMessage((m: ViewerToHostMessage) => this.onMessage(m)));
    this._register(
      deps.models.onDidChange(() => {
        this.postModels();
        // Only a different selection re-scores; a refreshed list with the same model does not.
        const selected = deps.models.selected;
        if (this.image && selected && selected.id !== this.requestedModel) void this.analyze();
      }),
    );
    // Decoding starts before the webview has booted: the two overlap, which is most of "open to image".
    void this.loadAndAnalyze();
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

  async reload(): Promise<void> {
    this.image = undefined;
    this.frame = 0;
    this.tags = undefined;
    this.preview = undefined;
    this.imageError = undefined;
    this.analysis = undefined;
    this.analysisError = undefined;
    await this.loadAndAnalyze();
    this.replay();
  }

  private async loadAndAnalyze(): Promise<void> {
    await this.loadImage();
    if (this.image) await this.analyze();
  }

  private loadImage(): Promise<void> {
    this.imageLoad ??= this.decode().finally(() => (this.imageLoad = undefined));
    return this.imageLoad;
  }

  private async decode(): Promise<void> {
    const { log, engine } = this.deps;
    const limits = this.deps.settings().limits;
    const frame = this.frame;
    try {
      const stat = await vscode.workspace.fs.stat(this.uri);
      if (stat.size > limits.maxFileBytes) {
        throw new XrayError(
          'TOO_LARGE',
          `${this.fileName} is ${(stat.size / 1048576).toFixed(0)} MB, over the ${(limits.maxFileBytes / 1048576).toFixed(0)} MB limit (setting xrayAnomaly.limits.maxFileSizeMB).`,
        );
      }
      const bytes = await vscode.workspace.fs.readFile(this.uri);
      const wantTags = !this.tags;
      const r = await engine.decode({
        bytes,
        fileName: this.fileName,
        limits,
        frame: frame || undefined,
        tags: wantTags || undefined,
      });
      if (this.isDisposed) return void engine.releaseImage({ imageId: r.imageId }).catch(() => undefined);
      this.image = this.hold(r);
      this.imageError = undefined;
      const img = r.image;
      if (wantTags && img.source.format === 'dicom') this.setTags(r.tags, r.tagsError);
      const frames = img.frame && img.frame.count > 1 ? `, frame ${img.frame.index + 1} of ${img.frame.count}` : '';
      log.info(
        `Opened ${this.fileName}: ${img.width}x${img.height}, ${img.bitsStored}-bit ${img.source.encoding}${frames}, decoded in ${r.decodeMs.toFixed(0)} ms`,
      );
      for (const n of img.source.notices) log.info(`${this.fileName}: ${n}`);
      this.deps.log.debug(`${this.fileName}: decoded ${Date.now() - this.openedAt} ms after open`);
      this.postImage();
    } catch (err) {
      const info = toErrorInfo(err);
      this.imageError = info;
      log.error(
        `Cannot open ${this.fileName}: [${info.code}] ${info.message}${info.detail ? ` (${firstLine(info.detail)})` : ''}`,
      );
      this.post('error', { scope: 'image', error: info });
    }
  }

  private async analyze(): Promise<void> {
    const { engine, models, log } = this.deps;
    await models.ready();
    const model = models.selected;
    const gen = ++this.generation;
    this.requestedModel = model?.id;
    if (!model) {
      this.setAnalysisError({
        code: 'MODEL_NOT_FOUND',
        message:
          'No anomaly model is available. Add a model folder in the setting xrayAnomaly.models.folders, or reinstall the extension to restore the bundled models.',
      });
      return;
    }
    this.analysisRunning = model.id;
    this.post('analysisStarted', { modelId: model.id });
    try {
      if (!this.image) return;
      // An empty id: the engine restarted since this image was decoded.
      if (!this.image.imageId && !(await this.redecode())) return;
      const loaded = await engine.loadModel({
        manifestPath: model.manifestPath,
        provider: this.deps.settings().provider,
      });
      this.deps.onProvider({ modelName: model.name, provider: loaded.provider, fallbacks: loaded.fallbacks });
      let result;
      try {
        result = await engine.analyze({ imageId: this.image.imageId, modelKey: loaded.modelKey });
      } catch (err) {
        // The engine restarted between decode and analyze (crash, timeout): decode again once.
        if (toErrorInfo(err).code !== 'IMAGE_NOT_FOUND') throw err;
        const imageId = await this.redecode();
        if (!imageId) return;
        const reloaded = await engine.loadModel({
          manifestPath: model.manifestPath,
          provider: this.deps.settings().provider,
        });
        result = await engine.analyze({ imageId, modelKey: reloaded.modelKey });
      }
      if (gen !== this.generation || this.isDisposed) return;
      this.analysis = result;
      this.analysisError = undefined;
      const t = result.timings;
      log.info(
        `${this.fileName}: ${model.id} score ${result.score.raw.toPrecision(4)} (normalised ${result.score.normalized.toFixed(3)}, ${result.score.aboveThreshold ? 'above' : 'below'} threshold) on ${result.provider}; preprocess ${t.preprocessMs.toFixed(0)} ms, inference ${t.inferenceMs.toFixed(0)} ms, postprocess ${t.postprocessMs.toFixed(0)} ms`,
      );
      this.post('analysis', { result });
      this.postFullImage();
    } catch (err) {
      if (gen !== this.generation || this.isDisposed) return;
      this.setAnalysisError(toErrorInfo(err), model.id);
    } finally {
      if (gen === this.generation) this.analysisRunning = undefined;
    }
    if (gen === this.generation) void this.updatePreview();
  }

  private setTags(entries: DicomTagEntry[] | undefined, error: ErrorInfo | undefined): void {
    if (entries) {
      this.tags = { entries };
      let n = 0;
      let phi = 0;
      const walk = (list: DicomTagEntry[]) => {
        for (const e of list) {
          n++;
          if (e.phi) phi++;
          if (e.children) walk(e.children);
        }
      };
      walk(entries);
      // Counts only: tag values may identify the patient and never go to the log.
      this.deps.log.info(
        `${this.fileName}: ${n} DICOM attributes listed, ${phi} identifying the patient (masked in the viewer until revealed)`,
      );
    } else {
      this.tags = { error: error?.message ?? 'The attributes could not be read.' };
      this.deps.log.warn(
        `${this.fileName}: DICOM attributes could not be listed: [${error?.code ?? 'INTERNAL'}] ${error?.message ?? ''}`,
      );
    }
    this.postTags();
  }

  private postTags(): void {
    const t = this.tags;
    if (!t) return;
    const msg: TagsMessage =
      'entries' in t
        ? tagsForViewer(t.entries, this.phiRevealed)
        : { tags: [], revealed: false, phiCount: 0, error: t.error };
    this.post('tags', msg);
  }

  private revealPatientData(reveal: boolean): void {
    if (reveal === this.phiRevealed) return this.postTags();
    this.phiRevealed = reveal;
    this.deps.log.info(`${this.fileName}: patient data ${reveal ? 'revealed' : 'masked again'} in the viewer`);
    this.postTags();
  }

  /**
   * Preprocessing preview of the current image for the selected model, when the strip is open. Runs
   * after the analysis (the engine queues both on the model), so it never delays the score.
   */
  private async updatePreview(): Promise<void> {
    const { engine, models } = this.deps;
    const image = this.image;
    const model = models.selected;
    if (!this.previewOpen || !image?.imageId || !model || this.isDisposed) return;
    const frame = image.image.frame && image.image.frame.count > 1 ? image.image.frame.index : undefined;
    let key = '';
    try {
      const { modelKey } = await engine.loadModel({
        manifestPath: model.manifestPath,
        provider: this.deps.settings().provider,
      });
      key = `${image.imageId}|${modelKey}`;
      if (this.preview?.key === key) return this.post('preview', this.preview.message);
      if (this.previewInFlight === key) return;
      this.previewInFlight = key;
      const t0 = Date.now();
      const p = await engine.preview({ imageId: image.imageId, modelKey, thumbSize: PREVIEW_THUMB });
      // Dropped when the image or the model changed meanwhile; the newer one asks again.
      if (this.isDisposed || this.image?.imageId !== image.imageId || models.selected?.id !== model.id) return;
      const message: PreviewMessage = { modelId: model.id, frame, steps: p.steps, regions: p.regions };
      this.preview = { key, message };
      this.deps.log.info(
        `${this.fileName}: preprocessing preview for ${model.id}: ${p.steps.length} steps in ${Date.now() - t0} ms`,
      );
      this.post('preview', message);
    } catch (err) {
      const info = toErrorInfo(err);
      // The image left the engine (restart, eviction): the analysis path decodes again and asks anew.
      if (info.code === 'IMAGE_NOT_FOUND' || this.isDisposed || models.selected?.id !== model.id) return;
      this.deps.log.warn(
        `${this.fileName}: preprocessing preview for ${model.id} failed: [${info.code}] ${info.message}`,
      );
      this.post('preview', { modelId: model.id, frame, error: info });
    } finally {
      if (key && this.previewInFlight === key) this.previewInFlight = undefined;
    }
  }

  /**
   * The webview asked for another frame. Requests that arrive while one decodes only move the target:
   * holding the "next frame" key decodes the frames the loop reaches, not a queue of every key press.
   */
  private selectFrame(frame: number): void {
    const count = this.image?.image.frame?.count ?? 0;
    if (count < 2 || !Number.isInteger(frame) || frame < 0 || frame >= count) return;
    this.frameWanted = frame;
    this.post('frameLoading', { frame, count });
    this.frameLoop ??= this.runFrameLoop().finally(() => (this.frameLoop = undefined));
  }

  private async runFrameLoop(): Promise<void> {
    while (!this.isDisposed && this.frameWanted !== undefined && this.frameWanted !== this.frame) {
      const target = this.frameWanted;
      const previous = this.image;
      if (this.imageLoad) await this.imageLoad.catch(() => undefined);
      try {
        const next = await this.decodeFrame(target);
        if (this.isDisposed) {
          void this.deps.engine.releaseImage({ imageId: next.imageId }).catch(() => undefined);
          return;
        }
        this.frame = target;
        this.image = next;
        if (previous?.imageId) void this.deps.engine.releaseImage({ imageId: previous.imageId }).catch(() => undefined);
        this.postImage();
        // Not awaited: a newer frame request may start decoding while this one is analysed.
        void this.analyze();
      } catch (err) {
        const info = toErrorInfo(err);
        this.deps.log.error(
          `${this.fileName}: frame ${target + 1} could not be decoded: [${info.code}] ${info.message}`,
        );
        void vscode.window.showWarningMessage(
          `${this.fileName}: frame ${target + 1} could not be decoded: ${info.message}`,
        );
        // The current frame stays; tell the webview it is not waiting any more.
        this.frameWanted = undefined;
        if (this.image?.image.frame)
          this.post('frameLoading', { frame: this.frame, count: this.image.image.frame.count });
      }
    }
    this.frameWanted = undefined;
  }

  private async decodeFrame(frame: number): Promise<HeldImage> {
    const limits = this.deps.settings().limits;
    const bytes = await vscode.workspace.fs.readFile(this.uri);
    const r = await this.deps.engine.decode({ bytes, fileName: this.fileName, limits, frame });
    this.deps.log.info(`${this.fileName}: frame ${frame + 1} decoded in ${r.decodeMs.toFixed(0)} ms`);
    return this.hold(r);
  }

  /** A decoded image as this session keeps it: numbered, with its reduced copy when it is large. */
  private hold(r: { imageId: string; image: XrayImage; decodeMs: number }): HeldImage {
    let reduced: ReducedImage | undefined;
    try {
      reduced = reduceImage(r.image, REDUCED_MAX_SIDE);
    } catch (err) {
      // Only a head start is lost: the full image is sent as it is.
      this.deps.log.warn(`${this.fileName}: no reduced copy for the viewer: ${toErrorInfo(err).message}`);
    }
    return { imageId: r.imageId, image: r.image, decodeMs: r.decodeMs, seq: ++this.imageSeq, reduced };
  }

  /**
   * Posts the current image: a large one as its reduced copy first, the full-resolution pixels once the
   * analysis is in (or after FULL_IMAGE_WAIT_MS), so the score does not queue behind them.
   */
  private postImage(): void {
    const held = this.image;
    this.cancelFullImage();
    if (!held || (!this.webviewReady && this.everReady) || this.isDisposed) return;
    const { image, decodeMs, seq, reduced } = held;
    if (!reduced) return this.post('image', { image, decodeMs, seq });
    this.post('image', {
      image: reduced.image,
      decodeMs,
      seq,
      reducedFrom: { width: image.width, height: image.height, factor: reduced.factor },
    });
    this.deps.log.info(
      `${this.fileName}: the viewer gets a ${reduced.image.width}x${reduced.image.height} copy first (${mb(reduced.image.data.byteLength)}), then the full resolution (${mb(image.data.byteLength)})`,
    );
    this.fullPending = { seq, timer: setTimeout(() => this.postFullImage(), FULL_IMAGE_WAIT_MS) };
  }

  /** Sends the full-resolution pixels still owed for the current image, if any. */
  private postFullImage(): void {
    const pending = this.fullPending;
    if (!pending) return;
    this.cancelFullImage();
    const held = this.image;
    if (!held || held.seq !== pending.seq) return;
    this.post('image', { image: held.image, decodeMs: held.decodeMs, seq: held.seq });
  }

  private cancelFullImage(): void {
    if (this.fullPending) clearTimeout(this.fullPending.timer);
    this.fullPending = undefined;
  }

  /** Decodes the file again (the engine lost it); returns the new image id, or undefined on failure. */
  private async redecode(): Promise<string | undefined> {
    this.image = undefined;
    await this.decode();
    return (this.image as ViewerSession['image'])?.imageId;
  }

  private setAnalysisError(info: ErrorInfo, modelId?: string): void {
    this.analysis = undefined;
    this.analysisError = info;
    this.deps.log.error(
      `${this.fileName}: analysis${modelId ? ` with ${modelId}` : ''} failed: [${info.code}] ${info.message}${info.detail ? ` (${firstLine(info.detail)})` : ''}`,
    );
    this.post('error', { scope: 'analysis', error: info });
    this.postFullImage();
  }

  private onMessage(msg: ViewerToHostMessage): void {
    if (isResponse(msg)) {
      this.rpc.handle(msg);
      return;
    }
    if (msg?.kind !== 'notify') return;
    switch (msg.type) {
      case 'ready':
        this.deps.log.debug(`${this.fileName}: webview ready ${Date.now() - this.openedAt} ms after open`);
        this.webviewReady = true;
        this.replay();
        this.everReady = true;
        this.early = {};
        break;
      case 'resendEarly':
        this.resendEarly(msg.params?.image === true, msg.params?.analysis === true);
        break;
      case 'selectModel':
        void this.deps.models.select(msg.params.modelId);
        break;
      case 'pickModel':
        void this.deps.pickModel();
        break;
      case 'reanalyze':
        void this.reanalyze();
        break;
      case 'settingsChanged':
        this.deps.rememberViewerSettings(msg.params);
        break;
      case 'log':
        this.deps.log[msg.params.level](`[viewer ${this.fileName}] ${msg.params.message}`);
        break;
      case 'selectFrame':
        this.selectFrame(Number(msg.params?.frame));
        break;
      case 'copyText':
        void this.copy(String(msg.params?.text ?? ''), String(msg.params?.what ?? 'value'));
        break;
      case 'revealPatientData':
        this.revealPatientData(msg.params?.reveal === true);
        break;
      case 'previewWanted':
        this.previewOpen = msg.params?.open === true;
        if (this.previewOpen && !this.analysisRunning) void this.updatePreview();
        break;
    }
  }

  /**
   * Sends everything known so far, in order; used on the webview's (re)start. On the first start, what
   * went ahead while the page loaded (the head start) is not sent again: `init` lists it, and the
   * webview asks for anything that did not arrive.
   */
  private replay(): void {
    const early =
      !this.everReady && this.early.imageSeq !== undefined && this.early.imageSeq === this.image?.seq
        ? this.early
        : undefined;
    this.post('init', { fileName: this.fileName, settings: this.deps.settings().viewer, early });
    this.postModels();
    this.postTags();
    if (this.imageError) this.post('error', { scope: 'image', error: this.imageError });
    if (!early) this.postImage();
    if (this.image && this.preview?.key.startsWith(`${this.image.imageId}|`) && !this.analysisRunning)
      this.post('preview', this.preview.message);
    if (this.analysisRunning) this.post('analysisStarted', { modelId: this.analysisRunning });
    else if (this.analysis && !early?.analysis) this.post('analysis', { result: this.analysis });
    else if (this.analysisError) this.post('error', { scope: 'analysis', error: this.analysisError });
    // Full-resolution pixels last: by far the largest message, nothing else should wait behind them.
    if (!this.analysisRunning) this.postFullImage();
  }

  /**
   * The webview missed messages of the head start (VS Code hands them to the page after its load, or
   * after 200 ms when the load takes longer, and a page whose script has not run yet drops them).
   * A resent image is a new picture to the webview, so its analysis follows it again.
   */
  private resendEarly(image: boolean, analysis: boolean): void {
    this.deps.log.info(
      `${this.fileName}: the viewer missed the ${[image && 'image', analysis && 'analysis'].filter(Boolean).join(' and ')} sent while it loaded; sending again`,
    );
    if (image) this.postImage();
    if (this.analysisRunning) return;
    if ((image || analysis) && this.analysis) this.post('analysis', { result: this.analysis });
    this.postFullImage();
  }

  /** Copies a value for the user; the value itself is never logged (it may identify the patient). */
  private async copy(text: string, what: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied the value of ${what.slice(0, 64)}`, 2500);
  }

  private postModels(): void {
    const { models } = this.deps;
    this.post('models', {
      models: models.choices(),
      selectedId: models.selected?.id,
      provider: this.analysis?.provider,
    });
  }

  private post<K extends keyof HostToViewerNotifications>(type: K, params: HostToViewerNotifications[K]): void {
    if (this.isDisposed || (!this.webviewReady && !this.headStart(type, params))) return;
    const msg = { kind: 'notify', type, params } as HostToViewerMessage;
    void this.panel.webview.postMessage(msg);
  }

  /**
   * Before the first `ready`, the image and its analysis go ahead anyway: VS Code keeps them until the
   * page has loaded, so moving the pixels overlaps the webview's boot (about a second). Noted for `init`.
   */
  private headStart<K extends keyof HostToViewerNotifications>(type: K, params: HostToViewerNotifications[K]): boolean {
    if (this.everReady) return false;
    if (type === 'image') {
      const p = params as HostToViewerNotifications['image'];
      // Another image (decoded again) starts the list afresh.
      if (this.early.imageSeq !== p.seq) this.early = { imageSeq: p.seq };
      if (!p.reducedFrom) this.early.fullResolution = true;
      return true;
    }
    if (type === 'analysis' && this.early.imageSeq !== undefined && this.early.imageSeq === this.image?.seq) {
      this.early.analysis = true;
      return true;
    }
    return false;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.cancelFullImage();
    this.rpc.failAll({ code: 'CANCELLED', message: 'The viewer was closed.' });
    if (this.image?.imageId) void this.deps.engine.releaseImage({ imageId: this.image.imageId }).catch(() => undefined);
    super.dispose();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}
