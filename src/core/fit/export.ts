/**
 * A fitted detector as a model the rest of the system loads like any other: ONE ONNX file (the
 * backbone cut at its tap + the detector head, outputs `pred_score` and `anomaly_map` as anomalib names
 * them) and its manifest, which copies the backbone's input and preprocessing so every runtime prepares
 * pixels exactly as the features were computed.
 */
import type { BackboneManifest } from '../model/backbone';
import { MANIFEST_SCHEMA, type ModelManifest } from '../model/manifest';
import { composeModels } from '../onnx/compose';
import { fineSourceTap } from './fineMap';
import {
  type CalibrationInfo,
  type MapCentring,
  describeFalseAlarm,
  falseAlarmRate,
  smallCalibrationWarning,
} from './calibrate';
import type { FittedDetector } from './detector';
import { buildDetectorHead } from './head';

export interface ExportInfo {
  id: string;
  name: string;
  /** Input pixels per feature-map cell of the tap. */
  stride: number;
  /** training: images the detector learnt from; calibration: images held out (0 when cross-fitted). */
  images: { training: number; calibration: number; skipped: number };
  /** Where the images came from, in words (e.g. the folder), for provenance. */
  source: string;
  fitSeconds: number;
  /** Seconds per stage before the export (reading, features, gaussian, coreset, calibrate). */
  stageSeconds?: Record<string, number>;
  /** ISO date of the fit; kept out of the ONNX file so refits of the same data give the same bytes. */
  fittedAt: string;
}

export interface ExportedModel {
  onnx: Uint8Array;
  manifest: ModelManifest;
}

