/**
 * The frame loop of a multi-frame file: the webview asks for a frame; requests that arrive while one
 * decodes only move the target, so holding the "next frame" key decodes the frames the loop reaches,
 * not a queue of every key press. Free of `vscode`; the session supplies decoding and showing.
 */
export interface FrameLoopDeps {
  /** Frame shown now, and how many the file has. */
  current(): { frame: number; count: number };
  /** Resolves when a decode already under way has finished (the loop never decodes two at once). */
  idle(): Promise<void>;
  /** Decodes `frame` and shows it; throws when it cannot (the current frame then stays). */
  load(frame: number): Promise<void>;
  failed(frame: number, error: unknown): void;
  /** The webview is told which frame it waits for (or, after a failure, that it waits no more). */
  loading(frame: number, count: number): void;
  stopped(): boolean;
}

export class FrameLoop {
  /** Newest frame asked for, while the loop runs. */
  private wanted?: number;
  private loop?: Promise<void>;

  constructor(private readonly deps: FrameLoopDeps) {}

  /** Asks for `frame`; out-of-range or non-integer requests (from the webview) are ignored. */
  select(frame: number): void {
    const { count } = this.deps.current();
    if (count < 2 || !Number.isInteger(frame) || frame < 0 || frame >= count) return;
    this.wanted = frame;
    this.deps.loading(frame, count);
    this.loop ??= this.run().finally(() => (this.loop = undefined));
  }

  /** Resolves when the loop has nothing left to do (tests, and callers that must not overlap it). */
  settled(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    while (!this.deps.stopped() && this.wanted !== undefined && this.wanted !== this.deps.current().frame) {
      const target = this.wanted;
      await this.deps.idle();
      try {
        await this.deps.load(target);
      } catch (err) {
        this.deps.failed(target, err);
        this.wanted = undefined;
        const { frame, count } = this.deps.current();
        if (count > 1) this.deps.loading(frame, count);
      }
    }
    this.wanted = undefined;
  }
}
