// `npm run test:electron`: the integration suite (dist/test/integration.js) in desktop VS Code, downloaded by
// @vscode/test-electron. For machines with internet (or with VS Code installed: VSCODE_EXECUTABLE=/path/to/code);
// the offline machines run the same suite in code-server instead (`npm run test:integration`).
//
//   node test/electron/run.mjs [--grep <pattern>] [--version 1.99.3|stable]
//
// On Linux without a display, run it under xvfb-run. Screenshots need the code-server runner: here
// `screenshot()` resolves to undefined (see test/integration/README.md).
import { runTests } from '@vscode/test-electron';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT } from '../../scripts/lib/paths.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string', short: 'g' },
    // The oldest VS Code that package.json's engines.vscode accepts, and the one code-server 4.99.4 embeds.
    version: { type: 'string', default: process.env.VSCODE_VERSION ?? '1.99.3' },
  },
});

const testsEntry = join(ROOT, 'dist/test/integration.js');
if (!existsSync(testsEntry)) {
  console.error('[electron] dist/test/integration.js is missing: run `node scripts/build.mjs` first');
  process.exit(1);
}
const executable = process.env.VSCODE_EXECUTABLE;
if (!executable && !(await reachable('https://update.code.visualstudio.com/api/releases/stable'))) {
  console.error(
    '[electron] cannot reach update.code.visualstudio.com to download VS Code. Set VSCODE_EXECUTABLE to an installed',
  );
  console.error('[electron] VS Code, or run the same suite offline in code-server: npm run test:integration');
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'xray-electron-'));
const workspace = join(tmp, 'workspace');
mkdirSync(workspace);
let code;
try {
  const file = join(ROOT, 'test/integration/workspace.ts');
  if (existsSync(file)) {
    const { tsImport } = await import('tsx/esm/api');
    const mod = await tsImport(pathToFileURL(file).href, import.meta.url);
    await (mod.createWorkspace ?? mod.default?.createWorkspace ?? mod.default)(workspace);
  }
  code = await runTests({
    version: opts.version,
    cachePath: join(ROOT, '.tools/vscode-test'),
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: testsEntry,
    extensionTestsEnv: opts.grep ? { XRAY_TEST_GREP: opts.grep } : {},
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      join(tmp, 'user-data'),
      '--extensions-dir',
      join(tmp, 'extensions'),
    ],
  });
} catch (err) {
  console.error(`[electron] ${err?.message ?? err}`);
  code = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);

async function reachable(url) {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}
