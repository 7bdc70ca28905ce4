// Runs the in-VS-Code test suite (dist/test/integration.js) inside a real VS Code: code-server 4.99.4 in
// Debian's Chromium driven by playwright-core. See test/integration/README.md.
//
//   node test/integration/run.mjs [--grep <pattern>] [--timeout <seconds>] [--headed] [--keep] [--verbose]
//                                 [--extension <dir>]   (default: this repository)
//                                 [--sessions both|trusted|restricted]   (default: both)
//                                 [--seed=<n>]   (default: XRAY_IT_SEED, else drawn and printed)
//
// Two sessions, one after the other, each its own code-server and browser on the same generated workspace:
// "trusted" (workspace trust off, as before) runs every suite except those tagged @restricted; "restricted"
// opens the workspace untrusted (Restricted Mode) and runs only the @restricted suites.
// Streams mocha's output, serves the suite's screenshot requests, and exits with the suites' result.
// Whatever happens (failure, hard timeout, Ctrl-C), code-server and Chromium are stopped.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
  renameSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { ROOT, TEST_OUTPUT, makeRunDir, requireTools } from '../../scripts/lib/paths.mjs';
import { startCodeServer, workbenchUrl, tail } from '../../scripts/lib/code-server.mjs';
import { launchBrowser } from '../../scripts/lib/browser.mjs';
import { exitAfterCleanup, onCleanup } from '../../scripts/lib/cleanup.mjs';
import { runPassed, sessionPassed } from './verdict.mjs';
import { runSeed } from '../../scripts/lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string', short: 'g' },
    timeout: { type: 'string', default: process.env.XRAY_IT_TIMEOUT ?? '1200' },
    headed: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    extension: { type: 'string', default: ROOT },
    sessions: { type: 'string', default: 'both' },
    seed: { type: 'string', default: process.env.XRAY_IT_SEED },
  },
  allowPositionals: false,
});
const timeoutS = Number(opts.timeout);
// The suites' random choices (e.g. where the editor is killed) come from this seed, printed so a run replays.
const SEED = runSeed(opts.seed);
const TESTS_ENTRY = join(ROOT, 'dist/test/integration.js');
/** What a second window's extension host runs: it does what the suite asks it to (suite/secondWindow.ts). */
const SECOND_WINDOW_ENTRY = join(ROOT, 'dist/test/secondWindow.js');
const OUT = join(TEST_OUTPUT, 'integration');
const SCREENSHOTS = join(TEST_OUTPUT, 'screenshots');
/** A suite whose title carries this tag needs an untrusted workspace: it runs in the restricted session only. */
const RESTRICTED_TAG = '@restricted';
/**
 * The sessions a run can hold. `suffix` names each one's logs in test-output/integration/ and temp folders
 * (the trusted session keeps the names runs had before there were two). The restricted session's user
 * settings turn workspace trust on without the start-up prompt, so the workspace opens straight into
 * Restricted Mode; `trust` makes the workbench honour them (turnOnWorkspaceTrust).
 */
const SESSIONS = {
  trusted: { label: 'trusted', suffix: '', trust: false },
  restricted: {
    label: 'restricted (untrusted workspace)',
    suffix: '-restricted',
    trust: true,
    settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
  },
};
const SESSION_CHOICES = { both: ['trusted', 'restricted'], trusted: ['trusted'], restricted: ['restricted'] };
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (msg) => console.log(`[it ${secs()}s] ${msg}`);
// Paths inside the repository print relative to it; temporary ones in full.
const rel = (p) => (p.startsWith(ROOT + '/') ? relative(ROOT, p) : p);

main().catch(async (err) => {
  console.error(`[it] ERROR: ${err?.stack ?? err}`);
  await exitAfterCleanup(1);
});

