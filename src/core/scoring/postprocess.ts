/**
 * Model outputs -> image score and anomaly map, the way the manifest says to read them.
 *
 * Reconstruction models (the paper's autoencoders): the map is the per-pixel squared error between the
 * network's input and its reconstruction, restricted to foreground (the paper scored only non-zero
 * pixels) and Gaussian-smoothed for display. The image score, when the model gives none, reduces the
 * UNSMOOTHED masked error, exactly as the paper's masked MSE and top-200 scores were computed; smoothing
 * only makes the explanation readable. Map models (PatchCore/PaDiM exports) return the map themselves,
 * possibly at another resolution: it is smoothed only when the manifest asks, since anomalib-style
 * exports already smooth inside the graph.
 */
import { XrayError } from '../errors';
import { composeAffine, IDENTITY, type Affine } from '../image/types';
import type { ModelManifest } from '../model/manifest';
import type { PreparedInput } from '../preprocess/pipeline';
import { imageScore, normalizeMapValue } from './calibration';
import { gaussianBlur } from './gaussian';
import { reduceMap } from './reduce';
import { asImage, asScalar, requireOutput, type ImageTensor, type OutputTensors } from './tensors';
import type { AnomalyMap, ImageScore } from './types';

export type { OutputTensors } from './tensors';

export const DEFAULT_SMOOTHING_SIGMA = 4;

type Prepared = Pick<PreparedInput, 'tensor' | 'dims' | 'toImage' | 'foreground'>;

interface RawMap {
  width: number;
  height: number;
  data: Float32Array;
  /** Map pixel -> model input pixel. */
  toModel: Affine;
  /** Map-space foreground, when the map is restricted to it. */
  mask?: Uint8Array;
  sigma: number;
}

export function scoreOutputs(
  outputs: OutputTensors,
  prepared: Prepared,
  manifest: ModelManifest,
  /** map: false when only the score is wanted (a batch without heatmaps): the same score, no map work. */
  opts: { map?: boolean } = {},
): { score: ImageScore; map?: AnomalyMap } {
  const names = manifest.outputs;
  const post = manifest.postprocess ?? {};
  const wantMap = opts.map ?? true;
  let raw: RawMap | undefined;
  if (!wantMap && names.score) raw = undefined;
  else if (names.reconstruction)
    raw = reconstructionError(
      asImage(requireOutput(outputs, names.reconstruction, 'reconstruction'), names.reconstruction, 'reconstruction'),
      prepared,
      manifest,
    );
  else if (names.anomalyMap)
    raw = modelMap(
      asImage(requireOutput(outputs, names.anomalyMap, 'anomaly map'), names.anomalyMap, 'anomaly map'),
      prepared,
      manifest,
    );

  let rawScore: number;
  if (names.score) rawScore = asScalar(requireOutput(outputs, names.score, 'score'), names.score);
  else if (raw) rawScore = reduceMap(raw.data, raw.mask, post.reduce ?? 'mean');
  else
    throw new XrayError(
      'MODEL_INVALID',
      `Model '${manifest.id}' names no score, reconstruction or anomaly map output.`,
    );

  const score = imageScore(rawScore, manifest.calibration);
  if (!raw || !wantMap) return { score };
  return { score, map: displayMap(raw, prepared, manifest) };
}

function reconstructionError(rec: ImageTensor, prepared: Prepared, manifest: ModelManifest): RawMap {
  const [, channels, height, width] = prepared.dims;
  if (rec.height !== height || rec.width !== width || (rec.channels !== 1 && rec.channels !== channels)) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's reconstruction is ${rec.channels}x${rec.height}x${rec.width} (channels x height x width) but its input is ${channels}x${height}x${width}.`,
    );
  }
  const plane = width * height;
  const x = prepared.tensor;
  const r = rec.data;
  const err = new Float32Array(plane);
  if (rec.channels === channels) {
    // Same layout: mean over channels of the per-channel squared error.
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let i = 0; i < plane; i++) {
        const d = x[base + i] - r[base + i];
        err[i] += d * d;
      }
    }
    if (channels > 1) for (let i = 0; i < plane; i++) err[i] /= channels;
  } else {
    // One reconstructed channel against the input's channel mean.
    for (let i = 0; i < plane; i++) {
      let m = 0;
      for (let c = 0; c < channels; c++) m += x[c * plane + i];
      const d = m / channels - r[i];
      err[i] = d * d;
    }
  }
  const post = manifest.postprocess ?? {};
  const mask = (post.maskForeground ?? true) ? prepared.foreground : undefined;
  if (mask) applyMask(err, mask);
  return { width, height, data: err, toModel: IDENTITY, mask, sigma: post.smoothingSigma ?? DEFAULT_SMOOTHING_SIGMA };
}

function modelMap(map: ImageTensor, prepared: Prepared, manifest: ModelManifest): RawMap {
  if (map.channels !== 1) {
    throw new XrayError(
      'INFERENCE_FAILED',
      `The model's anomaly map has ${map.channels} channels; expected one ([1,1,H,W], [1,H,W] or [H,W]).`,
    );
  }
  const [, , height, width] = prepared.dims;
  const sx = width / map.width;
  const sy = height / map.height;
  const post = manifest.postprocess ?? {};
  const data = map.data.slice();
  const mask = post.maskForeground
    ? resampleMaskNearest(prepared.foreground, width, height, map.width, map.height)
    : undefined;
  if (mask) applyMask(data, mask);
  // Sigma is given in model pixels; the map may be coarser.
  const sigma = (post.smoothingSigma ?? 0) / Math.sqrt(sx * sy);
  return { width: map.width, height: map.height, data, toModel: [sx, 0, 0, 0, sy, 0], mask, sigma };
}

function displayMap(raw: RawMap, prepared: Prepared, manifest: ModelManifest): AnomalyMap {
  const smoothed = gaussianBlur(raw.data, raw.width, raw.height, raw.sigma);
  // Keep the smoothed error off the background it was masked from (no glow over padding).
  if (raw.mask) applyMask(smoothed, raw.mask);
  const cal = manifest.calibration;
  const data = new Float32Array(smoothed.length);
  let rawMin = Infinity;
  let rawMax = -Infinity;
  for (let i = 0; i < smoothed.length; i++) {
    const v = smoothed[i];
    if (v < rawMin) rawMin = v;
    if (v > rawMax) rawMax = v;
    // Masked pixels (background) are not part of the analysis: no heat at all, not "low".
    data[i] = raw.mask && !raw.mask[i] ? 0 : normalizeMapValue(v, cal);
  }
  return {
    width: raw.width,
    height: raw.height,
    data,
    toImage: composeAffine(prepared.toImage, raw.toModel),
    rawMin,
    rawMax,
  };
}

function applyMask(data: Float32Array, mask: Uint8Array): void {
  for (let i = 0; i < data.length; i++) if (!mask[i]) data[i] = 0;
}

/** Model-space mask sampled at each map pixel's centre. */
export function resampleMaskNearest(mask: Uint8Array, w: number, h: number, mw: number, mh: number): Uint8Array {
  if (mw === w && mh === h) return mask;
  const out = new Uint8Array(mw * mh);
  for (let y = 0; y < mh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / mh));
    for (let x = 0; x < mw; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / mw));
      out[y * mw + x] = mask[sy * w + sx];
    }
  }
  return out;
}
