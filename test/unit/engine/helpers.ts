// Shared by the engine tests: bundles the real engine entry (src/engine/main.ts) on the fly, exactly as
// scripts/build.mjs does for dist/engine.js, and starts clients on it.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
export { encodePng, pattern16 } from './png';
import { EngineClient, type EngineClientOptions, type EngineLogLevel } from '../../../src/engine/client';

const ROOT = resolve(__dirname, '../../..');

/** Bundles the engine into the repo's ignored .cache (so node_modules resolve) and returns its path and a cleanup. */
export async function bundleEngine(): Promise<{ enginePath: string; cleanup(): void }> {
  const dir = join(ROOT, '.cache', 'engine-test');
  mkdirSync(dir, { recursive: true });
  const enginePath = join(dir, `engine-${process.pid}-${Date.now()}.js`);
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/engine/main.ts')],
    outfile: enginePath,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    external: ['vscode', 'onnxruntime-node', 'sharp'],
    logLevel: 'error',
  });
  return { enginePath, cleanup: () => rmSync(enginePath, { force: true }) };
}

export interface LogLine {
  level: EngineLogLevel;
  message: string;
}

export function newClient(
  enginePath: string,
  opts: Partial<EngineClientOptions> = {},
): { client: EngineClient; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const client = new EngineClient({
    enginePath,
    log: (level, message) => logs.push({ level, message }),
    ...opts,
  });
  return { client, logs };
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `xray-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const LIMITS = { maxFileBytes: 64 * 1024 * 1024, maxPixels: 50_000_000 };

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until `condition` holds, polling: tests wait on what they need, never a fixed sleep. The deadline
 * only turns a hang into a failure; on a loaded machine the wait is simply longer.
 */
export async function waitUntil(condition: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`gave up waiting (${deadlineMs / 1000} s): ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
