/**
 * The decisions and texts of "Fit Detector on Folder...", free of `vscode` so they are unit-tested:
 * which model ids are acceptable, how a clash with an existing model is resolved, what the progress
 * notification says, and the summary that goes to the log and the report.
 */
import * as path from 'node:path';
import { formatPercent } from '../../core/fit/calibrate';
import type { ModelInfo } from '../../core/model/manifest';
import type { EngineNotifications, FitResult, FitStage } from '../../protocol/engine';
import { l10n } from '../l10n';
import { pipelineLabel } from './pipelineText';

export type FitProgressEvent = EngineNotifications['fitProgress'];

/** Where fitted models go by default, relative to a workspace folder (listed by ModelService in trusted workspaces). */
export const WORKSPACE_MODELS_DIR = '.xray-anomaly/models';

/** What the empty-folder message lists; the decoders read these. */
export const supportedFormats = () => l10n.t('DICOM (.dcm, .dicom), PNG, JPEG (.jpg, .jpeg) and TIFF (.tif, .tiff)');

const MAX_ID_LENGTH = 64;
const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Why `id` is not a usable model id, or undefined. Ids become file names, so they stay portable and lowercase. */
export function modelIdProblem(id: string): string | undefined {
  if (id.length === 0) return l10n.t('Enter a model id.');
  if (id.length > MAX_ID_LENGTH) return l10n.t('At most {0} characters (this has {1}).', MAX_ID_LENGTH, id.length);
  if (!ID_RE.test(id)) {
    if (/[A-Z]/.test(id))
      return l10n.t('Use lowercase letters: ids become file names, which some file systems do not tell apart by case.');
    if (/^-|-$|--/.test(id)) return l10n.t('Dashes go between letters or digits: no leading, trailing or double dash.');
    return l10n.t('Use lowercase letters, digits and dashes only (e.g. "hand-normals").');
  }
  return undefined;
}

/** A valid id from a folder name ("Normal Hands 2024" -> "normal-hands-2024"), unique among `taken`. */
export function suggestModelId(folderName: string, taken: ReadonlySet<string>): string {
  const slug = folderName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_ID_LENGTH - 12)
    .replace(/-+$/, '');
  const base = slug ? `${slug}-detector` : 'detector';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export type Clash =
  | { kind: 'none' }
  /** A model (or stray files) with this id already lives in the destination: replacing it needs a yes. */
  | { kind: 'replace'; existing?: ModelInfo }
  /** A model with this id lives elsewhere: the model list keeps the first model with an id, so the new one would be hidden. */
  | { kind: 'hidden'; existing: ModelInfo };

/**
 * How `id` relates to the models already listed and the files already in `outDir`
 * (`filesInOutDir`: names in that folder).
 */
export function findClash(
  id: string,
  outDir: string,
  models: readonly ModelInfo[],
  filesInOutDir: readonly string[],
): Clash {
  const existing = models.find((m) => m.id === id);
  if (existing && !samePath(path.dirname(existing.manifestPath), outDir)) return { kind: 'hidden', existing };
  if (existing) return { kind: 'replace', existing };
  const names = new Set(filesInOutDir);
  if (names.has(`${id}.onnx`) || names.has(`${id}.model.json`)) return { kind: 'replace' };
  return { kind: 'none' };
}

export function clashMessage(id: string, clash: Exclude<Clash, { kind: 'none' }>): string {
  if (clash.kind === 'hidden') {
    const { origin, name, manifestPath } = clash.existing;
    const where =
      origin === 'bundled'
        ? l10n.t('the bundled model "{0}"', name)
        : origin === 'configured'
          ? l10n.t('the configured model "{0}"', name)
          : l10n.t('the workspace model "{0}"', name);
    return l10n.t(
      'The id "{0}" is already used by {1} ({2}). The model list keeps the first model with an id, so a new one would be hidden: choose another id.',
      id,
      where,
      manifestPath,
    );
  }
  return clash.existing
    ? l10n.t('A model "{0}" with id "{1}" already exists in this folder.', clash.existing.name, id)
    : l10n.t('Files named "{0}.onnx" / "{0}.model.json" already exist in this folder.', id);
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => path.resolve(p).replace(/[\\/]+$/, '');
  return process.platform === 'win32' ? norm(a).toLowerCase() === norm(b).toLowerCase() : norm(a) === norm(b);
}

