// The CLI's quality options mirror the xrayAnomaly.quality.* settings: one option per setting, same range
// and default, and the thresholds they give change the verdicts the score command prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUALITY_OPTIONS, qualityFromOptions, qualityLines, qualityUsage } from '../../../src/cli/quality';
import { QUALITY_DEFAULTS, SETTINGS } from '../../../src/protocol/settings';
import type { BatchRow } from '../../../src/core/batch/types';

test('one option per quality setting, named after it', () => {
  const settings = Object.keys(SETTINGS).filter((k) => k.startsWith('quality.'));
  assert.deepEqual(
    QUALITY_OPTIONS.map((o) => o.key),
    settings,
  );
  assert.ok(QUALITY_OPTIONS.some((o) => o.key === 'quality.darkLevel' && o.option === 'dark-level'));
  assert.ok(QUALITY_OPTIONS.some((o) => o.key === 'quality.nearDuplicateBits' && o.option === 'near-duplicate-bits'));
  assert.equal(qualityUsage('').split('\n').length, settings.length);
});

test('options given replace the defaults; the others keep them; out of range or not a number is refused', () => {
  assert.deepEqual(qualityFromOptions({}), QUALITY_DEFAULTS);
  const t = qualityFromOptions({ 'dark-level': '80', 'odd-aspect-ratio': '2.5' });
  assert.deepEqual(t, { ...QUALITY_DEFAULTS, darkLevel: 80, oddAspectRatio: 2.5 });
  assert.throws(() => qualityFromOptions({ 'dark-level': '256' }), /--dark-level must be a number from 0 to 255/);
  assert.throws(() => qualityFromOptions({ 'blur-variance': 'abc' }), /--blur-variance .*got "abc"/);
  assert.throws(() => qualityFromOptions({ 'odd-size-ratio': '' }), /--odd-size-ratio/);
});

test('the thresholds reach the verdicts', () => {
  const row = (path: string, p99: number): BatchRow =>
    ({
      path,
      hash: path.padEnd(64, '0'),
      modelId: 'm',
      modelVersion: '1',
      quality: {
        width: 100,
        height: 100,
        mean: p99 / 2,
        p1: 0,
        p99,
        entropy: 6,
        sharpness: 50,
        phash: '0123456789abcdef',
      },
    }) as unknown as BatchRow;
  const rows = [row('a.png', 50), row('b.png', 70), row('c.png', 200)];
  assert.match(qualityLines(rows)[0], /\b1 too dark\b/);
  assert.match(qualityLines(rows, 20, qualityFromOptions({ 'dark-level': '100' }))[0], /\b2 too dark\b/);
});