/** FNV-1a over the bytes: a short, stable content stamp for the model version. */
export function contentStamp(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function exportDetector(
  det: FittedDetector,
  backbone: BackboneManifest & { preprocessing: ModelManifest['preprocessing'] },
  backboneBytes: Uint8Array,
  info: ExportInfo,
): ExportedModel {
  const r = det.recipe;
  const head = buildDetectorHead(det, { stride: info.stride, blurSigma: 4 });
  const outputs = ['pred_score', ...(det.bank ? ['anomaly_map'] : [])];
  const onnx = composeModels(backboneBytes, head.toBytes({ opset: 17 }), {
    connect: {
      features: r.tap,
      ...(det.bank && det.fine?.centring && r.local.fineMap ? { fine_features: fineSourceTap(r.local.fineMap) } : {}),
    },
    outputs,
    docString: `Anomaly detector fitted by X-ray Anomaly Review on ${info.images.training} normal images: backbone '${backbone.id}' cut at '${r.tap}', ${describeRecipe(det)}.`,
    metadata: { threshold: String(det.threshold), recipe: JSON.stringify(r), backbone: backbone.id },
  });
  const parts = describeRecipe(det);
  const { min, max } = det.calibration;
  const calibration: ModelManifest['calibration'] = {
    threshold: det.threshold,
    min,
    // A degenerate calibration set (identical scores) still needs a range to normalise by.
    max: max > min ? max : min + 1,
    ...(det.pixelThreshold !== undefined && Number.isFinite(det.pixelThreshold)
      ? { pixelThreshold: det.pixelThreshold, ...(det.pixelScale ? { pixelScale: det.pixelScale } : {}) }
      : {}),
    source: calibrationSource(det),
    ...(det.calibration.quantiles
      ? { normalQuantiles: det.calibration.quantiles, normalCount: det.calibration.count }
      : {}),
  };
  const crossFit = det.calibration.method === 'cross-fit';
  const manifest: ModelManifest = {
    schema: MANIFEST_SCHEMA,
    id: info.id,
    name: info.name,
    version: `1.0.0+${contentStamp(onnx)}`,
    description: crossFit
      ? `Fitted on ${info.images.training} normal images from ${info.source}: ${parts}. The threshold is cross-fitted on ${det.calibration.count} of them (each scored by a detector fitted without it). Scores above the threshold are unlike those images.`
      : `Fitted on ${info.images.training} normal images (${info.images.calibration} more held out to calibrate the threshold) from ${info.source}: ${parts}. Scores above the threshold are unlike those images.`,
    onnx: `${info.id}.onnx`,
    input: { ...backbone.input },
    preprocessing: backbone.preprocessing,
    outputs: det.bank ? { anomalyMap: 'anomaly_map', score: 'pred_score' } : { score: 'pred_score' },
    // The map is upsampled and smoothed inside the graph and covers the whole input.
    postprocess: { smoothingSigma: 0, maskForeground: false },
    calibration,
    license: `Fitted model: a derivative of the backbone (${backbone.license ?? 'see its manifest'}) and of the images it was fitted on; their terms apply.`,
    provenance: [
      `Fitted by X-ray Anomaly Review (fit) on ${info.fittedAt} in ${info.fitSeconds.toFixed(1)} s.`,
      crossFit
        ? `Images: ${info.source}; ${info.images.training} for fitting, ${det.calibration.count} of them cross-fitted (leaving out one patient at a time where file names tell the patient) for calibration, ${info.images.skipped} skipped as unreadable.`
        : `Images: ${info.source}; ${info.images.training} for fitting, ${info.images.calibration} held out (patient-grouped where file names tell the patient) for calibration, ${info.images.skipped} skipped as unreadable.`,
      `Backbone: ${backbone.name} (${backbone.id}), tap ${r.tap} (stride ${info.stride}).${backbone.provenance ? ` ${backbone.provenance}` : ''}`,
    ].join('\n'),
    metadata: {
      fit: {
        recipe: r,
        backbone: { id: backbone.id, tap: r.tap, stride: info.stride },
        images: info.images,
        memoryBank: det.bank ? { rows: det.bank.bank.rows, dims: det.bank.bank.cols } : undefined,
        gaussian: det.gaussian ? { dims: det.gaussian.dim, shrinkage: det.gaussian.shrinkage } : undefined,
        standardisers: {
          global: det.globalStd,
          local: det.localStd,
          ...(det.worstStd
            ? { worst: det.worstGate === undefined ? det.worstStd : { ...det.worstStd, gate: det.worstGate } }
            : {}),
          ...(det.fineScore
            ? { fineScore: { parts: det.fineScore.scoreStd, worst: det.fineScore.std, offset: det.fineScore.offset } }
            : {}),
          map: det.mapStd,
        },
        ...(det.mapCentring ? { mapCentring: describeCentring(det.mapCentring) } : {}),
        ...(det.bank && det.fine?.centring
          ? {
              fineMap: {
                tap: r.local.fineMap?.tap,
                ...(r.local.fineMap?.contrast ? { contrast: r.local.fineMap.contrast } : {}),
                references: det.fine.ref.count,
                grid: [det.fine.ref.h, det.fine.ref.w],
                centring: describeCentring(det.fine.centring),
              },
            }
          : {}),
        calibration: calibrationInfo(det),
        fitSeconds: Math.round(info.fitSeconds * 10) / 10,
        ...(info.stageSeconds ? { stageSeconds: info.stageSeconds } : {}),
        fittedAt: info.fittedAt,
      },
    },
  };
  return { onnx, manifest };
}

/** How the threshold was found and what it promises, for the fit result and the manifest. */
export function calibrationInfo(det: FittedDetector): CalibrationInfo {
  const c = det.calibration;
  const q = det.recipe.thresholdQuantile;
  return {
    method: c.method,
    images: c.count,
    ...(c.folds ? { folds: c.folds } : {}),
    ...(c.groups !== undefined ? { groups: c.groups } : {}),
    rank: c.rank,
    ...(c.outliers ? { outliers: { ...c.outliers } } : {}),
    falseAlarm: falseAlarmRate(c.count, q),
    ...(smallCalibrationWarning(c.count, q) ? { warning: smallCalibrationWarning(c.count, q) } : {}),
  };
}

function ordinal(k: number): string {
  const s =
    k % 100 >= 11 && k % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[k % 10] ?? 'th');
  return `${k}${s}`;
}

