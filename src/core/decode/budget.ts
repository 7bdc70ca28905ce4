/**
 * A wall-clock budget for one decode. Long loops (element walks, fragment assembly, RLE, the JPEG
 * decoder, inflating) call `tick()` on every iteration and `check()` between frames and fragments;
 * either throws DECODE_TIMEOUT once the deadline has passed, so a hostile file can cost at most the
 * budget plus one uninterruptible step (a single native or WebAssembly call, itself bounded by the
 * pixel limit).
 */
import { XrayError } from '../errors';

/** How many `tick()` calls go by between clock reads: a clock read costs far more than a loop step. */
const TICKS_PER_CHECK = 4096;

export class DecodeBudget {
  private readonly deadline: number;
  private ticks = 0;

  constructor(
    private readonly name: string,
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.deadline = now() + timeoutMs;
  }

  /** An effectively unlimited budget, for callers (tests, tools) that bound time some other way. */
  static unlimited(name = 'the file'): DecodeBudget {
    return new DecodeBudget(name, Number.MAX_SAFE_INTEGER / 4);
  }

  /** Throws DECODE_TIMEOUT when the deadline has passed; `stage` says where, for the log. */
  check(stage: string): void {
    if (this.now() > this.deadline) throw this.timeoutError(stage);
  }

  /** Milliseconds left (negative once past the deadline). */
  remainingMs(): number {
    return this.deadline - this.now();
  }

  /** The DECODE_TIMEOUT error, for callers that enforce the deadline themselves (e.g. with a timer). */
  timeoutError(stage: string): XrayError {
    return new XrayError(
      'DECODE_TIMEOUT',
      `Decoding ${this.name} took longer than ${formatSeconds(this.timeoutMs)} and was stopped.`,
      `time budget ${this.timeoutMs} ms exceeded during ${stage}`,
    );
  }

  /** Cheap per-iteration form of check(): reads the clock only every few thousand calls. */
  tick(stage: string): void {
    if (++this.ticks >= TICKS_PER_CHECK) {
      this.ticks = 0;
      this.check(stage);
    }
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
}
