// Debian's Chromium driven by playwright-core (which ships no browser of its own). Flags keep it offline and
// quiet; the sandbox is off because the tests run as root in containers.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { CHROMIUM_BIN } from './paths.mjs';
import { onCleanup } from './cleanup.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * A persistent Chromium context (Playwright refuses --user-data-dir in args). Closed on cleanup; Playwright
 * itself kills the browser if this process exits first.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
export async function launchBrowser({ profileDir, headless = true, viewport = { width: 1400, height: 900 } }) {
  mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_BIN,
    headless,
    args: CHROMIUM_ARGS,
    viewport,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const close = async () => {
    unregister();
    await context.close().catch(() => {});
  };
  const unregister = onCleanup(close);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close };
}
