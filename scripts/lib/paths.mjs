// Where the tools the harness, demo and packaging scripts run live. Environment overrides exist for machines
// laid out differently (another Chromium, a code-server installed elsewhere).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const CODE_SERVER_BIN = process.env.XRAY_CODE_SERVER ?? join(ROOT, '.tools/code-server/node_modules/.bin/code-server');
export const CHROMIUM_BIN = process.env.XRAY_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = join(ROOT, 'test-output');

/** Throws a message that says which command installs what is missing. */
export function requireTools({ chromium = true } = {}) {
  const missing = [];
  if (!existsSync(CODE_SERVER_BIN)) missing.push(`code-server (${CODE_SERVER_BIN})`);
  if (chromium && !existsSync(CHROMIUM_BIN)) missing.push(`Chromium (${CHROMIUM_BIN})`);
  if (missing.length) throw new Error(`missing ${missing.join(' and ')}: run \`npm run setup\` first`);
}