async function main() {
  requireTools();
  const kinds = SESSION_CHOICES[opts.sessions];
  if (!kinds)
    throw new Error(`--sessions must be one of ${Object.keys(SESSION_CHOICES).join(', ')}, not '${opts.sessions}'`);
  if (!(timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, not '${opts.timeout}'`);
  if (!existsSync(TESTS_ENTRY)) throw new Error(`${rel(TESTS_ENTRY)} is missing: run \`node scripts/build.mjs\` first`);
  const extensionDir = resolve(opts.extension);
  if (extensionDir === ROOT && !existsSync(join(ROOT, 'dist/extension.js')))
    throw new Error('dist/extension.js is missing: run `node scripts/build.mjs` first');

  say(
    `seed ${SEED} (replay: node test/integration/run.mjs --seed=${SEED}${opts.grep ? ` --grep '${opts.grep}'` : ''})`,
  );
  const tmp = makeRunDir('xray-it-');
  if (!opts.keep) onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  const workspace = join(tmp, 'workspace');
  for (const d of [workspace, OUT, SCREENSHOTS]) mkdirSync(d, { recursive: true });
  // One workspace for both sessions: trust belongs to a code-server's user data, not to the folder.
  await prepareWorkspace(workspace);

  const results = [];
  for (const kind of kinds) {
    results.push(await runSession(SESSIONS[kind], { kind, tmp, workspace, extensionDir }));
    if (results.at(-1).timedOut) break;
  }

  const passed = results.reduce((n, r) => n + (r.result?.passed ?? 0), 0);
  const failed = results.reduce((n, r) => n + (r.result ? r.result.failed : 1), 0);
  const ok = runPassed(results);
  if (results.length > 1) {
    console.log('');
    for (const r of results)
      say(
        `${r.label}: ${r.result ? `${r.result.passed} passed, ${r.result.failed} failed` : 'no result'} in ${r.seconds.toFixed(1)} s`,
      );
    // CI reads the last line of this form: the total over both sessions.
    console.log(`${passed} passed, ${failed} failed`);
  }
  if (passed === 0 && failed === 0)
    console.log(`[it] no test ran${opts.grep ? ` (nothing matched --grep ${opts.grep})` : ''}`);
  say(`${ok ? 'PASSED' : 'FAILED'} with seed ${SEED}; outputs in ${rel(TEST_OUTPUT)}/`);
  if (opts.keep) say(`kept temporary folders in ${tmp}`);
  await exitAfterCleanup(ok ? 0 : 1);
}

/**
 * mocha's grep for one session: that session's suites, narrowed by --grep. mocha reads a string as a
 * regular expression (`/source/flags` included), so the user's pattern is kept whole inside a lookahead.
 */
function sessionGrep(kind, userGrep) {
  const own = kind === 'restricted' ? `(?=.*${RESTRICTED_TAG})` : `(?!.*${RESTRICTED_TAG})`;
  if (!userGrep) return `^${own}`;
  const m = /^\/(.*)\/([gimy]{0,4})$/.exec(userGrep);
  const [source, flags] = m ? [m[1], m[2]] : [userGrep, ''];
  const re = `^${own}(?=.*(?:${source}))`;
  return flags ? `/${re}/${flags}` : re;
}

/**
 * One code-server + Chromium running the suite on `workspace`, then stopped. Returns mocha's counts and
 * whether this session passed: with --grep, a session that ran nothing because nothing matched passes
 * (the run as a whole still needs one passed test); without it, a session that ran nothing fails.
 */
async function runSession(session, { kind, tmp, workspace, extensionDir }) {
  // Each session has its own budget: the suite grows, and on a loaded machine the trusted session alone took
  // 583 of a shared 600 s (60 tests at load 22), leaving the restricted one 16 s. It is there to stop a hang.
  const deadline = Date.now() + timeoutS * 1000;
  const started = Date.now();
  const log = (msg) => say(`[${kind}] ${msg}`);
  const channel = join(tmp, `harness${session.suffix}`);
  for (const d of [join(channel, 'requests'), join(channel, 'responses')]) mkdirSync(d, { recursive: true });
  const workbenchLog = join(OUT, `workbench${session.suffix}.log`);
  const serverLog = join(OUT, `code-server${session.suffix}.log`);
  writeFileSync(workbenchLog, '');
  const grep = sessionGrep(kind, opts.grep);
  writeFileSync(join(channel, 'config.json'), JSON.stringify({ grep, screenshotsDir: SCREENSHOTS, session: kind }));

  const serverOptions = {
    dataDir: join(tmp, `code-server${session.suffix}`),
    // Test hooks let the suite crash the engine on purpose (see src/engine/testHooks.ts).
    env: {
      XRAY_HARNESS_DIR: channel,
      XRAY_ANOMALY_ENGINE_TEST_HOOKS: '1',
      XRAY_TEST_GREP: grep,
      XRAY_IT_SEED: String(SEED),
    },
    settings: session.settings,
    onLine: opts.verbose ? (l) => console.log(`[code-server${session.suffix}] ${l}`) : undefined,
  };
  let server = await startCodeServer(serverOptions);
  log(`code-server ${server.origin} ready (log: ${rel(serverLog)})`);
  // A code-server that exits ends the session, unless the suite had it killed (killEditor) to start it again.
  let resolveServerGone;
  const serverGone = new Promise((r) => (resolveServerGone = r));
  const watchServer = (s) => void s.exited.then(() => s.killedOnPurpose || resolveServerGone(s));
  watchServer(server);
  // Keep the server log with the other outputs; the temp folder goes away.
  const saveServerLog = () => {
    try {
      writeFileSync(serverLog, readFileSync(server.logFile));
    } catch {
      // never started writing
    }
  };
  const unregisterLog = onCleanup(saveServerLog);

  const browser = await launchBrowser({ profileDir: join(tmp, `chromium${session.suffix}`), headless: !opts.headed });
  const { page } = browser;
  const trustTurnedOn = session.trust ? await turnOnWorkspaceTrust(page) : undefined;
  let exitCode;
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  // Set while the suite has the editor killed and started again: the workbench then reports its extension host's
  // end as the tests' exit, which is no exit of the run.
  let restarting = false;
  await page.exposeFunction('codeAutomationExit', (code) => {
    if (restarting) return;
    exitCode = code;
    resolveExit();
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = `[${type}] ${(Array.isArray(args) ? args : [args]).map(fmt).join(' ')}`;
    appendFileSync(workbenchLog, line + '\n');
    if (opts.verbose) console.log(`[workbench${session.suffix}] ${line}`);
  });
  page.on('pageerror', (e) => appendFileSync(workbenchLog, `[pageerror] ${e.stack ?? e}\n`));
  // The webviews' own consoles (their frames, not the workbench's): a page that never starts may say why here.
  // Errors and warnings from any webview frame; everything VS Code's webview host frame (pre/index.html) and its
  // service worker say, since that is where a page's start waits (service worker hand-over, resource loads).
  const webviewConsole = (source) => (m) => {
    const url = m.location()?.url ?? '';
    const host = /webview\/browser\/pre\/(index\.html|service-worker\.js)/.test(url);
    if (!/webview/i.test(url) || (!host && m.type() !== 'error' && m.type() !== 'warning')) return;
    const id = /[?&]id=([^&]+)/.exec(url)?.[1] ?? '';
    appendFileSync(
      workbenchLog,
      `[webview${source} ${m.type()}] ${new Date().toISOString().slice(11, 23)} ${id.slice(0, 8)} ${m.text().slice(0, 1000)} (${url.split('?')[0].split('/').pop()})\n`,
    );
  };
  page.on('console', webviewConsole(''));
  const watchWorker = (w) => w.on('console', webviewConsole(' worker'));
  browser.context.serviceWorkers().forEach(watchWorker);
  browser.context.on('serviceworker', watchWorker);
  page.on('crash', () => {
    log('the browser tab crashed');
    resolveExit();
  });

  const urlOf = (origin) =>
    workbenchUrl({
      origin,
      folder: workspace,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: TESTS_ENTRY,
    });
  const url = urlOf(server.origin);
  log(
    `opening the workbench on ${rel(workspace)}${kind === 'restricted' ? ' in Restricted Mode' : ''}${opts.grep ? ` (grep: ${opts.grep})` : ''}`,
  );
  // The workbench loads as fast as the machine allows: on a loaded one it took over Playwright's default
  // 30 s (a proof run failed so). Wait for the load itself, bounded only by the run's own deadline.
  await page.goto(url, { timeout: Math.max(30_000, deadline - Date.now()) });
  if (trustTurnedOn && !(await trustTurnedOn()))
    throw new Error(
      'could not turn workspace trust on: the workbench never read its configuration element (see turnOnWorkspaceTrust in run.mjs)',
    );

  const mochaLog = new Tail(join(channel, 'mocha.log'), (line) => console.log(line));
  // Second windows on the same folder (suite/secondWindow.ts), opened when a test asks: each page is its own
  // workbench, so code-server gives it its own extension host process.
  const openWindow = async (name) => {
    const p = await browser.context.newPage();
    p.on('pageerror', (e) => appendFileSync(workbenchLog, `[pageerror ${name}] ${e.stack ?? e}\n`));
    p.on('console', (m) => appendFileSync(workbenchLog, `[${name} ${m.type()}] ${m.text().slice(0, 1000)}\n`));
    p.on('framenavigated', (f) => {
      if (f === p.mainFrame()) appendFileSync(workbenchLog, `[${name}] navigated to ${f.url().slice(0, 200)}\n`);
    });
    p.on('close', () => appendFileSync(workbenchLog, `[${name}] page closed\n`));
    await p.goto(
      workbenchUrl({
        origin: server.origin,
        folder: workspace,
        extensionDevelopmentPath: extensionDir,
        extensionTestsPath: SECOND_WINDOW_ENTRY,
      }),
      { timeout: Math.max(30_000, deadline - Date.now()) },
    );
    return p;
  };
  // kill -9 of the whole editor (code-server's process group: server, extension host, engine) once a store holds
  // enough rows, then the editor started again on the same port, user data and workspace (see suite/reload.ts).
  const killEditor = async ({ store, atLeast, timeoutMs = 180_000 }) => {
    const until = Date.now() + timeoutMs;
    let seen = storeLines(store);
    while (seen < atLeast && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
      seen = storeLines(store);
    }
    const victim = server;
    victim.killedOnPurpose = true;
    restarting = true;
    process.kill(-victim.pid, 'SIGKILL');
    await victim.exited;
    const after = storeLines(store);
    log(
      `killed the editor (kill -9 of code-server's process group) with ${seen} rows stored (${after} after the kill)`,
    );
    writeFileSync(join(channel, 'killed.json'), JSON.stringify({ atLeast, seen, after, timedOut: seen < atLeast }));
    // The extension host is gone with its session, so the page will not reconnect; a new one opens the workbench.
    await victim.stop();
    writeFileSync(join(OUT, `code-server${session.suffix}-killed.log`), readFileSync(victim.logFile));
    server = await startCodeServer({ ...serverOptions, port: victim.port });
    watchServer(server);
    log(`code-server ${server.origin} started again; opening the workbench`);
    await page.goto(urlOf(server.origin), { timeout: Math.max(30_000, deadline - Date.now()) });
    restarting = false;
  };
  const serving = serveRequests(channel, page, openWindow, killEditor);
  const workers = watchWebviewWorkers(page, workbenchLog);
  let finished = false;
  const timedOut = await Promise.race([
    exited.then(() => false),
    serverGone.then((s) => {
      if (!finished) log(`code-server exited unexpectedly:\n${tail(s.logFile)}`);
      return false;
    }),
    new Promise((r) => setTimeout(() => r(true), Math.max(0, deadline - Date.now())).unref()),
  ]);
  finished = true;
  serving.stop();
  workers.stop();
  mochaLog.stop();

  const result = readJson(join(channel, 'result.json'));
  if (timedOut) {
    const shot = join(SCREENSHOTS, `timeout${session.suffix}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(
      `[it] TIMEOUT: the ${kind} session did not finish within ${timeoutS} s (raise with --timeout or XRAY_IT_TIMEOUT).`,
    );
    console.log(`[it] screenshot of the workbench at the timeout: ${rel(shot)}`);
    console.log(`[it] last workbench log lines (${rel(workbenchLog)}):\n${tail(workbenchLog, 25)}`);
  } else if (!result) {
    // The bundle failed to load or run() threw before mocha started: the reason is in the workbench log.
    console.log(
      `[it] the suite ended (exit ${exitCode}) without mocha results; last workbench log lines (${rel(workbenchLog)}):`,
    );
    console.log(tail(workbenchLog, 40));
  }
  if (!result) console.log(`0 passed, 1 failed`);
  // The extension's own log says what the host saw (panels started, runs ended); CI shows only this output.
  const extLog = saveExtensionLog(server.userDataDir, join(OUT, `extension${session.suffix}.log`));
  if (!sessionPassed({ timedOut, exitCode, result, grep: opts.grep })) {
    console.log(`[it] last lines of the extension's log (${rel(extLog ?? 'none')}):\n${tail(extLog ?? '', 60)}`);
    const errors = readFileSync(workbenchLog, 'utf8')
      .split('\n')
      .filter((l) => /error|webview|fail/i.test(l))
      .slice(-25);
    console.log(`[it] workbench log lines naming an error or a webview (${rel(workbenchLog)}):`);
    console.log(errors.length ? errors.map((l) => `  ${l.slice(0, 400)}`).join('\n') : '  (none)');
  }
  // Pages the product had to load again because they never started (src/extension/pageStart.ts): a safety
  // net that should stay idle; said here so that a page that starts only on the second try is noticed.
  const reloads = extLog
    ? readFileSync(extLog, 'utf8')
        .split('\n')
        .filter((l) => /its page (has not started|did not start)/.test(l))
    : [];
  log(`webview pages loaded again because they had not started: ${reloads.length}`);
  for (const l of reloads) console.log(`  ${l.slice(0, 300)}`);
  if (result && result.passed === 0 && !opts.grep) log('ran 0 tests: the session found no suite to run');
  const ok = sessionPassed({ timedOut, exitCode, result, grep: opts.grep });
  const seconds = (Date.now() - started) / 1000;
  log(`${ok ? 'passed' : 'FAILED'} (exit code ${exitCode ?? 'none'}) in ${seconds.toFixed(1)} s`);
  // Free the two cores for the next session (cleanup would do it at exit anyway).
  await browser.close();
  await server.stop();
  saveServerLog();
  unregisterLog();
  return { label: session.label, ok, result, timedOut, seconds };
}

/**
 * Makes the workbench in `page` honour workspace trust. scripts/lib/code-server.mjs always starts code-server
 * with --disable-workspace-trust, and code-server has no flag to undo it; the server acts on that flag only by
 * writing `enableWorkspaceTrust: false` into the configuration the workbench page carries (the extension host
 * learns trust from the workbench). So the page reads that configuration with `enableWorkspaceTrust: true`,
 * which is what code-server serves without the flag. Returns a check, for after the page has loaded, that the
 * workbench read it.
 */
/* global Element -- the init script runs in the page */
async function turnOnWorkspaceTrust(page) {
  await page.addInitScript(() => {
    const getAttribute = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (name) {
      const value = getAttribute.call(this, name);
      if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
      globalThis.__xrayWorkspaceTrust = true;
      return JSON.stringify({ ...JSON.parse(value), enableWorkspaceTrust: true });
    };
  });
  return () => page.evaluate(() => globalThis.__xrayWorkspaceTrust === true).catch(() => false);
}

/**
 * Copies the extension's log channel (code-server writes it under the user data folder's logs/<time>/exthost*)
 * into `target`; returns it, or undefined when the extension never logged.
 */
function saveExtensionLog(userDataDir, target) {
  const found = [];
  const walk = (dir, depth) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && e.name === 'X-ray Anomaly Review.log') found.push(p);
    }
  };
  walk(join(userDataDir, 'logs'), 0);
  if (!found.length) return undefined;
  writeFileSync(target, found.map((f) => readFileSync(f)).join('\n'));
  return target;
}

