// Shared by the engine tests: bundles the real engine entry (src/engine/main.ts) on the fly, exactly as
// scripts/build.mjs does for dist/engine.js, and writes small 16-bit PNGs with known pixels.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
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

export function newClient(enginePath: string, opts: Partial<EngineClientOptions> = {}): { client: EngineClient; logs: LogLine[] } {
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

/** A greyscale PNG (8 or 16 bit) of the given samples; filter type 0 on every row. */
export function encodePng(width: number, height: number, samples: Uint16Array | Uint8Array, bitDepth: 8 | 16 = 16): Uint8Array {
  const bpp = bitDepth / 8;
  const raw = Buffer.alloc((width * bpp + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * bpp + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const v = samples[y * width + x];
      if (bitDepth === 16) raw.writeUInt16BE(v, row + 1 + x * 2);
      else raw[row + 1 + x] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 0; // greyscale
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]),
  );
}

/** A smooth 16-bit test pattern with a bright blob, so every model output varies across the image. */
export function pattern16(width: number, height: number, seed = 1): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = 8000 + 20000 * (x / width) + 10000 * Math.sin((y + seed) / 5);
      const blob = 25000 * Math.exp(-((x - width * 0.3) ** 2 + (y - height * 0.6) ** 2) / (0.02 * width * height));
      out[y * width + x] = Math.max(0, Math.min(65535, Math.round(base + blob)));
    }
  }
  return out;
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
