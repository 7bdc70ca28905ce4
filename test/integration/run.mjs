// Runs the in-VS-Code test suite (dist/test/integration.js) inside a real VS Code: code-server 4.99.4 in
// Debian's Chromium driven by playwright-core. See test/integration/README.md.
//
//   node test/integration/run.mjs [--grep <pattern>] [--timeout <seconds>] [--headed] [--keep] [--verbose]
//                                 [--extension <dir>]   (default: this repository)
//
// Streams mocha's output, serves the suite's screenshot requests, and exits with the suite's result.
// Whatever happens (failure, hard timeout, Ctrl-C), code-server and Chromium are stopped.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync, renameSync, openSync, readSync, closeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { ROOT, TEST_OUTPUT, makeRunDir, requireTools } from '../../scripts/lib/paths.mjs';
import { startCodeServer, workbenchUrl, tail } from '../../scripts/lib/code-server.mjs';
import { launchBrowser } from '../../scripts/lib/browser.mjs';
import { exitAfterCleanup, onCleanup } from '../../scripts/lib/cleanup.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string', short: 'g' },
    timeout: { type: 'string', default: process.env.XRAY_IT_TIMEOUT ?? '300' },
    headed: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    extension: { type: 'string', default: ROOT },
  },
  allowPositionals: false,
});
const timeoutS = Number(opts.timeout);
const TESTS_ENTRY = join(ROOT, 'dist/test/integration.js');
const OUT = join(TEST_OUTPUT, 'integration');
const SCREENSHOTS = join(TEST_OUTPUT, 'screenshots');
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
  if (!existsSync(TESTS_ENTRY)) throw new Error(`${rel(TESTS_ENTRY)} is missing: run \`node scripts/build.mjs\` first`);
  const extensionDir = resolve(opts.extension);
  if (extensionDir === ROOT && !existsSync(join(ROOT, 'dist/extension.js'))) throw new Error('dist/extension.js is missing: run `node scripts/build.mjs` first');

  const tmp = makeRunDir('xray-it-');
  if (!opts.keep) onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  const channel = join(tmp, 'harness');
  const workspace = join(tmp, 'workspace');
  for (const d of [join(channel, 'requests'), join(channel, 'responses'), workspace, OUT, SCREENSHOTS]) mkdirSync(d, { recursive: true });
  const workbenchLog = join(OUT, 'workbench.log');
  writeFileSync(workbenchLog, '');
  writeFileSync(join(channel, 'config.json'), JSON.stringify({ grep: opts.grep, screenshotsDir: SCREENSHOTS }));

  await prepareWorkspace(workspace);

  const server = await startCodeServer({
    dataDir: join(tmp, 'code-server'),
    // Test hooks let the suite crash the engine on purpose (see src/engine/testHooks.ts).
    env: { XRAY_HARNESS_DIR: channel, XRAY_ANOMALY_ENGINE_TEST_HOOKS: '1', ...(opts.grep ? { XRAY_TEST_GREP: opts.grep } : {}) },
    onLine: opts.verbose ? (l) => console.log(`[code-server] ${l}`) : undefined,
  });
  say(`code-server ${server.origin} ready (log: ${rel(join(OUT, 'code-server.log'))})`);
  onCleanup(() => {
    // Keep the server log with the other outputs; the temp folder goes away.
    try {
      writeFileSync(join(OUT, 'code-server.log'), readFileSync(server.logFile));
    } catch {
      // never started writing
    }
  });

  const { page } = await launchBrowser({ profileDir: join(tmp, 'chromium'), headless: !opts.headed });
  let exitCode;
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationExit', (code) => {
    exitCode = code;
    resolveExit();
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = `[${type}] ${(Array.isArray(args) ? args : [args]).map(fmt).join(' ')}`;
    appendFileSync(workbenchLog, line + '\n');
    if (opts.verbose) console.log(`[workbench] ${line}`);
  });
  page.on('pageerror', (e) => appendFileSync(workbenchLog, `[pageerror] ${e.stack ?? e}\n`));
  page.on('crash', () => {
    say('the browser tab crashed');
    resolveExit();
  });

  const url = workbenchUrl({ origin: server.origin, folder: workspace, extensionDevelopmentPath: extensionDir, extensionTestsPath: TESTS_ENTRY });
  say(`opening the workbench on ${rel(workspace)}${opts.grep ? ` (grep: ${opts.grep})` : ''}`);
  await page.goto(url);

  const mochaLog = new Tail(join(channel, 'mocha.log'), (line) => console.log(line));
  const serving = serveRequests(channel, page);
  let finished = false;
  const timedOut = await Promise.race([
    exited.then(() => false),
    server.exited.then(() => {
      if (!finished) say(`code-server exited unexpectedly:\n${tail(server.logFile)}`);
      return false;
    }),
    new Promise((r) => setTimeout(() => r(true), timeoutS * 1000).unref()),
  ]);
  finished = true;
  serving.stop();
  mochaLog.poll();

  const result = readJson(join(channel, 'result.json'));
  if (timedOut) {
    const shot = join(SCREENSHOTS, 'timeout.png');
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`[it] TIMEOUT: the suite did not finish within ${timeoutS} s (raise with --timeout or XRAY_IT_TIMEOUT).`);
    console.log(`[it] screenshot of the workbench at the timeout: ${rel(shot)}`);
    console.log(`[it] last workbench log lines (${rel(workbenchLog)}):\n${tail(workbenchLog, 25)}`);
  } else if (!result) {
    // The bundle failed to load or run() threw before mocha started: the reason is in the workbench log.
    console.log(`[it] the suite ended (exit ${exitCode}) without mocha results; last workbench log lines (${rel(workbenchLog)}):`);
    console.log(tail(workbenchLog, 40));
  }
  const ok = !timedOut && exitCode === 0 && result && result.failed === 0 && result.passed > 0;
  if (!result) console.log(`0 passed, 1 failed`);
  else if (result.passed === 0 && result.failed === 0) console.log(`[it] no test ran${opts.grep ? ` (nothing matched --grep ${opts.grep})` : ''}`);
  say(`${ok ? 'PASSED' : 'FAILED'} (exit code ${exitCode ?? 'none'}); outputs in ${rel(TEST_OUTPUT)}/`);
  if (opts.keep) say(`kept temporary folders in ${tmp}`);
  await exitAfterCleanup(ok ? 0 : 1);
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
  if (typeof fn !== 'function') throw new Error('test/integration/workspace.ts must export `async function createWorkspace(dir: string)`');
  const started = Date.now();
  await fn(dir);
  say(`workspace fixtures generated in ${Date.now() - started} ms`);
}

/** Answers the suite's requests (see suite/harness.ts): currently `screenshot`. */
function serveRequests(channel, page) {
  const requests = join(channel, 'requests');
  const responses = join(channel, 'responses');
  const done = new Set();
  let busy = false;
  const handle = async (req) => {
    if (req.kind === 'screenshot') {
      const path = join(SCREENSHOTS, `${req.name}.png`);
      await page.screenshot({ path });
      console.log(`[it] screenshot: ${rel(path)}`);
      return { path };
    }
    throw new Error(`unknown request kind '${req.kind}'`);
  };
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const f of readdirSync(requests).filter((n) => n.endsWith('.json') && !done.has(n)).sort()) {
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
    onCleanup(() => clearInterval(this.timer));
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
