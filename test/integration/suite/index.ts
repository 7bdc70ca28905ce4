// Entry of the in-VS-Code test bundle (dist/test/integration.js, built by scripts/build.mjs). VS Code loads it
// as `extensionTestsPath` and calls `run()`. Suites are imported statically because esbuild bundles one file:
// add each new `*.test.ts` here, after './mocha' (which must stay first: it defines describe/it/suite/test).
import { mocha } from './mocha';
import { harnessConfig } from './harness';
import './smoke.test';
import './viewer.test';
import './bench.test';
import './fit.test';
import './trust.test';
import './results.test';
import './resultsCli.test';
import './explain.test';
import './labels.test';
import './boxMarks.test';
import './labelsBench.test';
import './panelBench.test';
import './compare.test';
import './quality.test';
import './drift.test';
import './sideBySide.test';
import './embeddingMap.test';
import './pageStart.test';

export function run(): Promise<void> {
  const grep = harnessConfig().grep ?? process.env.XRAY_TEST_GREP;
  if (grep) mocha.grep(grep);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}
