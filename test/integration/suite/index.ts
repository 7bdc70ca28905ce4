// Entry of the in-VS-Code test bundle (dist/test/integration.js, built by scripts/build.mjs). VS Code loads it
// as `extensionTestsPath` and calls `run()`. Suites are imported statically because esbuild bundles one file:
// add each new `*.test.ts` here, after './mocha' (which must stay first: it defines describe/it/suite/test),
// and before './editorKill.test' and './curationReload.test', which stay last: their first halves end in a kill of the
// editor and a window reload (see reload.ts).
import { mocha } from './mocha';
import * as vscode from 'vscode';
import { harnessConfig, harnessRequest } from './harness';
import { killPending, reloadRequested, resumed, type EditorKill } from './reload';
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
import './storeFaults.test';
import './editorKill.test';
import './curationReload.test';

export function run(): Promise<void> {
  // After the suite's own window reload, only the suites that check the reloaded window run.
  const grep = resumed ? resumed.grep : (harnessConfig().grep ?? process.env.XRAY_TEST_GREP);
  if (grep) mocha.grep(grep);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (reloadRequested() !== undefined) {
          // Never settles: this host ends with the window, and the reloaded window's host finishes the run.
          vscode.commands.executeCommand('workbench.action.reloadWindow').then(undefined, reject);
          return;
        }
        const kill = killPending();
        if (kill) {
          // Never settles either: the runner kills this host with the editor, and the restarted one finishes.
          killEditorMidRun(kill).then(undefined, reject);
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

/** Has the runner watch the store and kill code-server once it holds `atLeast` rows, then starts the run. */
async function killEditorMidRun(kill: EditorKill): Promise<void> {
  await harnessRequest('killEditor', { store: kill.store, atLeast: kill.atLeast });
  await vscode.commands.executeCommand('xrayAnomaly.scoreFolder', vscode.Uri.file(kill.root), undefined, kill.models);
  await vscode.commands.executeCommand('xrayAnomaly.debug.resultsRun', kill.root);
  // The run ended before the runner killed the editor: it kills it anyway, and the next host's test says so.
}
