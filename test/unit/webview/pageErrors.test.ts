// A webview page's uncaught errors reach the host's log once each, with where they came from, and stop
// when asked; a flood is capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportPageErrors } from '../../../src/webview/shared/pageErrors';

function errorEvent(message: string, error?: unknown, filename = '', lineno = 0, colno = 0): Event {
  return Object.assign(new Event('error'), { message, error, filename, lineno, colno });
}

function rejection(reason: unknown): Event {
  return Object.assign(new Event('unhandledrejection'), { reason });
}

test('an uncaught error and an unhandled rejection are reported with their place, each distinct one once', () => {
  const page = new EventTarget();
  const got: string[] = [];
  const stop = reportPageErrors(page, (m) => got.push(m));
  const err = new TypeError('x is undefined');
  err.stack = 'TypeError: x is undefined\n    at start (results.js:1:2)';
  page.dispatchEvent(
    errorEvent('Uncaught TypeError: x is undefined', err, 'vscode-webview://abc/dist/webview/results.js', 1, 2),
  );
  page.dispatchEvent(
    errorEvent('Uncaught TypeError: x is undefined', err, 'vscode-webview://abc/dist/webview/results.js', 1, 2),
  );
  page.dispatchEvent(errorEvent('Script error.'));
  page.dispatchEvent(errorEvent('Uncaught boom', 'boom', 'vscode-webview://abc/dist/webview/viewer.js', 7, 9));
  page.dispatchEvent(rejection(new RangeError('bad width')));
  page.dispatchEvent(rejection('plain reason'));
  assert.equal(got.length, 5, got.join('\n'));
  assert.equal(got[0], err.stack);
  assert.equal(got[1], 'Script error.');
  assert.equal(got[2], 'Uncaught boom (viewer.js:7:9)');
  assert.match(got[3], /^Unhandled rejection: RangeError: bad width/);
  assert.equal(got[4], 'Unhandled rejection: plain reason');
  stop();
  page.dispatchEvent(errorEvent('after stop'));
  assert.equal(got.length, 5, 'nothing after stop');
});

test('a flood of distinct errors is capped at 20 reports', () => {
  const page = new EventTarget();
  const got: string[] = [];
  reportPageErrors(page, (m) => got.push(m));
  for (let i = 0; i < 100; i++) page.dispatchEvent(errorEvent(`frame ${i} failed`));
  assert.equal(got.length, 20);
  assert.equal(got[19], 'frame 19 failed');
});
