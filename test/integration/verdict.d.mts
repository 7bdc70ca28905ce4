// Types of verdict.mjs for the TypeScript tests that import it.
export function sessionPassed(s: {
  timedOut: boolean;
  exitCode: number | undefined;
  result: { passed: number; failed: number } | undefined;
  grep: string | undefined;
}): boolean;
export function runPassed(sessions: { ok: boolean; result: { passed: number } | undefined }[]): boolean;
