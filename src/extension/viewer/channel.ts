/**
 * What the viewer webview is sent, and when: the one place that posts to it (free of `vscode`, so the
 * rules are unit-tested on a fake panel: test/unit/extension/channel.test.ts).
 *
 * The session tells the channel facts (an image was decoded, an analysis started/finished/failed, the
 * tags, a preview); the channel keeps the latest of each, so a webview that starts again (a hidden tab
 * is reloaded) is repainted from them, and decides what to post now. Its states:
 *
 * - `booting`: no webview of this editor has said `ready` yet. The image and its analysis go ahead anyway
 *   (the head start: VS Code holds them until the page has loaded, so moving the pixels overlaps the
 *   webview's boot); what went ahead is noted in `early`. Everything else waits for `ready`.
 * - `live`: a webview said `ready`; everything is posted as it happens. Each further `ready` (reload)
 *   replays the facts in order.
 *
 * Reduced-then-full: an image with a reduced copy is posted as that copy first; its full-resolution
 * pixels are owed until the analysis is posted (or failed), or a timer runs out, whichever comes first.
 */
import type { ErrorInfo } from '../../core/errors';
import type { XrayImage } from '../../core/image/types';
import type { AnalysisResult } from '../../core/scoring/types';
import type { ReducedImage } from '../../engine/reducedImage';
import { Disposable, type IDisposable } from '../../protocol/dispose';
import type {
  EarlyPosted,
  HostToViewerMessage,
  HostToViewerNotifications,
  PreviewMessage,
  TagsMessage,
} from '../../protocol/viewer';

/** An image as the webview gets it. */
export interface ShownImage {
  image: XrayImage;
  decodeMs: number;
  /** Counts decodes; the webview keeps view and analysis when the pixels of the same seq are replaced. */
  seq: number;
  /** Sent first when the image is large. */
  reduced?: ReducedImage;
}

export interface ChannelPort {
  post(message: HostToViewerMessage): void;
  /** setTimeout, as a disposable (tests drive a fake clock). */
  schedule(run: () => void, ms: number): IDisposable;
  log(message: string): void;
  /** `init`'s contents other than `early`, read at each (re)start. */
  init(): Omit<HostToViewerNotifications['init'], 'early'>;
  /** The model list, read each time it is posted. */
  models(): Omit<HostToViewerNotifications['models'], 'provider'>;
}

/**
 * How long the full-resolution pixels wait for the analysis after the reduced copy went out: the score
 * and heatmap are small, and behind 10 MB of pixels in the same channel they would wait as long.
 */
export const FULL_IMAGE_WAIT_MS = 400;

type Phase = { name: 'booting'; early: EarlyPosted } | { name: 'live' };

/** How the last analysis ended; a running one is shown over it until it ends. */
type Outcome = { kind: 'none' } | { kind: 'done'; result: AnalysisResult } | { kind: 'failed'; error: ErrorInfo };

export class ViewerChannel extends Disposable {
  private phase: Phase = { name: 'booting', early: {} };
  private image?: ShownImage;
  private imageError?: ErrorInfo;
  /** Model of the analysis running now, if one is. */
  private running?: string;
  private outcome: Outcome = { kind: 'none' };
  private tags?: TagsMessage;
  private preview?: { seq: number; message: PreviewMessage };
  /** The full-resolution pixels of image `seq`, still owed after its reduced copy. */
  private fullOwed?: { seq: number; timer: IDisposable };

  constructor(private readonly port: ChannelPort) {
    super();
    this._register({ dispose: () => this.cancelFull() });
  }

  get state(): 'booting' | 'live' {
    return this.phase.name;
  }

  /** The model whose analysis is running, if one is. */
  get analysisRunning(): string | undefined {
    return this.running;
  }

  // ---- facts from the session ----

  /** A new image (a decode, another frame): posted at once, a large one as its reduced copy first. */
  setImage(image: ShownImage): void {
    this.image = image;
    this.imageError = undefined;
    this.postImage();
  }

  /** Nothing can be shown: the image is dropped and the error posted. */
  setImageError(error: ErrorInfo): void {
    this.image = undefined;
    this.imageError = error;
    this.post('error', { scope: 'image', error });
  }

  setAnalysisRunning(modelId: string): void {
    this.running = modelId;
    this.post('analysisStarted', { modelId });
  }

  setAnalysis(result: AnalysisResult): void {
    this.outcome = { kind: 'done', result };
    this.post('analysis', { result });
    this.postFullImage();
  }

  setAnalysisError(error: ErrorInfo): void {
    this.outcome = { kind: 'failed', error };
    this.post('error', { scope: 'analysis', error });
    this.postFullImage();
  }

  /** The running analysis is over (its outcome, if any, was set before). */
  analysisEnded(): void {
    this.running = undefined;
  }

  setTags(tags: TagsMessage | undefined): void {
    this.tags = tags;
    this.postTags();
  }

