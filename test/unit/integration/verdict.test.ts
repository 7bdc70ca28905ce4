// The integration runner's verdict (test/integration/verdict.mjs): a run or a session that ran no test
// does not pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPassed, sessionPassed } from '../../integration/verdict.mjs';

const ran = (passed: number, failed = 0) => ({ timedOut: false, exitCode: 0, result: { passed, failed } });

test('a session passes only when it ran tests and none failed; with --grep it may have matched none', () => {
  assert.equal(sessionPassed({ ...ran(12), grep: undefined }), true);
  assert.equal(sessionPassed({ ...ran(0), grep: undefined }), false, 'ran 0 tests without a filter');
  assert.equal(sessionPassed({ ...ran(0), grep: 'zoom' }), true, 'nothing matched here, maybe in the other session');
  assert.equal(sessionPassed({ ...ran(12, 1), grep: undefined }), false);
  assert.equal(sessionPassed({ ...ran(12), exitCode: 1, grep: undefined }), false);
  assert.equal(sessionPassed({ ...ran(12), timedOut: true, grep: undefined }), false);
  assert.equal(sessionPassed({ timedOut: false, exitCode: 0, result: undefined, grep: undefined }), false);
});

test('a run passes only when every session passed and at least one test ran in all', () => {
  assert.equal(
    runPassed([
      { ok: true, result: { passed: 3 } },
      { ok: true, result: { passed: 0 } },
    ]),
    true,
  );
  assert.equal(
    runPassed([
      { ok: true, result: { passed: 0 } },
      { ok: true, result: { passed: 0 } },
    ]),
    false,
  );
  assert.equal(
    runPassed([
      { ok: true, result: { passed: 3 } },
      { ok: false, result: undefined },
    ]),
    false,
  );
  assert.equal(runPassed([]), false);
});
