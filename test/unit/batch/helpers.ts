// Shared by the batch tests: the real bundles (dist/engine.js + dist/batchWorker.js, built once), a
// fixture folder of generated images, and small models with a batch dimension.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineClient } from '../../../src/engine/client';
import { makeDicom, textBytes } from '../../fixtures/dicom';
import { png16 } from '../../fixtures/images';
import { writeReconstructionModel } from '../../fixtures/models';

export const ROOT = resolve(__dirname, '../../..');
export const DIST = join(ROOT, 'dist');

let built = false;
export function buildOnce(): void {
  if (built) return;
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  built = true;
}

export function newEngine(env: Record<string, string> = {}): EngineClient {
  return new EngineClient({
    enginePath: join(DIST, 'engine.js'),
    log: () => undefined,
    env: { XRAY_ANOMALY_ENGINE_LOG_LEVEL: 'warn', ...env },
  });
}

/** Image i of the fixture set: smooth ones and noisy ones, so scores differ. */
export function imagePixel(i: number): (x: number, y: number) => number {
  return i % 3 === 0
    ? (x, y) => (x * 7919 + y * 104729 + i * 31) % 65536
    : (x, y) => 20000 + ((x + y + i) % 7) * 10 + i * 100;
}

/**
 * <dir>/data: `n` 16-bit PNGs in two folders, one broken .png, one extension-less DICOM, a text file,
 * and a `skipme/` folder (for files.exclude). Returns the folder.
 */
export async function makeDataset(dir: string, n = 12): Promise<string> {
  const data = join(dir, 'data');
  mkdirSync(join(data, 'a'), { recursive: true });
  mkdirSync(join(data, 'b'), { recursive: true });
  mkdirSync(join(data, 'skipme'), { recursive: true });
  for (let i = 0; i < n; i++)
    writeFileSync(
      join(data, i % 2 ? 'a' : 'b', `img${String(i).padStart(3, '0')}.png`),
      await png16(48, 40, imagePixel(i)),
    );
  writeFileSync(join(data, 'a', 'broken.png'), textBytes());
  writeFileSync(join(data, 'b', 'IM0001'), await makeDicom({ width: 40, height: 40 }));
  writeFileSync(join(data, 'b', 'notes.txt'), 'not an image');
  writeFileSync(join(data, 'skipme', 'x.png'), await png16(16, 16));
  return data;
}

export function workDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export function batchModel(dir: string, version = '1.0.0') {
  return writeReconstructionModel(dir, {
    name: 'blur',
    kind: 'blur',
    batch: 'N',
    width: 32,
    height: 32,
    manifest: { version },
  });
}
