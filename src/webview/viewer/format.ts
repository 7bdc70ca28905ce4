/** Number and text formatting shared by the panels, and the words shown for each error code. */
import type { ErrorCode } from './types';
import { l10n } from '../shared/l10n';

/** A modality value: integers stay integers, other values get 4 significant digits. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(+v.toPrecision(4));
}

/** Window numbers: whole numbers for wide windows, more digits for narrow (float) ones. */
export function fmtWindow(v: number, width: number): string {
  if (width >= 20) return String(Math.round(v));
  return String(+v.toPrecision(4));
}

export function fmtScore(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return String(+v.toPrecision(4));
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return l10n.t('{0} ms', ms >= 100 ? Math.round(ms) : +ms.toFixed(1));
}

export function fmtPercent(scale: number): string {
  const p = scale * 100;
  return `${p >= 10 ? Math.round(p) : +p.toPrecision(2)}%`;
}

export function providerLabel(p: string): string {
  const known: Record<string, string> = {
    cpu: 'CPU',
    cuda: 'CUDA (GPU)',
    webgpu: 'WebGPU (GPU)',
    dml: 'DirectML (GPU)',
    coreml: 'Core ML',
    tensorrt: 'TensorRT (GPU)',
  };
  return known[p.toLowerCase()] ?? p;
}

// Partial on purpose: a code added to the core later falls back to a generic text instead of breaking the build.
export const ERROR_TEXT: Partial<Record<ErrorCode, { title: string; hint: string }>> = {
  EMPTY_FILE: {
    title: l10n.t('The file is empty'),
    hint: l10n.t('The file has zero bytes. It may still be copying, or the download failed.'),
  },
  TRUNCATED: {
    title: l10n.t('The file is cut short'),
    hint: l10n.t('The file ends before its image data does. Copy or export it again.'),
  },
  CORRUPT: {
    title: l10n.t('The file is damaged'),
    hint: l10n.t('Its structure could not be read. Check that it opens in another viewer.'),
  },
  UNSUPPORTED_FORMAT: {
    title: l10n.t('Not a supported image'),
    hint: l10n.t('Supported: DICOM, PNG (8/16-bit), JPEG and TIFF. The extension may not match the content.'),
  },
  UNSUPPORTED_TRANSFER_SYNTAX: {
    title: l10n.t('This DICOM encoding is not supported yet'),
    hint: l10n.t('Uncompressed DICOM opens now; convert the file (e.g. with dcmdjpeg or gdcmconv --raw) to view it.'),
  },
  TOO_LARGE: {
    title: l10n.t('The image is too large'),
    hint: l10n.t('The limits can be raised in the settings (X-ray Anomaly Review: limits).'),
  },
  DECODE_TIMEOUT: {
    title: l10n.t('Reading the image took too long'),
    hint: l10n.t('Decoding was stopped to keep the editor responsive. Try again, or convert the file.'),
  },
  MODEL_INVALID: {
    title: l10n.t('The model is not valid'),
    hint: l10n.t('Its manifest has a problem; see the message and the log.'),
  },
  MODEL_LOAD_FAILED: {
    title: l10n.t('The model could not be loaded'),
    hint: l10n.t('See the log (Output: X-ray Anomaly Review) for details.'),
  },
  MODEL_INPUT_MISMATCH: {
    title: l10n.t('The model does not fit this image'),
    hint: l10n.t('Choose another model for this kind of image.'),
  },
  MODEL_NOT_FOUND: {
    title: l10n.t('The model was not found'),
    hint: l10n.t('Pick a model with "More models…" or check the model folders setting.'),
  },
  INFERENCE_FAILED: {
    title: l10n.t('The analysis failed'),
    hint: l10n.t('See the log for details; try again or choose another model.'),
  },
  ENGINE_CRASHED: {
    title: l10n.t('The inference engine stopped'),
    hint: l10n.t('It restarts on the next request: press Retry.'),
  },
  ENGINE_TIMEOUT: {
    title: l10n.t('The analysis took too long'),
    hint: l10n.t('Retry, or choose a smaller model or the CPU provider.'),
  },
  CANCELLED: { title: l10n.t('Cancelled'), hint: l10n.t('Run the analysis again when you are ready.') },
  IMAGE_NOT_FOUND: {
    title: l10n.t('The image is no longer loaded'),
    hint: l10n.t('Run the analysis again; the image is decoded anew.'),
  },
  INTERNAL: { title: l10n.t('Something went wrong'), hint: l10n.t('This is a bug; the log has the details.') },
};

const FALLBACK = {
  title: l10n.t('Something went wrong'),
  hint: l10n.t('The log (Output: X-ray Anomaly Review) has the details.'),
};

export function errorText(code: string): { title: string; hint: string } {
  return ERROR_TEXT[code as ErrorCode] ?? FALLBACK;
}