  /** A preview of image `seq`; replayed only while that image is shown, and only when it has steps (not an error). */
  setPreview(seq: number, message: PreviewMessage): void {
    if (!message.error) this.preview = { seq, message };
    this.post('preview', message);
  }

  frameLoading(frame: number, count: number): void {
    this.post('frameLoading', { frame, count });
  }

  postModels(): void {
    const provider = this.outcome.kind === 'done' ? this.outcome.result.provider : undefined;
    this.post('models', { ...this.port.models(), provider });
  }

  postTags(): void {
    if (this.tags) this.post('tags', this.tags);
  }

  // ---- events from the webview ----

  /**
   * The webview (re)started: sends everything known so far, in order. On the first start, what went
   * ahead while the page loaded is not sent again: `init` lists it, and the webview asks for anything
   * that did not arrive (`resendEarly`).
   */
  ready(): void {
    const booting = this.phase.name === 'booting' ? this.phase.early : undefined;
    const early =
      booting && booting.imageSeq !== undefined && booting.imageSeq === this.image?.seq ? booting : undefined;
    this.phase = { name: 'live' };
    const { running, outcome } = this;
    this.post('init', { ...this.port.init(), early });
    this.postModels();
    this.postTags();
    if (this.imageError) this.post('error', { scope: 'image', error: this.imageError });
    if (!early) this.postImage();
    if (this.image && this.preview?.seq === this.image.seq && !running) this.post('preview', this.preview.message);
    if (running) this.post('analysisStarted', { modelId: running });
    else if (outcome.kind === 'done' && !early?.analysis) this.post('analysis', { result: outcome.result });
    else if (outcome.kind === 'failed') this.post('error', { scope: 'analysis', error: outcome.error });
    // Full-resolution pixels last: by far the largest message, nothing else should wait behind them.
    if (!running) this.postFullImage();
  }

  /**
   * The webview missed messages of the head start (VS Code hands them to the page after its load, or
   * after 200 ms when the load takes longer, and a page whose script has not run yet drops them).
   * A resent image is a new picture to the webview, so its analysis follows it again.
   */
  resendEarly(image: boolean, analysis: boolean): void {
    this.port.log(
      `the viewer missed the ${[image && 'image', analysis && 'analysis'].filter(Boolean).join(' and ')} sent while it loaded; sending again`,
    );
    if (image) this.postImage();
    if (this.running) return;
    if ((image || analysis) && this.outcome.kind === 'done') this.post('analysis', { result: this.outcome.result });
    this.postFullImage();
  }

  // ---- posting ----

  private postImage(): void {
    const shown = this.image;
    this.cancelFull();
    if (!shown || this.isDisposed) return;
    const { image, decodeMs, seq, reduced } = shown;
    if (!reduced) return this.post('image', { image, decodeMs, seq });
    this.post('image', {
      image: reduced.image,
      decodeMs,
      seq,
      reducedFrom: { width: image.width, height: image.height, factor: reduced.factor },
    });
    this.port.log(
      `the viewer gets a ${reduced.image.width}x${reduced.image.height} copy first (${mb(reduced.image.data.byteLength)}), then the full resolution (${mb(image.data.byteLength)})`,
    );
    this.fullOwed = { seq, timer: this.port.schedule(() => this.postFullImage(), FULL_IMAGE_WAIT_MS) };
  }

  /** Sends the full-resolution pixels still owed for the current image, if any. */
  private postFullImage(): void {
    const owed = this.fullOwed;
    if (!owed) return;
    this.cancelFull();
    const shown = this.image;
    if (!shown || shown.seq !== owed.seq) return;
    this.post('image', { image: shown.image, decodeMs: shown.decodeMs, seq: shown.seq });
  }

  private cancelFull(): void {
    this.fullOwed?.timer.dispose();
    this.fullOwed = undefined;
  }

  private post<K extends keyof HostToViewerNotifications>(type: K, params: HostToViewerNotifications[K]): void {
    if (this.isDisposed || (this.phase.name === 'booting' && !this.goesAhead(type, params))) return;
    this.port.post({ kind: 'notify', type, params } as HostToViewerMessage);
  }

  /** Before the first `ready`: only the image and the analysis of that image go ahead; noted for `init`. */
  private goesAhead<K extends keyof HostToViewerNotifications>(type: K, params: HostToViewerNotifications[K]): boolean {
    if (this.phase.name !== 'booting') return true;
    let early = this.phase.early;
    if (type === 'image') {
      const p = params as HostToViewerNotifications['image'];
      // Another image (decoded again) starts the list afresh.
      if (early.imageSeq !== p.seq) this.phase = { name: 'booting', early: (early = { imageSeq: p.seq }) };
      if (!p.reducedFrom) early.fullResolution = true;
      return true;
    }
    if (type === 'analysis' && early.imageSeq !== undefined && early.imageSeq === this.image?.seq) {
      early.analysis = true;
      return true;
    }
    return false;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
