/**
 * `npm run models:default`'s position-aware switches (scripts/models/default-positional.ts): the score part brings
 * its fine map; --positional-map asks for the fine map alone; the --no- forms and the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POSITIONAL, POSITIONAL_MAP_ONLY, positionalSwitches } from '../../../scripts/models/default-positional';

test('--positional fits the score part (with its map), --positional-map the map alone, --no- forms turn them off', () => {
  assert.deepEqual(positionalSwitches(['--positional']), { positional: true, positionalMap: false });
  assert.deepEqual(positionalSwitches(['--positional-map']), { positional: false, positionalMap: true });
  assert.deepEqual(positionalSwitches(['--no-positional', '--positional-map']), {
    positional: false,
    positionalMap: true,
  });
  assert.deepEqual(positionalSwitches(['--no-positional', '--no-positional-map']), {
    positional: false,
    positionalMap: false,
  });
  // Both asked: the score part, which already draws the fine map.
  assert.deepEqual(positionalSwitches(['--positional', '--positional-map']), {
    positional: true,
    positionalMap: false,
  });
  assert.deepEqual(positionalSwitches(['--out', 'x']), {
    positional: POSITIONAL,
    positionalMap: !POSITIONAL && POSITIONAL_MAP_ONLY,
  });
});
