// Entry of the in-VS-Code test bundle (dist/test/integration.js, built by scripts/build.mjs). VS Code loads it
// as `extensionTestsPath` and calls `run()`. Suites are imported statically because esbuild bundles one file:
// add each new `*.test.ts` here, after './mocha' (which must stay first: it defines describe/it/suite/test),
// and before './curationReload.test', which stays last: its first half ends in a window reload (see reload.ts).
import { mocha } from './mocha';
import * as vscode from 'vscode';
import { harnessConfig } from './harness';
import { reloadRequested, resumed } from './reload';
import './smoke.test';
import './viewer.test';
import './bench.test';
import './fit.test';
import './trust.test';
import './results.test';
import './resultsCli.test';
import './resultsHead.test';
import './explain.test';
import './labels.test';
import './labelsShown.test';
import './boxMarks.test';
import './labelsBench.test';
import './panelBench.test';
import './compare.test';
import './quality.test';
import './drift.test';
import './sideBySide.test';
import './embeddingMap.test';
import './pageStart.test';
import './twoWindows.test';
import './curationReload.test';

export function run(): Promise<void> {
  // After the suite's own window reload, only the suites that check the reloaded window run.
  const grep = resumed ? resumed.grep : (harnessConfig().grep ?? process.env.XRAY_TEST_GREP);
  if (grep) mocha.grep(grep);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (!resumed && reloadRequested() !== undefined) {
          // Never settles: this host ends with the window, and the reloaded window's host finishes the run.
          vscode.commands.executeCommand('workbench.action.reloadWindow').then(undefined, reject);
          return;
        }
        const all = failures + (resumed?.failed ?? 0);
        if (all > 0) reject(new Error(`${all} test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}
