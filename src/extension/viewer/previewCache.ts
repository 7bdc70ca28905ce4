/**
 * The preprocessing preview (the webview's step strip) of an image for a model: computed by the engine
 * while the strip is open, kept for the last image and model, and never asked twice at once. Free of
 * `vscode`; the session says which image and model are current.
 */
import { toErrorInfo } from '../../core/errors';
import type { ProviderPreference } from '../../protocol/engine';
import type { PreviewMessage } from '../../protocol/viewer';
import type { EngineApi } from '../engineApi';
import type { Logger } from '../log';

/** Longer side of the preprocessing thumbnails sent to the webview (the step view shows them up to 3x). */
export const PREVIEW_THUMB = 256;

export interface PreviewRequest {
  imageId: string;
  /** Frame of a multi-frame file the image is. */
  frame?: number;
  model: { id: string; manifestPath: string };
  provider: ProviderPreference;
}

export class PreviewCache {
  /** Whether the webview's strip is open: previews are computed only then. */
  open = false;
  /** Last preview, for `${imageId}|${modelKey}`. */
  private last?: { key: string; message: PreviewMessage };
  private inFlight?: string;

  constructor(
    private readonly engine: Pick<EngineApi, 'loadModel' | 'preview'>,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    private readonly fileName: string,
  ) {}

  /**
   * The preview of `req`, from the cache or the engine, handed to `show` while `current(req)` still holds
   * (the image or model may change meanwhile; the newer one asks again). A failure is shown as the preview's
   * error, except when the image left the engine (restart, eviction): the analysis then decodes again and asks anew.
   */
  async update(req: PreviewRequest, current: () => boolean, show: (message: PreviewMessage) => void): Promise<void> {
    if (!this.open) return;
    const { model, frame } = req;
    let key = '';
    try {
      const { modelKey } = await this.engine.loadModel({ manifestPath: model.manifestPath, provider: req.provider });
      key = `${req.imageId}|${modelKey}`;
      if (this.last?.key === key) return show(this.last.message);
      if (this.inFlight === key) return;
      this.inFlight = key;
      const t0 = Date.now();
      const p = await this.engine.preview({ imageId: req.imageId, modelKey, thumbSize: PREVIEW_THUMB });
      if (!current()) return;
      const message: PreviewMessage = { modelId: model.id, frame, steps: p.steps, regions: p.regions };
      this.last = { key, message };
      this.log.info(
        `${this.fileName}: preprocessing preview for ${model.id}: ${p.steps.length} steps in ${Date.now() - t0} ms`,
      );
      show(message);
    } catch (err) {
      const info = toErrorInfo(err);
      if (info.code === 'IMAGE_NOT_FOUND' || !current()) return;
      this.log.warn(`${this.fileName}: preprocessing preview for ${model.id} failed: [${info.code}] ${info.message}`);
      show({ modelId: model.id, frame, error: info });
    } finally {
      if (key && this.inFlight === key) this.inFlight = undefined;
    }
  }
}
