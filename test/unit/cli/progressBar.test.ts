// The CLI's progress display: a redrawn bar on a terminal, a plain line every few seconds elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchProgress } from '../../../src/core/batch/progress';
import { formatDuration, formatProgress, ProgressBar } from '../../../src/cli/progressBar';

const p = (done: number, over: Partial<BatchProgress> = {}): BatchProgress => ({
  phase: 'scoring',
  total: 200,
  done,
  saved: done,
  scored: done,
  failed: 0,
  skipped: 0,
  restarts: 0,
  ...over,
});

test('the bar shows count, rate, ETA, failures and restarts', () => {
  const s = formatProgress(p(50, { rate: 12.34, etaS: 150, failed: 2, restarts: 1 }), 100);
  assert.match(s, /^\[#+\.+\] {2}25% {2}50\/200 {2}12\.3 img\/s {2}ETA 3 min {2}2 failed {2}1 engine restart$/);
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(7200), '2.0 h');
});

test('a terminal gets one redrawn line; a log gets a line every interval and at the end', () => {
  const tty: string[] = [];
  const bar = new ProgressBar({ write: (s) => tty.push(s), isTTY: true, columns: 80 });
  bar.update(p(1));
  bar.update(p(2));
  bar.finish();
  assert.ok(tty[0].startsWith('\r[') && tty[0].endsWith('\x1b[K'));
  assert.equal(tty.at(-1), '\n');

  const lines: string[] = [];
  let now = 0;
  const plain = new ProgressBar({ write: (s) => lines.push(s), isTTY: false }, 10_000, () => now);
  for (let i = 1; i <= 100; i++) {
    now += 500;
    plain.update(p(i));
  }
  plain.update(p(200, { phase: 'done' }));
  assert.equal(lines.length, 6); // t = 0.5 s, 10.5, 20.5, 30.5, 40.5, then the end
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.includes('\r')));
  plain.update(p(0, { total: 0 }));
  assert.equal(lines.length, 6, 'nothing to do: no bar');
});
