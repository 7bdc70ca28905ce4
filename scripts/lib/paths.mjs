// Where the tools the harness, demo and packaging scripts run live. Environment overrides exist for machines
// laid out differently (another Chromium, a code-server installed elsewhere).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const CODE_SERVER_BIN =
  process.env.XRAY_CODE_SERVER ?? join(ROOT, '.tools/code-server/node_modules/.bin/code-server');
export const CHROMIUM_BIN = process.env.XRAY_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = join(ROOT, 'test-output');

/** Throws a message that says which command installs what is missing. */
export function requireTools({ chromium = true } = {}) {
  const missing = [];
  if (!existsSync(CODE_SERVER_BIN)) missing.push(`code-server (${CODE_SERVER_BIN})`);
  if (chromium && !existsSync(CHROMIUM_BIN)) missing.push(`Chromium (${CHROMIUM_BIN})`);
  if (missing.length) throw new Error(`missing ${missing.join(' and ')}: run \`npm run setup\` first`);
}

/**
 * Makes a temp folder `<tmpdir>/<prefix>XXXXXX` that records its owner's pid, after removing earlier ones
 * whose owner is gone (a run killed with SIGKILL cannot clean up after itself), and stopping the code-server
 * such a run left behind (startCodeServer records its pid in `<dataDir>/code-server.pid`). Folders without a
 * pid file are removed once they are an hour old.
 */
export function makeRunDir(prefix) {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(base, name);
    try {
      const pidFile = join(dir, 'owner.pid');
      const stale = existsSync(pidFile)
        ? !alive(Number(readFileSync(pidFile, 'utf8')))
        : Date.now() - statSync(dir).mtimeMs > 3600e3;
      if (!stale) continue;
      for (const f of findFiles(dir, 'code-server.pid', 2)) killOrphanCodeServer(Number(readFileSync(f, 'utf8')));
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run is removing it, or it is not ours to read
    }
  }
  const dir = mkdtempSync(join(base, prefix));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  return dir;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export function killOrphanCodeServer(pid) {
  // Only if that pid is still a code-server (pids are reused).
  let cmd;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmd.includes('code-server')) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

function findFiles(dir, name, depth) {
  const out = [];
  for (const n of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, n.name);
    if (n.isFile() && n.name === name) out.push(p);
    else if (n.isDirectory() && depth > 0) out.push(...findFiles(p, name, depth - 1));
  }
  return out;
}
