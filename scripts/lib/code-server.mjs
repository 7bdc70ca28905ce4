// Starts code-server (VS Code in the browser, installed by scripts/setup.sh) with its own HOME, user-data and
// extensions folders, so a run never reads or changes the user's own VS Code state, and stops it with all of
// its children (extension host, the extension's engine process, pty host) as one process group.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CODE_SERVER_BIN } from './paths.mjs';
import { onCleanup } from './cleanup.mjs';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Quiet, deterministic workbench: no welcome page, tips, walkthroughs, update or telemetry traffic.
const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
};

/**
 * @param {object} o
 * @param {string} o.dataDir   empty folder that receives home/, user-data/, extensions/ and code-server.log
 * @param {number} [o.port]    default: a free port
 * @param {string} [o.host]    address to listen on, default 127.0.0.1
 * @param {Record<string,string>} [o.env]  extra environment (inherited by the extension host)
 * @param {Record<string,unknown>} [o.settings]  user settings on top of BASE_SETTINGS
 * @param {(line: string) => void} [o.onLine]  each output line of code-server (also kept in code-server.log)
 * @param {number} [o.readyTimeoutMs]
 * @param {string[]} [o.extraArgs]  more code-server flags
 * @returns {Promise<{ port: number, origin: string, logFile: string, userDataDir: string, extensionsDir: string,
 *   home: string, pid: number, exited: Promise<number|null>, stop: () => Promise<void> }>}
 */
export async function startCodeServer(o) {
  // code-server's wrapper gives its server process 10 s to say hello and exits "timed out" otherwise: on a
  // starved machine (a run at nice 19 beside a busy one) a start can fail so, and the next one succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o);
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !(err instanceof StartupExit)) throw err;
      process.stderr.write(
        `[code-server] start ${attempt} of ${START_ATTEMPTS} failed, trying again: ${err.message}\n`,
      );
    }
  }
}

const START_ATTEMPTS = 3;

/** code-server exited before it answered (as opposed to never answering, which a retry would not fix). */
class StartupExit extends Error {}

async function startOnce({
  dataDir,
  port,
  host = '127.0.0.1',
  env = {},
  settings = {},
  onLine,
  readyTimeoutMs = 60000,
  extraArgs = [],
}) {
  port ??= await freePort();
  const home = join(dataDir, 'home');
  const userDataDir = join(dataDir, 'user-data');
  const extensionsDir = join(dataDir, 'extensions');
  for (const d of [home, join(userDataDir, 'User'), extensionsDir]) mkdirSync(d, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
  const logFile = join(dataDir, 'code-server.log');
  const log = createWriteStream(logFile);

  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...extraArgs,
  ];
  const child = spawn(CODE_SERVER_BIN, args, {
    // Own process group: one signal reaches code-server and everything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      // No extension marketplace: these machines are offline, and its failing queries only add noise.
      EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}',
      ...env,
    },
  });
  // Lets a later run stop this server if this process dies without cleaning up (see makeRunDir).
  writeFileSync(join(dataDir, 'code-server.pid'), String(child.pid));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  let alive = true;
  void exited.then(() => (alive = false));

  let pending = '';
  const onData = (buf) => {
    log.write(buf);
    if (!onLine) return;
    pending += buf.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const l of lines) onLine(l);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  const stop = async () => {
    unregister();
    if (alive) {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    // Children that ignored SIGTERM (e.g. a busy engine process) still share the group.
    killGroup('SIGKILL');
    await new Promise((r) => log.end(r));
  };
  const unregister = onCleanup(stop, () => killGroup('SIGKILL'));

  const origin = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  try {
    await waitUntilReady(origin, exited, readyTimeoutMs, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, origin, logFile, userDataDir, extensionsDir, home, pid: child.pid, exited, stop };
}

async function waitUntilReady(origin, exited, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new StartupExit(`code-server exited during start-up; its log (${logFile}):\n${tail(logFile)}`);
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `code-server did not answer ${origin}/healthz within ${timeoutMs / 1000} s; its log (${logFile}):\n${tail(logFile)}`,
  );
}

export function tail(file, lines = 20) {
  if (!existsSync(file)) return '  (no log)';
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `  ${l}`)
    .join('\n');
}

/**
 * The workbench URL that opens `folder` with the extension at `extensionDevelopmentPath` loaded from source
 * and, when given, runs the mocha entry `extensionTestsPath` in the extension host. code-server takes these
 * as a `payload` query parameter (the web equivalent of --extensionDevelopmentPath/--extensionTestsPath).
 */
export function workbenchUrl({ origin, folder, extensionDevelopmentPath, extensionTestsPath }) {
  const authority = new URL(origin).host;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${origin}/?${q.toString()}`;
}
