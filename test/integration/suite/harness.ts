// The tests' side of the channel to the runner (test/integration/run.mjs), which owns the browser. The
// extension host cannot reach Playwright, but both share a file system: a test drops a request file into
// $XRAY_HARNESS_DIR/requests and waits for the runner's answer in $XRAY_HARNESS_DIR/responses.
// See test/integration/README.md. Without the runner (e.g. @vscode/test-electron) the calls degrade: they
// resolve to undefined and say so once.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HarnessConfig {
  /** mocha --grep pattern passed through by the runner, if any */
  grep?: string;
  /** absolute folder the runner writes screenshots into */
  screenshotsDir?: string;
}

/** The channel folder, or undefined when the suite runs without the code-server runner. */
export function harnessDir(): string | undefined {
  const dir = process.env.XRAY_HARNESS_DIR;
  return dir && existsSync(dir) ? dir : undefined;
}

export function harnessConfig(): HarnessConfig {
  const dir = harnessDir();
  if (!dir || !existsSync(join(dir, 'config.json'))) return {};
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as HarnessConfig;
}

let seq = 0;
let warned = false;

/**
 * Asks the runner for something only the browser side can do and waits for its answer.
 * Rejects with the runner's error message, or after `timeoutMs`.
 */
export async function harnessRequest<T>(
  kind: string,
  args: Record<string, unknown>,
  timeoutMs = 20000,
): Promise<T | undefined> {
  const dir = harnessDir();
  if (!dir) {
    if (!warned)
      console.log(`[harness] no XRAY_HARNESS_DIR: '${kind}' requests are skipped outside test/integration/run.mjs`);
    warned = true;
    return undefined;
  }
  const id = `${process.pid}-${Date.now()}-${++seq}`;
  const requests = join(dir, 'requests');
  mkdirSync(requests, { recursive: true });
  // Write then rename, so the runner never reads half a request.
  const tmp = join(requests, `.${id}.tmp`);
  writeFileSync(tmp, JSON.stringify({ id, kind, ...args }));
  renameSync(tmp, join(requests, `${id}.json`));

  const answer = join(dir, 'responses', `${id}.json`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(answer)) {
      const res = JSON.parse(readFileSync(answer, 'utf8')) as { ok: boolean; error?: string; result?: T };
      if (!res.ok) throw new Error(`harness '${kind}' failed: ${res.error}`);
      return res.result;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`harness '${kind}' got no answer from the runner within ${timeoutMs} ms`);
}

/**
 * Saves a Playwright screenshot of the whole workbench (webviews included) as
 * test-output/screenshots/<name>.png and returns its absolute path (undefined without the runner).
 * `name` may use letters, digits, '.', '_' and '-'; other characters become '-'.
 */
export async function screenshot(name: string): Promise<string | undefined> {
  const safe = name.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'screenshot';
  const res = await harnessRequest<{ path: string }>('screenshot', { name: safe });
  return res?.path;
}

/**
 * Presses keys (Playwright names: 'j', '2', 'Shift+ArrowDown') into the webview element matching
 * `selector`, focused first, as a user would; resolves to how long the presses took (undefined without the runner).
 */
export async function pressInWebview(
  selector: string,
  keys: string[],
  { delayMs = 0, timeoutMs = 60_000 } = {},
): Promise<{ pressed: number; ms: number } | undefined> {
  return harnessRequest('webviewKeys', { selector, keys, delayMs }, timeoutMs);
}

/**
 * A real left-button drag (Playwright's mouse) over the webview element matching `selector`, from and to
 * points given as fractions of its box; resolves to the points in CSS pixels of the element and its size
 * (undefined without the runner).
 */
export async function dragInWebview(
  selector: string,
  from: [number, number],
  to: [number, number],
): Promise<{ from: [number, number]; to: [number, number]; width: number; height: number } | undefined> {
  return harnessRequest('webviewDrag', { selector, from, to });
}

/** Types text into whatever has the focus (an input box), then Enter. */
export async function typeText(text: string, enter = true): Promise<boolean> {
  return (await harnessRequest<{ typed: number }>('type', { text, enter })) !== undefined;
}