/** Calls the lead's fixture generator, `createWorkspace(dir)` from test/integration/workspace.ts, if present. */
async function prepareWorkspace(dir) {
  const file = join(ROOT, 'test/integration/workspace.ts');
  if (!existsSync(file)) {
    say('no test/integration/workspace.ts: empty workspace');
    return;
  }
  const { tsImport } = await import('tsx/esm/api');
  const mod = await tsImport(pathToFileURL(file).href, import.meta.url);
  const fn = mod.createWorkspace ?? mod.default?.createWorkspace ?? mod.default;
  if (typeof fn !== 'function')
    throw new Error('test/integration/workspace.ts must export `async function createWorkspace(dir: string)`');
  const started = Date.now();
  await fn(dir);
  say(`workspace fixtures generated in ${Date.now() - started} ms`);
}

/**
 * Answers the suite's requests (see suite/harness.ts): `screenshot`, `click`, `webviewKeys`, `webviewDrag`,
 * `webviewFrames`, `waitFor`, `type`, `killEditor`, `trace`; `openWindow` and `closeWindow` for a second window on the same folder
 * (`openWindow(name)` opens its page). A request with `window` acts in that second window instead of the suite's.
 */
function serveRequests(channel, suitePage, openWindow, killEditor) {
  const requests = join(channel, 'requests');
  const responses = join(channel, 'responses');
  const done = new Set();
  const windows = new Map();
  let busy = false;
  let tracing;
  const handle = async (req) => {
    if (req.kind === 'openWindow') {
      if (windows.has(req.name)) throw new Error(`a window named ${req.name} is open already`);
      windows.set(req.name, await openWindow(req.name));
      console.log(`[it] opened a second window '${req.name}' on the same folder`);
      return { opened: true };
    }
    if (req.kind === 'closeWindow') {
      await windows.get(req.name)?.close();
      windows.delete(req.name);
      return { closed: true };
    }
    const page = req.window ? windows.get(req.window) : suitePage;
    if (!page) throw new Error(`no window named ${req.window}`);
    if (req.kind === 'screenshot') {
      const path = join(SCREENSHOTS, `${req.name}.png`);
      await page.screenshot({ path });
      console.log(`[it] screenshot: ${rel(path)}`);
      return { path };
    }
    if (req.kind === 'click') {
      // Workbench UI only (webviews are frames of their own); exactly one element must match.
      try {
        await page
          .getByRole(req.role, { name: req.name, exact: req.exact !== false })
          .click({ timeout: req.timeoutMs ?? 10000 });
      } catch (e) {
        // What was on screen instead, for the test's failure message.
        const shot = join(SCREENSHOTS, `click-failed-${req.name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 40)}.png`);
        await page.screenshot({ path: shot }).catch(() => {});
        throw new Error(`${e?.message ?? e}\n(screenshot: ${rel(shot)})`, { cause: e });
      }
      console.log(`[it] clicked ${req.role} '${req.name}'`);
      return { clicked: true };
    }
    if (req.kind === 'webviewKeys') {
      // Real key presses into a webview: focus the element in whichever webview frame has it, then type.
      let frame;
      for (const f of page.frames()) {
        const found = await f.$(req.selector).catch(() => null);
        if (found) {
          frame = f;
          break;
        }
      }
      if (!frame) throw new Error(`no webview frame has ${req.selector}`);
      await frame.focus(req.selector);
      const started = Date.now();
      for (const k of req.keys) {
        await page.keyboard.press(k);
        if (req.delayMs) await new Promise((r) => setTimeout(r, req.delayMs));
      }
      console.log(`[it] pressed ${req.keys.length} keys in ${req.selector}`);
      return { pressed: req.keys.length, ms: Date.now() - started };
    }
    if (req.kind === 'webviewDrag') {
      // A real left-button drag over a webview element, between two points given as fractions of its box.
      let el;
      for (const f of page.frames()) {
        el = await f.$(req.selector).catch(() => null);
        if (el) break;
      }
      if (!el) throw new Error(`no webview frame has ${req.selector}`);
      const box = await el.boundingBox();
      if (!box) throw new Error(`${req.selector} is not visible`);
      const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
      const [ax, ay] = at(req.from);
      const [bx, by] = at(req.to);
      await page.mouse.move(ax, ay);
      await page.mouse.down();
      await page.mouse.move(bx, by, { steps: 8 });
      await page.mouse.up();
      console.log(`[it] dragged over ${req.selector}`);
      return { from: [ax - box.x, ay - box.y], to: [bx - box.x, by - box.y], width: box.width, height: box.height };
    }
    if (req.kind === 'webviewFrames') {
      // Where each webview's page is in its start, for a test that timed out waiting for one.
      const dump = await describeWebviewFrames(page);
      console.log(`[it] webview frames (${req.why ?? 'asked'}):\n${dump}`);
      return { dump };
    }
    if (req.kind === 'waitFor') {
      // A workbench condition the extension host cannot see: an element visible (ARIA role and name; or a CSS
      // selector, optionally holding a text, with inWebview in any webview frame too; with afterContent, its
      // ::after showing that text, as VS Code draws a file decoration's badge; with unclipped, its text not cut off),
      // or with hidden none visible; or
      // the focused input's value matching a pattern (e.g. VS Code's save dialog once it has filled in its path).
      const timeout = req.timeoutMs ?? 30000;
      const started = Date.now();
      if (req.webviewWorkersSettled) {
        // No webview service worker installing or waiting (a new page's start waits on them).
        await page.waitForFunction(
          async () => {
            const regs = await globalThis.navigator.serviceWorker.getRegistrations();
            return regs.filter((r) => r.scope.includes('/webview/')).every((r) => !r.installing && !r.waiting);
          },
          undefined,
          { timeout, polling: 100 },
        );
      } else if (req.inputValue) {
        await page.waitForFunction(
          (source) => {
            const active = globalThis.document.activeElement;
            return typeof active?.value === 'string' && new RegExp(source).test(active.value);
          },
          req.inputValue,
          { timeout, polling: 100 },
        );
      } else if (req.role) {
        await page
          .getByRole(req.role, { name: req.name, exact: req.exact !== false })
          .waitFor({ state: req.hidden ? 'hidden' : 'visible', timeout });
      } else if (req.selector) {
        const visible = async () => {
          for (const f of req.inWebview ? page.frames() : [page.mainFrame()]) {
            const all = f.locator(req.selector, req.hasText ? { hasText: req.hasText } : undefined);
            const n = await all.count().catch(() => 0);
            for (let i = 0; i < n; i++)
              if (
                (await all
                  .nth(i)
                  .isVisible()
                  .catch(() => false)) &&
                (req.afterContent === undefined ||
                  (await all
                    .nth(i)
                    .evaluate(
                      (el, want) => globalThis.getComputedStyle(el, '::after').content === want,
                      JSON.stringify(req.afterContent),
                    )
                    .catch(() => false))) &&
                // Its text shown whole, not cut off with an ellipsis (VS Code's own test for a notification).
                (!req.unclipped ||
                  (await all
                    .nth(i)
                    .evaluate((el) => el.scrollWidth <= el.clientWidth)
                    .catch(() => false)))
              )
                return true;
          }
          return false;
        };
        while ((await visible()) === Boolean(req.hidden)) {
          if (Date.now() - started > timeout) {
            // What was on screen instead, for the test's failure message.
            const shot = join(
              SCREENSHOTS,
              `waitfor-failed-${String(req.hasText ?? req.selector)
                .replace(/[^a-zA-Z0-9]+/g, '-')
                .slice(0, 40)}.png`,
            );
            await page.screenshot({ path: shot }).catch(() => {});
            throw new Error(
              `${req.selector} ${req.hidden ? 'still shown' : 'not shown'} after ${timeout} ms (screenshot: ${rel(shot)})`,
            );
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      } else throw new Error("'waitFor' needs webviewWorkersSettled, inputValue, role or selector");
      return { ms: Date.now() - started };
    }
    if (req.kind === 'trace') {
      // A Chromium trace of the whole browser (every thread of the page's renderer: workbench and webviews share
      // one main thread), for the benches: started, then stopped into test-output/traces/<name>.json.
      if (req.action === 'start') {
        if (tracing) throw new Error('a trace is already running');
        tracing = await page.context().newCDPSession(page);
        await tracing.send('Tracing.start', {
          transferMode: 'ReturnAsStream',
          traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordContinuously' },
        });
        return { started: true };
      }
      if (!tracing) throw new Error('no trace is running');
      const session = tracing;
      tracing = undefined;
      const complete = new Promise((r) => session.once('Tracing.tracingComplete', r));
      await session.send('Tracing.end');
      const { stream } = await complete;
      const dir = join(TEST_OUTPUT, 'traces');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${req.name.replace(/[^a-zA-Z0-9._-]+/g, '-')}.json`);
      writeFileSync(path, '');
      for (;;) {
        const chunk = await session.send('IO.read', { handle: stream, size: 1 << 20 });
        appendFileSync(path, chunk.base64Encoded ? Buffer.from(chunk.data, 'base64') : chunk.data);
        if (chunk.eof) break;
      }
      await session.send('IO.close', { handle: stream });
      await session.detach().catch(() => {});
      console.log(`[it] trace: ${rel(path)}`);
      return { path };
    }
    if (req.kind === 'killEditor') {
      // Answered at once: the kill comes once the run the host starts next has stored `atLeast` rows.
      void killEditor(req).catch((e) => say(`killing and restarting the editor failed: ${e?.stack ?? e}`));
      return { watching: req.store };
    }
    if (req.kind === 'type') {
      // Into whatever has the focus (e.g. an input box the extension opened).
      await page.keyboard.type(req.text);
      if (req.enter) await page.keyboard.press('Enter');
      return { typed: req.text.length };
    }
    throw new Error(`unknown request kind '${req.kind}'`);
  };
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const f of readdirSync(requests)
        .filter((n) => n.endsWith('.json') && !done.has(n))
        .sort()) {
        done.add(f);
        const req = readJson(join(requests, f));
        let res;
        try {
          res = { ok: true, result: await handle(req) };
        } catch (e) {
          res = { ok: false, error: e?.message ?? String(e) };
        }
        const tmp = join(responses, `.${req.id}.tmp`);
        writeFileSync(tmp, JSON.stringify(res));
        renameSync(tmp, join(responses, `${req.id}.json`));
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick().catch((e) => say(`request handling failed: ${e.message}`)), 100);
  return { stop: () => clearInterval(timer) };
}

/** Follows a file that another process appends to, line by line. */
class Tail {
  constructor(file, onLine) {
    this.file = file;
    this.onLine = onLine;
    this.offset = 0;
    this.rest = '';
    this.decoder = new StringDecoder('utf8');
    this.timer = setInterval(() => this.poll(), 100);
    this.unregister = onCleanup(() => clearInterval(this.timer));
  }
  /** Reads what is left, then stops following. */
  stop() {
    clearInterval(this.timer);
    this.unregister();
    this.poll();
  }
  poll() {
    if (!existsSync(this.file)) return;
    const size = statSync(this.file).size;
    if (size <= this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.rest + this.decoder.write(buf)).split('\n');
    this.rest = lines.pop();
    for (const l of lines) this.onLine(l);
  }
}

/** What a bench's trace records: tasks, scripts, style and layout, paint, and V8's garbage collection. */
const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8',
  'v8.execute',
  'disabled-by-default-v8.gc',
  'blink.user_timing',
  'latencyInfo',
];

/** Whole lines in a results store (0 when it does not exist yet). */
function storeLines(file) {
  try {
    const b = readFileSync(file);
    let n = 0;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function fmt(a) {
  if (typeof a === 'string') return a;
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}

/**
 * One line per webview frame: VS Code's host frame (pre/index.html, one per webview, `id` names it) with its
 * service worker controller and its content frames, and each content frame's state. A page that never said
 * `ready` shows here whether its content was never written (the host still waiting on its service worker) or
 * was written but its script did not run.
 */
async function describeWebviewFrames(page) {
  const lines = [];
  for (const f of page.frames()) {
    const url = f.url();
    if (!/webview\/browser\/pre\//.test(url)) continue;
    const id = (/[?&]id=([^&]+)/.exec(url)?.[1] ?? '?').slice(0, 8);
    const state = await f
      .evaluate(() => {
        const document = globalThis.document;
        const kids = [...document.querySelectorAll('iframe')].map((i) => `${i.id || 'iframe'}:${i.style.visibility}`);
        const ctl = navigator.serviceWorker?.controller;
        const scripts = [...document.scripts].map((s) => (s.src ? s.src.split('/').pop() : 'inline')).join(',');
        return {
          ready: document.readyState,
          kids: kids.join(' '),
          controller: ctl ? `${ctl.state} id=${/[?&]id=([^&]+)/.exec(ctl.scriptURL)?.[1]?.slice(0, 8)}` : 'none',
          scripts,
          body: document.body ? document.body.children.length : -1,
          title: document.title,
        };
      })
      .catch((e) => ({ error: String(e?.message ?? e).slice(0, 120) }));
    const kind = url.includes('fake.html') ? 'content' : 'host';
    lines.push(`  ${kind} ${id} ${JSON.stringify(state)}`);
  }
  return lines.join('\n') || '  (no webview frames)';
}

/**
 * Logs, each time it changes, the state of the service worker registration that serves every webview (VS Code
 * for the web registers one worker per webview, all under one scope): its installing, waiting and active
 * workers, named by the webview id in their script URL. A new page waits for its worker to take over; this
 * shows when that took long and what it waited on.
 */
function watchWebviewWorkers(page, file) {
  let last = '';
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const state = await page.evaluate(async () => {
        const regs = await globalThis.navigator.serviceWorker.getRegistrations();
        const name = (w) => (w ? `${/[?&]id=([^&]+)/.exec(w.scriptURL)?.[1]?.slice(0, 8)}:${w.state}` : '-');
        return regs
          .filter((r) => r.scope.includes('/webview/'))
          .map((r) => `installing ${name(r.installing)} waiting ${name(r.waiting)} active ${name(r.active)}`)
          .join(' | ');
      });
      if (state !== last) {
        last = state;
        appendFileSync(file, `[service worker] ${new Date().toISOString().slice(11, 23)} ${state || '(none)'}\n`);
      }
    } catch {
      // the page is navigating or closed
    } finally {
      busy = false;
    }
  }, 250);
  return { stop: () => clearInterval(timer) };
}
