// `npm run demo`: VS Code in the browser (code-server) on a generated demo workspace, with this extension
// loaded from the repository, until Ctrl-C. Prints the URL to open.
//
//   node scripts/demo.mjs [--port 8080] [--host 127.0.0.1] [--vsix file.vsix] [--fresh] [--check]
//
//   --vsix   install a packaged VSIX into the demo's code-server instead of loading the repository
//   --fresh  forget the demo's VS Code state (settings, open editors) from earlier runs
//   --check  open the workbench in headless Chromium, open a DICOM, save test-output/screenshots/demo.png, exit
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { ROOT, CODE_SERVER_BIN, TEST_OUTPUT, requireTools, killOrphanCodeServer } from './lib/paths.mjs';
import { startCodeServer, workbenchUrl, freePort } from './lib/code-server.mjs';
import { exitAfterCleanup, isExiting } from './lib/cleanup.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    vsix: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});
const DEMO = join(ROOT, '.cache/demo');
const WORKSPACE = join(DEMO, 'workspace');
const say = (msg) => console.log(`[demo] ${msg}`);

main().catch(async (err) => {
  console.error(`[demo] ERROR: ${err?.stack ?? err}`);
  await exitAfterCleanup(1);
});

async function main() {
  requireTools({ chromium: opts.check });
  if (!opts.vsix && !existsSync(join(ROOT, 'dist/extension.js')))
    throw new Error('dist/extension.js is missing: run `node scripts/build.mjs` first');
  // A demo killed without cleanup leaves its code-server running on the same profile: stop it first.
  const oldPid = join(DEMO, 'code-server', 'code-server.pid');
  if (existsSync(oldPid)) killOrphanCodeServer(Number(readFileSync(oldPid, 'utf8')));
  if (opts.fresh) rmSync(DEMO, { recursive: true, force: true });
  rmSync(WORKSPACE, { recursive: true, force: true });
  mkdirSync(WORKSPACE, { recursive: true });

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // The custom editor that offers itself for PNG ("option" priority) becomes the default in the demo.
  const editors = pkg.contributes?.customEditors ?? [];
  const viewType = editors.find((e) => e.selector?.some((s) => /\*\.png$/i.test(s.filenamePattern ?? '')))?.viewType;
  const dataDir = [process.env.XRAY_DATA_DIR, '/work/shared/data', resolve(ROOT, '../shared/data')].find(
    (d) => d && existsSync(d),
  );
  const started = Date.now();
  const { tsImport } = await import('tsx/esm/api');
  const { createDemoWorkspace } = await tsImport(
    pathToFileURL(join(ROOT, 'scripts/lib/demo-workspace.ts')).href,
    import.meta.url,
  );
  const summary = await createDemoWorkspace(WORKSPACE, { dataDir, viewType, perClass: 10 });
  say(
    `workspace ${WORKSPACE}: ${summary.generated.length} generated files, ${summary.real} real chest X-rays${dataDir ? ` from ${dataDir}` : ' (no shared data folder found)'} (${Date.now() - started} ms)`,
  );

  const dataDirCs = join(DEMO, 'code-server');
  if (opts.vsix) {
    const vsix = resolve(opts.vsix);
    say(`installing ${vsix}`);
    execFileSync(
      CODE_SERVER_BIN,
      [
        '--extensions-dir',
        join(dataDirCs, 'extensions'),
        '--user-data-dir',
        join(dataDirCs, 'user-data'),
        '--install-extension',
        vsix,
        '--force',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: join(dataDirCs, 'home') },
      },
    );
  }

  let port = Number(opts.port);
  if (!(await portFree(port, opts.host))) {
    const next = await freePort();
    say(`port ${port} is busy; using ${next}`);
    port = next;
  }
  if (opts.host !== '127.0.0.1' && opts.host !== 'localhost')
    say(`WARNING: listening on ${opts.host} with no authentication`);
  const server = await startCodeServer({
    dataDir: dataDirCs,
    port,
    host: opts.host,
  });
  const url = workbenchUrl({
    origin: server.origin,
    folder: WORKSPACE,
    extensionDevelopmentPath: opts.vsix ? undefined : ROOT,
  });

  if (opts.check) {
    await check(url);
    await exitAfterCleanup(0);
    return;
  }
  console.log('');
  console.log(`  Open in a browser:  ${url}`);
  console.log(
    `  (${opts.vsix ? `installed ${opts.vsix}` : 'extension loaded from this repository'}; code-server log: ${server.logFile})`,
  );
  console.log('  Press Ctrl-C to stop.');
  console.log('');
  const code = await server.exited;
  if (isExiting()) return; // Ctrl-C: the cleanup stopped it
  say(`code-server exited on its own (${code}); log: ${server.logFile}`);
  await exitAfterCleanup(code === 0 ? 0 : 1);
}

/** Opens the demo like a user would and keeps a screenshot: proves the demo works end to end. */
async function check(url) {
  const { launchBrowser } = await import('./lib/browser.mjs');
  // A new browser profile each time, as a new user has: the workbench remembers which editor last showed a
  // file, so one run that opened the X-ray as text (see waitForContributions) made every later check fail.
  const profileDir = join(DEMO, 'chromium-check');
  rmSync(profileDir, { recursive: true, force: true });
  const { page } = await launchBrowser({ profileDir });
  const shots = join(TEST_OUTPUT, 'screenshots');
  mkdirSync(shots, { recursive: true });
  try {
    await openViewer(page, url);
  } catch (err) {
    await page.screenshot({ path: join(shots, 'demo-failed.png') }).catch(() => {});
    throw new Error(`demo check failed (screenshot ${join(shots, 'demo-failed.png')}): ${err.message}`, { cause: err });
  }
  // The viewer decodes and scores asynchronously; give it time to draw before the picture.
  await page.waitForTimeout(Number(process.env.XRAY_DEMO_CHECK_WAIT_MS ?? 8000));
  const shot = join(shots, 'demo.png');
  await page.screenshot({ path: shot });
  say(`check passed: workbench and viewer opened; screenshot ${shot}`);
}

async function openViewer(page, url) {
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .explorer-folders-view', { timeout: 60000 });
  await waitForContributions(page);
  // Quick Open a real chest X-ray when the demo has some (the default model is a chest model; the demo's
  // settings open JPEGs in the X-ray viewer), else the MONOCHROME2 DICOM (the custom editor is its default).
  const target = demoTarget();
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget .quick-input-box input', { timeout: 15000 });
  await page.keyboard.type(target);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: target }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('iframe.webview', { timeout: 30000 });
}

/**
 * The explorer shows before the extension host has registered the extension's contributions; a file opened
 * in that window goes to the text editor (seen once: "The file is not displayed in the text editor because it
 * is either binary..."). Our commands in the palette mean the custom editors are registered too.
 */
async function waitForContributions(page) {
  const until = Date.now() + 60000;
  for (;;) {
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 15000 });
    await input.fill('>X-ray Anomaly: Select Anomaly Model');
    const found = await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Select Anomaly Model' })
      .first()
      .waitFor({ timeout: 2000 })
      .then(() => true)
      .catch(() => false);
    await page.keyboard.press('Escape');
    if (found) return;
    if (Date.now() > until) throw new Error("the extension's commands never appeared in the command palette");
  }
}

function demoTarget() {
  const dir = join(DEMO, 'workspace', 'chest-xray', 'PNEUMONIA');
  const first = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()[0]
    : undefined;
  return first ?? 'hand-mono2.dcm';
}

async function portFree(port, host) {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}