/** The manifest's calibration.source: the rule, the scores it was applied to, what to expect, and any warning. */
export function calibrationSource(det: FittedDetector): string {
  const c = det.calibration;
  const q = det.recipe.thresholdQuantile;
  const which = c.rank === c.count ? `the highest of ${c.count}` : `the ${ordinal(c.rank)} lowest of ${c.count}`;
  const how = [
    `${c.groups ?? c.count} groups`,
    ...(det.gaussian ? [`Gaussian refitted ${c.folds} times`] : []),
    ...(det.bank ? ["memory bank without the group's rows, re-selected to full size"] : []),
  ];
  const scores =
    c.method === 'cross-fit'
      ? `cross-fitted scores of normal images, each scored by a detector fitted without its patient group (${how.join('; ')})`
      : 'scores of held-out normal images';
  const warning = smallCalibrationWarning(c.count, q);
  return (
    [
      `Threshold for ${Math.round(q * 1000) / 10}% specificity: ${which} ${scores} (rank ⌈(n+1)·${q}⌉, capped at n)`,
      'min/max: their range',
      ...(det.pixelThreshold !== undefined
        ? [
            `pixel threshold: the 99th percentile of each one's ${det.mapCentring ? 'per-position centred, ' : ''}standardised patch distances, 90th percentile over the images`,
            ...(det.pixelScale
              ? ["pixel scale: twice the distance from the median image's median patch up to the pixel threshold"]
              : []),
          ]
        : []),
      ...(c.outliers
        ? [
            `${c.outliers.count} atypical score${c.outliers.count === 1 ? '' : 's'} (above median ${c.outliers.median.toPrecision(4)} + ${c.outliers.k} robust sd ${c.outliers.spread.toPrecision(3)} = ${c.outliers.cap.toPrecision(4)}) left out: with ${c.outliers.count === 1 ? 'it' : 'them'} the threshold would have been ${c.outliers.conformalThreshold.toPrecision(4)}`,
          ]
        : []),
      `expected false alarms: ${describeFalseAlarm(falseAlarmRate(c.count, q))}`,
    ].join('; ') + `.${warning ? ` ${warning}` : ''}`
  );
}

/** The per-position centring in a few numbers (the arrays are in the ONNX file, as `map.offset` and `map.scale`). */
function describeCentring(c: MapCentring): { positions: number; offset: [number, number]; scale: [number, number] } {
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  const range = (a: Float32Array): [number, number] => [r(Math.min(...a)), r(Math.max(...a))];
  return { positions: c.offset.length, offset: range(c.offset), scale: range(c.scale) };
}

function describeRecipe(det: FittedDetector): string {
  const r = det.recipe;
  const parts: string[] = [];
  if (det.gaussian)
    parts.push(`Gaussian of per-channel mean+std of ${r.global.log1p ? 'log(1+x)' : 'x'} (${det.gaussian.dim} dims)`);
  if (det.bank)
    parts.push(
      `PatchCore memory bank of ${det.bank.bank.rows} patches (${r.local.sampling} coreset of ${+(r.local.coresetRatio * 100).toFixed(3)}%, at least ${r.local.minBankRows} rows)`,
    );
  if (det.bank && det.worst)
    parts.push(
      `the worst place (mean of the ${det.worst.k} most unusual patches${det.worst.inset ? `, ${det.worst.inset} cell${det.worst.inset > 1 ? 's' : ''} in from the sides` : ''}${det.worstGate !== undefined ? `; only where it exceeds ${det.worstGate.toFixed(2)} sd, the ${+((r.local.worst?.gateQuantile ?? 1) * 100).toFixed(1)}th percentile of the calibration normals` : ''})`,
    );
  if (det.bank && det.positional?.std)
    parts.push(
      `the worst place of a position-aware map (each patch against ${det.positional.ref.count} normal images' patches within ${det.positional.ref.reach} cell${det.positional.ref.reach === 1 ? '' : 's'} of its place)`,
    );
  const fine =
    det.bank && det.fine?.centring
      ? `; the map adds a position-aware map at ${r.local.fineMap?.tap}${r.local.fineMap?.contrast ? " with its cells' local grey-level contrast" : ''} (${det.fine.ref.w}x${det.fine.ref.h}: each patch against ${det.fine.ref.count} normal images' patches within ${det.fine.ref.reach} cell${det.fine.ref.reach === 1 ? '' : 's'} of its place)`
      : '';
  const fs = det.bank && det.fine?.centring ? det.fineScore : undefined;
  const fineScore = fs
    ? `; the image score is the larger of that sum and the shown map's worst place (mean of its ${fs.k} hottest cells, ${fs.inset} in from the sides) less ${fs.offset} sd, both standardised on the calibration normals`
    : '';
  return (
    parts.join(' + ') +
    (parts.length > 1 ? ', each standardised on the unseen calibration scores and summed' : '') +
    fine +
    fineScore
  );
}
