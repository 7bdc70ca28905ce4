/**
 * Which position-aware evidence `npm run models:default` fits into the default model
 * (docs/experiments/local-evidence.md): the score part (the worst place of a block-10 position-aware map,
 * with the fine map), or the fine map alone, which changes the shown map but not the image score.
 */

/** Whether the default model carries the position-aware score part (and its fine map). */
export const POSITIONAL = false;
/** Whether it carries the fine position-aware map alone (the shown map; the image score does not read it). */
export const POSITIONAL_MAP_ONLY = true;

/**
 * Whether the image score also reads the fine map (detector.ts FINE_SCORE: the larger of the plain score and the
 * map's worst place less 1 sd, both standardised; local-evidence.md round 5).
 */
export const FINE_SCORE = true;

/**
 * Whether the fine map also compares each cell's local grey-level contrast (detector.ts FINE_CONTRAST;
 * local-evidence.md round 7): the low-contrast lytic and sclerotic blobs.
 */
export const CONTRAST_MAP = true;

/**
 * What --positional / --positional-map / --fine-score / --contrast-map (and their --no- forms) ask for; the
 * shipped settings otherwise.
 */
export function positionalSwitches(argv: readonly string[]): {
  positional: boolean;
  positionalMap: boolean;
  fineScore: boolean;
  contrastMap: boolean;
} {
  const flag = (name: string, dflt: boolean) =>
    argv.includes(`--${name}`) ? true : argv.includes(`--no-${name}`) ? false : dflt;
  const positional = flag('positional', POSITIONAL);
  // The score part brings its map; the map alone leaves the image score as a plain fit's unless fineScore.
  const positionalMap = !positional && flag('positional-map', POSITIONAL_MAP_ONLY);
  const fine = positional || positionalMap;
  return {
    positional,
    positionalMap,
    fineScore: fine && flag('fine-score', FINE_SCORE),
    contrastMap: fine && flag('contrast-map', CONTRAST_MAP),
  };
}
