/**
 * The WebAssembly kernels: their committed bytes match their AssemblyScript sources, and they compute
 * what their JavaScript definitions say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { claheKernels, Layout } from '../../../src/core/preprocess/kernels';

test('the generated kernel modules are up to date with their AssemblyScript sources', () => {
  // Recompiles every kernel with the pinned compiler and compares with the committed module text.
  execFileSync(process.execPath, ['scripts/kernels/build.mjs', '--check'], { stdio: 'pipe' });
});

test('blendTables and mapRow compute the blended tables and the per-pixel interpolation', () => {
  const bins = 4;
  const tables = Float32Array.from({ length: 4 * bins }, (_, i) => ((i * 7919) % 101) / 100);
  const L = new Layout();
  const pT = L.take(tables.length * 4);
  const pB = L.take(tables.length * 4);
  const pBins = L.take(6);
  const pRuns = L.take(12);
  const pA = L.take(8);
  const pBb = L.take(8);
  const pW = L.take(24);
  const pOut = L.take(24);
  const k = claheKernels(L.size);
  const m = k.memory.buffer;
  new Float32Array(m, pT, tables.length).set(tables);
  // Odd length: the SIMD loop and its scalar tail both run.
  k.blendTables(pT, 0, 2 * bins, 0.25, pB, 2 * bins - 1);
  const blended = new Float32Array(m, pB, 2 * bins);
  for (let i = 0; i < 2 * bins - 1; i++)
    assert.ok(Math.abs(blended[i] - (tables[i] + 0.25 * (tables[2 * bins + i] - tables[i]))) < 1e-6);
  assert.equal(blended[2 * bins - 1], 0, 'nothing written past n');
  // Two runs: pixels 0-2 between tables 0 and 1, pixels 3-5 between tables 1 and 2.
  const px = [0, 3, 1, 2, 2, 0];
  const w = [0.1, 0.5, 0.9, 0, 0.3, 1];
  new Uint8Array(m, pBins, 6).set(px);
  new Int32Array(m, pRuns, 3).set([0, 3, 6]);
  new Int32Array(m, pA, 2).set([0, bins]);
  new Int32Array(m, pBb, 2).set([bins, 2 * bins]);
  new Float32Array(m, pW, 6).set(w);
  k.mapRow8(pBins, pT, 0, pRuns, pA, pBb, 2, pW, pOut);
  const out = new Float32Array(m, pOut, 6);
  for (let x = 0; x < 6; x++) {
    const [ta, tb] = x < 3 ? [0, bins] : [bins, 2 * bins];
    const a = tables[ta + px[x]];
    const b = tables[tb + px[x]];
    assert.ok(Math.abs(out[x] - (a + Math.fround(w[x]) * (b - a))) < 1e-6, `pixel ${x}`);
  }
});

test('binSamples16 bins unsigned and signed 16-bit samples through the byte table', () => {
  const L = new Layout();
  const samples = Uint16Array.from([0, 1, 255, 256, 40000, 65535, 32767]);
  const pS = L.take(samples.length * 2);
  const pT = L.take(65536);
  const pO = L.take(samples.length);
  const k = claheKernels(L.size);
  const m = k.memory.buffer;
  new Uint16Array(m, pS, samples.length).set(samples);
  const table = new Uint8Array(m, pT, 65536);
  for (let i = 0; i < 65536; i++) table[i] = (i * 31) & 255;
  k.binSamples16(pS, samples.length, pT, 0, pO);
  assert.deepEqual(
    Array.from(new Uint8Array(m, pO, samples.length)),
    Array.from(samples, (s) => table[s]),
  );
  // The same bits read as signed samples: the table is indexed by sample + 32768.
  const signed = new Int16Array(samples.buffer);
  k.binSamples16(pS, samples.length, pT, 0x8000, pO);
  assert.deepEqual(
    Array.from(new Uint8Array(m, pO, samples.length)),
    Array.from(signed, (s) => table[s + 32768]),
  );
});

test('a kernel memory that cannot grow gives a TOO_LARGE error, not an internal fault', async () => {
  const { XrayError } = await import('../../../src/core/errors');
  const { ensureBytes } = await import('../../../src/core/preprocess/kernels');
  const k = claheKernels(16);
  assert.throws(
    () => ensureBytes(k, 5 * 2 ** 32),
    (e: unknown) => e instanceof XrayError && e.code === 'TOO_LARGE' && /CLAHE/.test(e.message),
  );
});
