// The viewer's checks on what an image message claims about a reduced copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReducedFrom } from '../../../src/webview/viewer/imageCheck';

test('a reduced copy is accepted when block means of its factor give its size', () => {
  assert.deepEqual(checkReducedFrom({ width: 2048, height: 2500, factor: 3 }, { width: 683, height: 834 }), {
    width: 2048,
    height: 2500,
    factor: 3,
  });
  assert.deepEqual(checkReducedFrom({ width: 1200, height: 1500, factor: 2 }, { width: 600, height: 750 }), {
    width: 1200,
    height: 1500,
    factor: 2,
  });
});

test('sizes that do not match the factor, and malformed values, are refused with a reason', () => {
  const problem = (raw: unknown, copy = { width: 683, height: 834 }) => {
    const r = checkReducedFrom(raw, copy);
    return 'problem' in r ? r.problem : undefined;
  };
  assert.match(
    problem({ width: 2048, height: 2500, factor: 2 }) ?? '',
    /683 x 834 copy does not reduce 2048 x 2500 by 2/,
  );
  assert.match(
    problem({ width: 2048, height: 2500, factor: 1 }, { width: 2048, height: 2500 }) ?? '',
    /invalid full size/,
  );
  assert.match(problem({ width: 2048.5, height: 2500, factor: 3 }) ?? '', /invalid full size/);
  assert.match(problem({ width: '2048', height: 2500, factor: 3 }) ?? '', /invalid full size/);
  assert.match(problem(null) ?? '', /missing/);
  assert.match(
    problem({ width: 20000, height: 20000, factor: 30 }, { width: 667, height: 667 }) ?? '',
    /over the viewer's limit/,
  );
});
