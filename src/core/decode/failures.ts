/**
 * Building the XrayErrors that decoding can end in. The headline is written for a person; whatever the
 * underlying library said goes to `detail`, for the log.
 */
import { XrayError } from '../errors';
import type { DecodeLimits } from '../image/types';

/** Text of whatever a library threw: Errors, strings (dicom-parser throws strings), or objects. */
export function libraryText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const inner = (err as { exception?: unknown }).exception;
    if (inner !== undefined) return libraryText(inner);
    try {
      return JSON.stringify(err).slice(0, 500);
    } catch {
      return String(err);
    }
  }
  return String(err);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

export function formatPixels(n: number): string {
  return n >= 1e6
    ? `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} megapixels`
    : `${n.toLocaleString('en-US')} pixels`;
}

export function emptyFile(name: string): XrayError {
  return new XrayError('EMPTY_FILE', `${name} is empty (0 bytes).`);
}

export function fileTooLarge(name: string, size: number, limits: DecodeLimits): XrayError {
  return new XrayError(
    'TOO_LARGE',
    `${name} is ${formatBytes(size)}, more than the ${formatBytes(limits.maxFileBytes)} this viewer opens.`,
    `file bytes ${size} > maxFileBytes ${limits.maxFileBytes}`,
  );
}

/** Throws TOO_LARGE unless width x height (x frames held in memory at once: always one) fits the limit. */
export function checkPixelLimit(name: string, width: number, height: number, limits: DecodeLimits): void {
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new XrayError(
      'TOO_LARGE',
      `${name} is ${width} × ${height} pixels (${formatPixels(pixels)}), more than the limit of ${formatPixels(limits.maxPixels)}.`,
      `width ${width} height ${height} pixels ${pixels} > maxPixels ${limits.maxPixels}`,
    );
  }
}

export function frameOutOfRange(name: string, frame: number, count: number): XrayError {
  const what = count === 1 ? 'has 1 frame (0)' : `has ${count} frames (0–${count - 1})`;
  // A frame index comes from our own UI, so a bad one is our mistake rather than the file's.
  return new XrayError('INTERNAL', `Frame ${frame} was requested but ${name} ${what}.`);
}

/** Frame option validated to a non-negative integer. */
export function requestedFrame(frame: number | undefined): number {
  if (frame === undefined) return 0;
  if (!Number.isInteger(frame) || frame < 0)
    throw new XrayError('INTERNAL', `Frame index must be a non-negative integer, not ${frame}.`);
  return frame;
}
