/**
 * Every failure a user can meet is an XrayError with a stable code and a message written for a person.
 * Codes travel across process and webview boundaries as plain data (see toErrorInfo), so the UI can
 * react to the kind of failure without parsing text.
 */
export type ErrorCode =
  | 'EMPTY_FILE'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'UNSUPPORTED_FORMAT'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'TOO_LARGE'
  | 'DECODE_TIMEOUT'
  | 'MODEL_INVALID'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_INPUT_MISMATCH'
  | 'MODEL_NOT_FOUND'
  /** The engine does not hold this image id (released, evicted, or the engine restarted): decode again. */
  | 'IMAGE_NOT_FOUND'
  | 'INFERENCE_FAILED'
  | 'ENGINE_CRASHED'
  | 'ENGINE_TIMEOUT'
  /** A webview did not answer a request from the extension host in time (it may be hidden or busy). */
  | 'WEBVIEW_TIMEOUT'
  /** The extension host did not answer a request from a webview in time. */
  | 'HOST_TIMEOUT'
  /** A request or message the other side cannot serve: unknown method or unusable parameters. */
  | 'BAD_REQUEST'
  | 'CANCELLED'
  | 'INTERNAL';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** Technical detail for the log; never shown as the headline. */
  detail?: string;
}

export class XrayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'XrayError';
  }
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof XrayError) return { code: err.code, message: err.message, detail: err.detail };
  if (isErrorInfo(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${message}`,
    detail: err instanceof Error ? err.stack : undefined,
  };
}

export function fromErrorInfo(info: ErrorInfo): XrayError {
  return new XrayError(info.code, info.message, info.detail);
}

function isErrorInfo(v: unknown): v is ErrorInfo {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ErrorInfo).code === 'string' &&
    typeof (v as ErrorInfo).message === 'string'
  );
}
