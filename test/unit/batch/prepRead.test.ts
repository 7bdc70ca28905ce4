// Prep workers read files with blocking calls, the engine's main thread with promise-based ones: a prep
// job must give the same row either way (bytes and hash, size and mtime, TOO_LARGE before reading, the
// error of a folder or a missing file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import {
  readFileAsync,
  readFileSync,
  runPrepJob,
  type FileReader,
  type PrepCore,
  type PrepResult,
} from '../../../src/engine/batch/prepJob';

/** A core that records the bytes it is given and stops there (decoding is not what is tested). */
function recordingCore(readFile: FileReader, seen: Uint8Array[]): PrepCore {
  return {
    readFile,
    decodeImage: async (bytes) => {
      seen.push(bytes);
      throw new Error('stop after the read');
    },
    prepareInputs: () => [],
  };
}

const row = (r: PrepResult) => ({ ...r, ms: 0 });

test('blocking and promise-based reads give the same prep result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prep-read-'));
  try {
    const content = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    writeFileSync(join(dir, 'a.png'), content);
    writeFileSync(join(dir, 'big.png'), new Uint8Array(2048));
    mkdirSync(join(dir, 'folder.png'));
    const limits = { ...DEFAULT_DECODE_LIMITS, maxFileBytes: 1024 * 100 };
    const cases = ['a.png', 'big.png', 'folder.png', 'missing.png'];
    const results: Record<string, PrepResult[]> = {};
    const seen: Uint8Array[][] = [[], []];
    for (const [i, reader] of [readFileAsync, readFileSync].entries()) {
      for (const name of cases) {
        const path = join(dir, name);
        const small = name === 'big.png' ? { ...limits, maxFileBytes: 1000 } : limits;
        const r = await runPrepJob({ path, limits: small, preps: [] }, recordingCore(reader, seen[i]));
        (results[name] ??= []).push(r);
      }
    }
    for (const name of cases) assert.deepEqual(row(results[name][1]), row(results[name][0]), name);
    assert.deepEqual(seen[1], seen[0]);
    assert.deepEqual(seen[1][0], content);
    const [a] = results['a.png'];
    assert.equal(a.hash, createHash('sha256').update(content).digest('hex'));
    assert.equal(a.size, 70_000);
    assert.equal(a.mtimeMs, statSync(join(dir, 'a.png')).mtimeMs);
    assert.equal(results['big.png'][0].error?.code, 'TOO_LARGE');
    assert.equal(seen[0].length, 1, 'a file over the limit is not read');
    assert.equal(results['folder.png'][0].error?.code, 'READ_FAILED');
    assert.match(results['folder.png'][0].error?.message ?? '', /EISDIR/);
    assert.match(results['missing.png'][0].error?.message ?? '', /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
