// Whether one integration session passed, and whether the run as a whole did (test/integration/run.mjs).
// Kept apart so a unit test can pin the rules (test/unit/integration-verdict.test.ts).

/**
 * A session passes when it finished in time, mocha exited 0 with results and no failure, and it ran at
 * least one test. With a --grep, a session whose suites nothing matched may run none (the other session
 * may hold the match); without one, a session that ran nothing failed to find its suites.
 * @param {{ timedOut: boolean, exitCode: number | undefined, result: { passed: number, failed: number } | undefined, grep: string | undefined }} s
 */
export function sessionPassed({ timedOut, exitCode, result, grep }) {
  if (timedOut || exitCode !== 0 || !result || result.failed !== 0) return false;
  return result.passed > 0 || Boolean(grep);
}

/**
 * The run passes when every session passed and, over all sessions, at least one test ran.
 * @param {{ ok: boolean, result: { passed: number } | undefined }[]} sessions
 */
export function runPassed(sessions) {
  return sessions.every((s) => s.ok) && sessions.reduce((n, s) => n + (s.result?.passed ?? 0), 0) > 0;
}