const STAGE_LABELS: Record<FitStage, () => string> = {
  reading: () => l10n.t('Reading images'),
  features: () => l10n.t('Extracting features'),
  gaussian: () => l10n.t('Fitting the Gaussian'),
  coreset: () => l10n.t('Building the memory bank'),
  calibrate: () => l10n.t('Calibrating the threshold'),
  export: () => l10n.t('Writing the model'),
};

export function stageLabel(stage: FitStage | string): string {
  return Object.hasOwn(STAGE_LABELS, stage) ? STAGE_LABELS[stage as FitStage]() : stage;
}

/** "Extracting features · 42% · about 1 min left · 2 skipped" */
export function progressMessage(p: Pick<FitProgressEvent, 'stage' | 'fraction' | 'etaS' | 'skipped'>): string {
  const parts = [stageLabel(p.stage), `${Math.floor(clamp01(p.fraction) * 100)}%`];
  if (p.etaS !== undefined && Number.isFinite(p.etaS) && p.etaS >= 0)
    parts.push(p.etaS < 10 ? l10n.t('almost done') : l10n.t('about {0} left', formatDuration(p.etaS)));
  if (p.skipped > 0) parts.push(l10n.t('{0} skipped', p.skipped));
  return parts.join(' · ');
}

/** Coarse on purpose: an ETA that ticks by the second looks more precise than it is. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 60) return `${Math.round(seconds / 5) * 5} s`;
  if (seconds < 3600) {
    const m = Math.round(seconds / 60);
    return `${m} min`;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Seconds with one decimal below a minute, else minutes and seconds: for elapsed times that happened. */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Progress bar increments (VS Code adds them up) that follow `fraction` and never go backwards. */
export class ProgressTracker {
  private reported = 0;

  /** The increment in percent to report for this fraction (0 when it did not move forward). */
  step(fraction: number): number {
    const target = clamp01(fraction) * 100;
    const inc = target - this.reported;
    if (inc <= 0) return 0;
    this.reported = target;
    return inc;
  }
}

/** `where` is a folder, or a description of a selection ("the 3 selected items"). */
export function emptyFolderMessage(where: string, filesSeen: number, kind: 'folder' | 'selection' = 'folder'): string {
  const files = filesSeen === 1 ? l10n.t('1 file') : l10n.t('{0} files', filesSeen);
  const found =
    kind === 'selection'
      ? l10n.t('of {0}, none is an image in a supported format', files)
      : filesSeen === 0
        ? l10n.t('it holds no files')
        : l10n.t('it holds {0}, and none is an image in a supported format', files);
  return l10n.t(
    'Cannot fit a detector on {0}: {1}. Supported: {2}; subfolders are searched, hidden ones are not.',
    where,
    found,
    supportedFormats(),
  );
}

