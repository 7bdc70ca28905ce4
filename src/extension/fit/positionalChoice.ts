/**
 * The fit wizard's position-aware choice (FitRequest.positional, as `fit --positional` in the CLI), free of
 * `vscode` so it is unit-tested: the two answers in the user's language, and what the choice asks of the
 * fit. Position-aware references are training images, so such a fit holds out images to set its threshold
 * (the CLI's --calibration; here the fit's default share when the caller gives none).
 */
import { MIN_CENTRING_IMAGES } from '../../core/fit/calibrate';
import { DEFAULT_CALIBRATION_FRACTION } from '../../core/fit/fitModel';
import type { FitRequest } from '../../protocol/engine';
import { l10n } from '../l10n';
import type { FitDetectorArgs } from './types';

export interface PositionalAnswer {
  positional: boolean;
  label: string;
  /** The one-line explanation shown beside the label. */
  description: string;
  detail?: string;
}

/** Images a fit of `files` images holds out with `fraction` (before keeping patients whole), as fitModel does. */
export function heldOutCount(files: number, fraction = DEFAULT_CALIBRATION_FRACTION): number {
  return Math.min(files, Math.max(2, Math.round(files * fraction)));
}

/**
 * Whether a folder of `files` images can have a position-aware fit: its map is centred per position on the
 * held-out images, at least MIN_CENTRING_IMAGES of them (the fit refuses fewer). Smaller folders are not asked.
 */
export function positionalOffered(files: number, calibrationFraction?: number): boolean {
  return heldOutCount(files, calibrationFraction) >= MIN_CENTRING_IMAGES;
}

/** The two answers, the plain search (the default) first. */
export function positionalAnswers(files: number, calibrationFraction?: number): PositionalAnswer[] {
  return [
    {
      positional: false,
      label: l10n.t('Patches compared with normal patches from anywhere'),
      description: l10n.t('any film, aligned or not'),
    },
    {
      positional: true,
      label: l10n.t('Position-aware'),
      // Short enough for the quick pick's width (both lines were cut off at 1400 px).
      description: l10n.t('aligned films (chests): each patch also against normals at its place'),
      detail: l10n.t(
        'About {0} of {1} images held out for the threshold; slower to fit and score.',
        heldOutCount(files, calibrationFraction),
        files,
      ),
    },
  ];
}

/** Why the arguments cannot have a position-aware fit, or undefined. */
export function positionalProblem(args: Pick<FitDetectorArgs, 'positional' | 'kind'>): string | undefined {
  if (args.positional && args.kind === 'gaussian')
    return l10n.t('A position-aware fit needs the patch detector: use the kind combined or patchcore.');
  return undefined;
}

/** What the choice sets in the fit request: the flag, and a calibration share when it needs one. */
export function positionalRequest(
  positional: boolean | undefined,
  calibrationFraction: number | undefined,
): Pick<FitRequest, 'positional' | 'calibrationFraction'> {
  if (!positional) return { calibrationFraction };
  return { positional: true, calibrationFraction: calibrationFraction ?? DEFAULT_CALIBRATION_FRACTION };
}
