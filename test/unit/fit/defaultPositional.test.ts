/**
 * `npm run models:default`'s position-aware switches (scripts/models/default-positional.ts): the score part brings
 * its fine map; --positional-map asks for the fine map alone; --fine-score lets the image score read the fine map
 * (only where there is one), --contrast-map adds local contrast to that map (likewise); the --no- forms and the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTRAST_MAP,
  FINE_SCORE,
  POSITIONAL,
  POSITIONAL_MAP_ONLY,
  positionalSwitches,
} from '../../../scripts/models/default-positional';

test('--positional fits the score part (with its map), --positional-map the map alone, --no- forms turn them off', () => {
  const sw = (...argv: string[]) => {
    const { positional, positionalMap } = positionalSwitches(argv);
    return { positional, positionalMap };
  };
  assert.deepEqual(sw('--positional'), { positional: true, positionalMap: false });
  assert.deepEqual(sw('--positional-map'), { positional: false, positionalMap: true });
  assert.deepEqual(sw('--no-positional', '--positional-map'), { positional: false, positionalMap: true });
  assert.deepEqual(sw('--no-positional', '--no-positional-map'), { positional: false, positionalMap: false });
  // Both asked: the score part, which already draws the fine map.
  assert.deepEqual(sw('--positional', '--positional-map'), { positional: true, positionalMap: false });
  assert.deepEqual(sw('--out', 'x'), { positional: POSITIONAL, positionalMap: !POSITIONAL && POSITIONAL_MAP_ONLY });
});

test('--fine-score needs a fine map; the default follows FINE_SCORE when the default model has one', () => {
  assert.equal(positionalSwitches(['--positional-map', '--fine-score']).fineScore, true);
  assert.equal(positionalSwitches(['--positional-map', '--no-fine-score']).fineScore, false);
  assert.equal(positionalSwitches(['--no-positional', '--no-positional-map', '--fine-score']).fineScore, false);
  const d = positionalSwitches([]);
  assert.equal(d.fineScore, (d.positional || d.positionalMap) && FINE_SCORE);
});

test('--contrast-map needs a fine map; the default follows CONTRAST_MAP when the default model has one', () => {
  assert.equal(positionalSwitches(['--positional-map', '--contrast-map']).contrastMap, true);
  assert.equal(positionalSwitches(['--positional-map', '--no-contrast-map']).contrastMap, false);
  assert.equal(positionalSwitches(['--no-positional', '--no-positional-map', '--contrast-map']).contrastMap, false);
  const d = positionalSwitches([]);
  assert.equal(d.contrastMap, (d.positional || d.positionalMap) && CONTRAST_MAP);
});
