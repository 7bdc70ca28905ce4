/**
 * What colours a point of the embedding map: the query model's normalised score (a ramp from blue through
 * pale yellow to red, 0.5 at the model's threshold, on light and dark themes alike), the active label
 * set's label, or the ground truth. Pure: palette indices per point and the legend's entries.
 */
import type { MapColour } from '../../protocol/results';
import { l10n } from '../shared/l10n';

/** RdYlBu reversed, 9 steps: index 0 lowest score. */
export const SCORE_RAMP = [
  '#313695',
  '#4575b4',
  '#74add1',
  '#abd9e9',
  '#fee090',
  '#fdae61',
  '#f46d43',
  '#d73027',
  '#a50026',
];
export const NO_VALUE = '#8c8c8c';

export interface Colouring {
  palette: string[];
  colour: Uint8Array;
  legend: { colour: string; text: string }[];
  /** The score ramp as a CSS gradient (score colouring only). */
  gradient?: string;
}

export interface ColourInput {
  by: MapColour;
  rows: ArrayLike<number>;
  /** Normalised score by row of the query's model (NaN: none). */
  scores: ArrayLike<number>;
  /** Label set's label by row. */
  mark(row: number): 'normal' | 'abnormal' | 'unsure' | null | undefined;
  /** Ground truth by row (1, 0, -1). */
  truth: ArrayLike<number>;
  colours: { normal: string; anomalous: string; unsure: string };
}

export function colourPoints(c: ColourInput): Colouring {
  const n = c.rows.length;
  const colour = new Uint8Array(n);
  if (c.by === 'score') {
    // Palette: no score first (drawn underneath), then the ramp upwards, so high scores draw on top.
    const palette = [NO_VALUE, ...SCORE_RAMP];
    for (let i = 0; i < n; i++) {
      const s = c.scores[c.rows[i]];
      colour[i] = Number.isFinite(s)
        ? 1 + Math.min(SCORE_RAMP.length - 1, Math.max(0, Math.floor(s * SCORE_RAMP.length)))
        : 0;
    }
    return {
      palette,
      colour,
      legend: [{ colour: NO_VALUE, text: l10n.t('no score') }],
      gradient: `linear-gradient(to right, ${SCORE_RAMP.join(', ')})`,
    };
  }
  if (c.by === 'label') {
    const palette = [NO_VALUE, c.colours.normal, c.colours.unsure, c.colours.anomalous];
    const index = { normal: 1, unsure: 2, abnormal: 3 } as const;
    for (let i = 0; i < n; i++) {
      const m = c.mark(c.rows[i]);
      colour[i] = m ? index[m] : 0;
    }
    return {
      palette,
      colour,
      legend: [
        { colour: NO_VALUE, text: l10n.t('not labelled') },
        { colour: c.colours.normal, text: l10n.t('normal') },
        { colour: c.colours.unsure, text: l10n.t('unsure') },
        { colour: c.colours.anomalous, text: l10n.t('abnormal') },
      ],
    };
  }
  const palette = [NO_VALUE, c.colours.normal, c.colours.anomalous];
  for (let i = 0; i < n; i++) {
    const t = c.truth[c.rows[i]];
    colour[i] = t === 0 ? 1 : t === 1 ? 2 : 0;
  }
  return {
    palette,
    colour,
    legend: [
      { colour: NO_VALUE, text: l10n.t('no ground truth') },
      { colour: c.colours.normal, text: l10n.t('normal') },
      { colour: c.colours.anomalous, text: l10n.t('anomalous') },
    ],
  };
}