/** Paths relative to the fitted folder when inside it (shorter, and they say no more than the user chose). */
export function displayPath(file: string, root: string | undefined): string {
  if (!root) return file;
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** "2 of them held out for calibration" / "threshold cross-fitted on all 12" */
function calibrationPhrase(r: FitResult): string {
  const c = r.calibration;
  if (c.method === 'cross-fit')
    return `threshold cross-fitted on ${c.images === r.images.used ? `all ${c.images}` : `${c.images} of them`}`;
  return `${r.images.calibration} of them held out for calibration`;
}

/** The warning a fit on too few images carries (see core's smallCalibrationWarning), or undefined. */
export function calibrationWarning(r: FitResult): string | undefined {
  return r.calibration.warning;
}

export interface FitSummaryInput {
  modelId: string;
  name?: string;
  source: string;
  result: FitResult;
  /** Root the skipped paths are shown relative to. */
  root?: string;
}

/** One line for the log, the small-folder warning when there is one, then one line per skipped image. */
export function summaryLines(s: FitSummaryInput): string[] {
  const r = s.result;
  const skipped = r.images.skipped;
  const head =
    `Fitted "${s.modelId}" on ${s.source} in ${formatElapsed(r.fitMs)}: ${r.images.used} image${r.images.used === 1 ? '' : 's'} used ` +
    `(${calibrationPhrase(r)}), ${skipped.length} skipped; threshold ${formatNumber(r.threshold)}; ` +
    `memory bank ${r.memoryBank.rows} x ${r.memoryBank.dims}; written to ${r.manifestPath}`;
  const warning = calibrationWarning(r);
  const unusual = r.calibration.mostUnusual ?? [];
  const out = r.calibration.outliers;
  return [
    head,
    ...(r.preprocessing
      ? [
          `  preprocessing: ${r.preprocessing.pipeline} (${r.preprocessing.spec.steps.map((st) => st.op).join(', ')})${r.images.mirrored ? `; ${r.images.mirrored} mirrored copies fitted on besides` : ''}`,
        ]
      : []),
    ...(r.positional
      ? [
          `  position-aware: each patch also against ${r.positional.references} normal images at its own place${r.positional.fineMap ? '; the shown map has a fine position-aware map' : ''}`,
        ]
      : []),
    ...(out
      ? [
          `  threshold: ${out.count} atypical image${out.count === 1 ? '' : 's'} left out (score above median ${formatNumber(out.median)} + ${out.k} x robust sd ${formatNumber(out.spread)} = ${formatNumber(out.cap)}); with ${out.count === 1 ? 'it' : 'them'} the threshold would have been ${formatNumber(out.conformalThreshold)}`,
        ]
      : []),
    ...(warning ? [`  warning: ${warning}`] : []),
    ...(unusual.length
      ? [
          `  most unusual images (highest unseen scores): ${unusual.map((u) => `${displayPath(u.path, s.root)} ${formatNumber(u.score)}${u.excluded ? ' (left out of the threshold)' : u.score === r.threshold ? ' = threshold' : ''}`).join(', ')}`,
        ]
      : []),
    ...skipped.map((k) => `  skipped ${displayPath(k.path, s.root)}: [${k.code}] ${k.message}`),
  ];
}

/** The report's rows on the threshold: how it was found and what it promises. */
function calibrationRows(r: FitResult): string[] {
  const c = r.calibration;
  const how =
    c.method === 'cross-fit'
      ? l10n.t(
          'every one fitted on; the threshold is cross-fitted on {0}: each scored by a detector fitted without its patient ({1} patients)',
          c.images === r.images.used ? l10n.t('all {0}', c.images) : c.images,
          c.groups ?? c.images,
        )
      : l10n.t('{0} held out to calibrate the threshold', r.images.calibration);
  const f = c.falseAlarm;
  return [
    row(l10n.t('Images used'), `${r.images.used} (${escapeCell(how)})`),
    row(
      l10n.t('Expected false alarms'),
      l10n.t(
        '{0} of normal images (between {1} and {2} in 9 fits out of 10; aimed at {3})',
        formatPercent(f.expected),
        formatPercent(f.low),
        formatPercent(f.high),
        formatPercent(f.nominal),
      ),
    ),
  ];
}

/** The "Open Report" document (Markdown). */
export function reportMarkdown(s: FitSummaryInput & { finishedAt: Date }): string {
  const r = s.result;
  const lines = [
    `# ${l10n.t('Fit report: {0}', s.name ?? s.modelId)}`,
    '',
    row(l10n.t('Property'), l10n.t('Value')),
    `|---|---|`,
    row(l10n.t('Model id'), `\`${s.modelId}\``),
    row(l10n.t('Fitted on'), escapeCell(s.source)),
    row(l10n.t('Finished'), s.finishedAt.toISOString()),
    row(l10n.t('Time'), formatElapsed(r.fitMs)),
    ...(r.preprocessing
      ? [
          row(
            l10n.t('Preprocessing'),
            `${escapeCell(pipelineLabel(r.preprocessing.pipeline))}: ${r.preprocessing.spec.steps.map((st) => `\`${st.op}\``).join(', ')}`,
          ),
        ]
      : []),
    ...(r.positional
      ? [
          row(
            l10n.t('Position-aware'),
            l10n.t(
              'each patch is also compared with {0} normal images\u2019 patches at its own place (for aligned films)',
              r.positional.references,
            ),
          ),
        ]
      : []),
    ...(r.images.mirrored
      ? [
          row(
            l10n.t('Mirrored copies'),
            l10n.t(
              '{0}: each image was also fitted on mirrored left-right, which doubles what the detector learnt from; the threshold is set on the originals only',
              r.images.mirrored,
            ),
          ),
        ]
      : []),
    ...calibrationRows(r),
    row(l10n.t('Images skipped'), String(r.images.skipped.length)),
    row(l10n.t('Threshold (raw score)'), formatNumber(r.threshold)),
    row(l10n.t('Memory bank'), l10n.t('{0} rows x {1} dims', r.memoryBank.rows, r.memoryBank.dims)),
    row(l10n.t('Manifest'), escapeCell(r.manifestPath)),
    row('ONNX', escapeCell(r.onnxPath)),
    '',
  ];
  const warning = calibrationWarning(r);
  if (warning) lines.splice(2, 0, `> **${l10n.t('Too few images for a stable threshold.')}** ${warning}`, '');
  const out = r.calibration.outliers;
  if (out) {
    lines.push(
      `## ${l10n.t('Threshold: atypical images left out')}`,
      '',
      l10n.t(
        '{0} of the fitted images scored far above all the others (above the median {1} plus {2} robust standard deviations of {3}, that is {4}). A threshold set by such an image would let nothing new exceed it, so it was left out: the threshold is {5}; with it, it would have been {6}. Check the image below: if it is not normal, remove it and fit again.',
        out.count,
        formatNumber(out.median),
        out.k,
        formatNumber(out.spread),
        formatNumber(out.cap),
        formatNumber(r.threshold),
        formatNumber(out.conformalThreshold),
      ),
      '',
    );
  }
  const unusual = r.calibration.mostUnusual ?? [];
  if (unusual.length) {
    const setsIt = unusual[0].score === r.threshold;
    lines.push(
      `## ${l10n.t('Most unusual images')}`,
      '',
      [
        l10n.t('Each image was scored by a detector fitted without it; these scored highest.'),
        ...(setsIt
          ? [l10n.t("The threshold is the first one's score, so it alone decides what counts as anomalous.")]
          : []),
        l10n.t(
          'If one of them is not a normal image (an abnormality, another view or body part, a damaged or mislabelled file), remove it and fit again.',
        ),
      ].join(' '),
      '',
      row(l10n.t('Image'), l10n.t('Score')),
      '|---|---|',
      ...unusual.map((u) =>
        row(
          escapeCell(displayPath(u.path, s.root)),
          u.excluded
            ? l10n.t('{0} (left out of the threshold)', formatNumber(u.score))
            : u.score === r.threshold
              ? l10n.t('{0} (the threshold)', formatNumber(u.score))
              : formatNumber(u.score),
        ),
      ),
      '',
    );
  }
  if (r.images.skipped.length) {
    lines.push(
      `## ${l10n.t('Skipped images')}`,
      '',
      row(l10n.t('Image'), l10n.t('Code'), l10n.t('Reason')),
      '|---|---|---|',
    );
    // The reason is the decoder's message (core, English; see l10n.ts).
    for (const k of r.images.skipped)
      lines.push(row(escapeCell(displayPath(k.path, s.root)), k.code, escapeCell(k.message)));
    lines.push('');
  }
  lines.push(
    l10n.t(
      'Scores are normalised so that 0.5 is the threshold: images scoring above it look unlike the normal images fitted on.',
    ),
    '',
  );
  return lines.join('\n');
}

/** A Markdown table row. */
function row(...cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(3) : x.toFixed(4);
}

/** Up to `n` images spread evenly over the list (first and last included): the preprocessing preview's samples. */
export function previewSamples<T>(files: readonly T[], n = 4): T[] {
  if (files.length <= n) return [...files];
  const at = new Set(Array.from({ length: n }, (_, i) => Math.round((i * (files.length - 1)) / (n - 1))));
  return [...at].map((i) => files[i]);
}
