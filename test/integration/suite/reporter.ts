// A spec-style mocha reporter that writes each line both to the extension host's console and, synchronously,
// to $XRAY_HARNESS_DIR/mocha.log, which the runner streams to its stdout. (The console alone reaches the
// runner only mixed into the workbench's own log.) It ends with the plain line `N passed, N failed` that CI
// reads, and leaves the counts in $XRAY_HARNESS_DIR/result.json. Across a window reload or an editor kill (reload.ts)
// the first host's counts go to reload.json and the next host's reporter starts from them.
import Mocha from 'mocha';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessDir } from './harness';
import { killPending, reloadRequested, resumed, writeReload } from './reload';

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_FAIL, EVENT_TEST_PASS, EVENT_TEST_PENDING } =
  Mocha.Runner.constants;

export class HarnessReporter {
  constructor(runner: Mocha.Runner) {
    const dir = harnessDir();
    const logFile = dir ? join(dir, 'mocha.log') : undefined;
    const out = (line: string) => {
      console.log(line);
      if (logFile) appendFileSync(logFile, line + '\n');
    };
    let depth = 0;
    const pad = () => '  '.repeat(depth);
    const failures: { title: string; err: Error }[] = [];
    let passed = resumed?.passed ?? 0;
    let pending = resumed?.pending ?? 0;
    // Failures before a reload were told in full then; they count here.
    const failedBefore = resumed?.failed ?? 0;

    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.root) return;
      out(`${pad()}${suite.title}`);
      depth++;
    });
    runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
      if (!suite.root) depth--;
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      passed++;
      const slow = test.duration !== undefined && test.duration > test.slow() / 2 ? ` (${test.duration} ms)` : '';
      out(`${pad()}✓ ${test.title}${slow}`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      pending++;
      out(`${pad()}- ${test.title} (pending)`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      failures.push({ title: test.fullTitle(), err });
      out(`${pad()}✗ ${failures.length}) ${test.title}`);
    });
    runner.once(EVENT_RUN_END, () => {
      failures.forEach(({ title, err }, i) => {
        out('');
        out(`  ${i + 1}) ${title}`);
        const stack = err?.stack ?? String(err);
        for (const l of stack.split('\n')) out(`     ${l}`);
      });
      out('');
      const failed = failedBefore + failures.length;
      const reload = reloadRequested() !== undefined;
      if (reload || killPending()) {
        writeReload({ passed, failed, pending });
        const what = reload ? 'the window reload' : 'the editor is killed mid-run';
        out(`${passed} passed and ${failed} failed before ${what}; the rest runs after it`);
        return;
      }
      if (dir) writeFileSync(join(dir, 'result.json'), JSON.stringify({ passed, failed, pending }));
      out(`${passed} passed, ${failed} failed${pending ? `, ${pending} pending` : ''}`);
    });
  }
}
