// GPU inference check for a machine that has a GPU (`npm run gpu-check`). Needs nothing from the
// internet: it generates a convolutional autoencoder of realistic size, runs it on the CPU, then on
// every GPU execution provider of this platform's 'auto' order, and reports which provider ran, its
// speed against the CPU, and whether its output matches the CPU's. Finally it loads the model the
// way the engine does ('auto' with fallback) and prints the provider chosen and why others were skipped.
//
// With a built engine (dist/engine.js, or --engine FILE) it also runs the whole product path: the engine
// process decodes a generated 2048x2500 16-bit PNG, loads the model with 'auto' and with 'cpu', and
// compares the two analyses.
//
// Options: --size N (default 512), --width C (widest layer, default 32), --runs N (default 10),
//          --onnx FILE --shape 1,3,224,224 [--input NAME] (also time a real model file on every provider),
//          --json FILE (also write the results as JSON), --engine FILE (default dist/engine.js if built).
// Exit: 0 when the CPU works (whether or not a GPU provider did: the summary line says which);
//       1 when even the CPU fails; 3 when a GPU provider ran but its output differs from the CPU's;
//       4 when XRAY_EXPECT_PROVIDER names a provider (cuda, webgpu, cpu) and 'auto' (here or in the
//       engine) ended on another: on a GPU machine, `XRAY_EXPECT_PROVIDER=webgpu npm run gpu-check`
//       fails on a fallback to CPU instead of reporting it.
import * as ort from 'onnxruntime-node';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import { convAutoencoderBytes, writeConvAutoencoder } from '../../test/fixtures/models';
import { encodePng, pattern16 } from '../../test/unit/engine/png';
import {
  autoOrder,
  createSessionWithFallback,
  defaultThreads,
  expectedProvider,
  ortFactory,
  sessionOptions,
  shortReason,
  unmetExpectation,
  type ProviderName,
} from '../../src/engine/providers';

interface ProviderResult {
  provider: ProviderName;
  started: boolean;
  reason?: string;
  loadMs?: number;
  firstRunMs?: number;
  medianMs?: number;
  minMs?: number;
  maxAbsDiff?: number;
  matches?: boolean;
}

/** Float32 conv stacks on different hardware differ by accumulation order; 1e-3 on sigmoid outputs is generous but not blind. */
const TOLERANCE = 1e-3;

function arg(name: string, fallback: number): number;
function arg(name: string, fallback: string | undefined): string | undefined;
function arg(name: string, fallback: number | string | undefined): number | string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) return fallback;
  const v = process.argv[i + 1];
  return typeof fallback === 'number' ? Number(v) : v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function timeProvider(
  provider: ProviderName,
  model: Uint8Array,
  input: Record<string, ort.Tensor>,
  runs: number,
  threads: number,
): Promise<{ result: ProviderResult; output?: Float32Array }> {
  let session: ort.InferenceSession;
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(model, sessionOptions(provider, threads));
  } catch (err) {
    return {
      result: { provider, started: false, reason: shortReason(err instanceof Error ? err.message : String(err)) },
    };
  }
  const loadMs = performance.now() - t0;
  try {
    let t = performance.now();
    const first = await session.run(input);
    const firstRunMs = performance.now() - t;
    const output = Float32Array.from(first[session.outputNames[0]].data as Float32Array);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      await session.run(input);
      times.push(performance.now() - t);
    }
    return {
      result: { provider, started: true, loadMs, firstRunMs, medianMs: median(times), minMs: Math.min(...times) },
      output,
    };
  } catch (err) {
    return {
      result: {
        provider,
        started: true,
        loadMs,
        reason: `started but failed to run: ${shortReason(err instanceof Error ? err.message : String(err))}`,
      },
    };
  } finally {
    await session.release();
  }
}

async function main(): Promise<number> {
  const size = arg('size', 512);
  const width = arg('width', 32);
  const runs = arg('runs', 10);
  const jsonPath = arg('json', undefined);
  const threads = defaultThreads(os.availableParallelism?.() ?? os.cpus().length, process.env);
  const expected = expectedProvider(process.env); // throws on an unknown name before any work

  console.log(
    `gpu-check: ${process.platform}-${process.arch}, node ${process.versions.node}, onnxruntime-node ${ort.env.versions.node}, ${threads} CPU inference threads${expected ? `; expects ${expected}` : ''}`,
  );
  console.log('onnxruntime-node backends:');
  for (const b of ort.listSupportedBackends())
    console.log(
      `  ${b.name.padEnd(10)} ${b.bundled ? 'bundled' : 'not bundled (libraries must be installed separately)'}`,
    );

  const model = convAutoencoderBytes({ size, width, seed: 7 });
  const pixels = new Float32Array(size * size);
  // Smooth structure plus texture, so every layer sees varied values.
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      pixels[y * size + x] = 0.5 + 0.3 * Math.sin(x / 17) * Math.cos(y / 23) + 0.1 * Math.sin((x * y) / 97);
  const input = { input: new ort.Tensor('float32', pixels, [1, 1, size, size]) };
  console.log(
    `model: conv autoencoder ${size}x${size}, widest layer ${width} channels, ${(model.length / 1024).toFixed(0)} KiB; ${runs} timed runs each\n`,
  );

  const cpu = await timeProvider('cpu', model, input, runs, threads);
  const results: ProviderResult[] = [cpu.result];
  if (!cpu.output) {
    console.log(`cpu: FAILED: ${cpu.result.reason}`);
    console.log('\nRESULT: the CPU provider does not work; nothing else was tried.');
    return 1;
  }
  console.log(
    `cpu:    load ${cpu.result.loadMs!.toFixed(0)} ms, first run ${cpu.result.firstRunMs!.toFixed(1)} ms, median ${cpu.result.medianMs!.toFixed(1)} ms (min ${cpu.result.minMs!.toFixed(1)})`,
  );

  for (const provider of autoOrder(process.platform).filter((p) => p !== 'cpu')) {
    const supported = ort.listSupportedBackends().some((b) => b.name === provider);
    if (!supported) {
      results.push({ provider, started: false, reason: 'not in this onnxruntime-node build' });
      console.log(`${provider}: skipped: not in this onnxruntime-node build`);
      continue;
    }
    const r = await timeProvider(provider, model, input, runs, threads);
    if (r.output) {
      let maxAbsDiff = 0;
      for (let i = 0; i < r.output.length; i++)
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(r.output[i] - cpu.output[i]));
      r.result.maxAbsDiff = maxAbsDiff;
      r.result.matches = maxAbsDiff <= TOLERANCE;
      const speedup = cpu.result.medianMs! / r.result.medianMs!;
      console.log(
        `${provider}: load ${r.result.loadMs!.toFixed(0)} ms, first run ${r.result.firstRunMs!.toFixed(1)} ms, median ${r.result.medianMs!.toFixed(1)} ms (min ${r.result.minMs!.toFixed(1)}), ` +
          `${speedup.toFixed(1)}x the CPU; max |GPU - CPU| = ${maxAbsDiff.toExponential(2)} ${r.result.matches ? `(matches within ${TOLERANCE})` : `(MISMATCH, tolerance ${TOLERANCE})`}`,
      );
    } else {
      console.log(`${provider}: could not ${r.result.started ? 'run' : 'start'}: ${r.result.reason}`);
    }
    results.push(r.result);
  }

  // A real model file too (e.g. the shipped detector): --onnx FILE --shape 1,3,224,224 [--input NAME].
  const onnxFile = arg('onnx', undefined);
  if (onnxFile) {
    const shape = (arg('shape', '1,3,224,224') ?? '').split(',').map(Number);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = 0.5 + 0.4 * Math.sin(i / 97) * Math.cos(i / 1013);
    const feeds = { [arg('input', 'input') as string]: new ort.Tensor('float32', data, shape) };
    const bytes = new Uint8Array(readFileSync(onnxFile));
    console.log(`\nmodel file ${onnxFile} (${(bytes.length / 1048576).toFixed(1)} MiB), input [${shape.join(',')}]:`);
    const base = await timeProvider('cpu', bytes, feeds, runs, threads);
    console.log(
      `  cpu: median ${base.result.medianMs?.toFixed(1)} ms (first ${base.result.firstRunMs?.toFixed(1)} ms)${base.result.reason ? ` ${base.result.reason}` : ''}`,
    );
    for (const provider of autoOrder(process.platform).filter(
      (p) => p !== 'cpu' && ort.listSupportedBackends().some((b) => b.name === p),
    )) {
      const r = await timeProvider(provider, bytes, feeds, runs, threads);
      let diff = NaN;
      if (r.output && base.output) {
        diff = 0;
        for (let i = 0; i < r.output.length; i++)
          diff = Math.max(diff, Math.abs(r.output[i] - base.output[i]) / Math.max(1, Math.abs(base.output[i])));
      }
      console.log(
        `  ${provider}: ${r.output ? `median ${r.result.medianMs!.toFixed(1)} ms (first ${r.result.firstRunMs!.toFixed(1)} ms), ${(base.result.medianMs! / r.result.medianMs!).toFixed(1)}x the CPU, max relative |GPU - CPU| of the first output ${diff.toExponential(2)}` : `could not run: ${r.result.reason}`}`,
      );
    }
  }

  // The engine's own path: 'auto' with fallback, as the extension loads models.
  const auto = await createSessionWithFallback(model, 'auto', {
    factory: ortFactory(() => ort),
    platform: process.platform,
    threads,
    env: process.env,
    label: 'gpu-check model',
  });
  await auto.session.release();
  console.log(
    `\nengine 'auto' picks: ${auto.provider}${auto.fallbacks.length ? `; skipped: ${auto.fallbacks.join(' | ')}` : ''}`,
  );

  const enginePath = arg('engine', existsSync('dist/engine.js') ? 'dist/engine.js' : undefined);
  let engine: EngineCheck | undefined;
  if (enginePath) {
    console.log(`\nengine check (${enginePath}):`);
    engine = await engineCheck(resolve(enginePath), size, width);
  } else console.log('\n(no dist/engine.js: run `node scripts/build.mjs` to include the engine check)');

  // The expected-provider mode: the engine's own choice, here and in the engine process, must be it.
  const unmet = [
    unmetExpectation(auto, process.env),
    ...(engine?.runs ?? [])
      .filter((r) => r.preference === 'auto')
      .map((r) => unmetExpectation(r, process.env))
      .map((u) => u && `engine: ${u}`),
    ...(expected && enginePath && !engine?.runs.length ? ['engine: the engine check did not run'] : []),
  ].filter((u): u is string => Boolean(u));

  const gpu = results.find((r) => r.provider !== 'cpu' && r.medianMs !== undefined);
  const mismatch = results.some((r) => r.matches === false) || engine?.matches === false;
  if (jsonPath) {
    writeFileSync(
      jsonPath,
      JSON.stringify(
        {
          platform: `${process.platform}-${process.arch}`,
          size,
          width,
          runs,
          threads,
          results,
          auto: { provider: auto.provider, fallbacks: auto.fallbacks },
          engine,
        },
        null,
        2,
      ),
    );
  }
  if (unmet.length) {
    console.log(`RESULT: FAILED: ${unmet.join('; ')}`);
    return 4;
  }
  if (gpu) {
    console.log(
      `RESULT: GPU provider used: ${gpu.provider} (median ${gpu.medianMs!.toFixed(1)} ms vs CPU ${cpu.result.medianMs!.toFixed(1)} ms at ${size}x${size}; output ${gpu.matches ? 'matches' : 'DOES NOT match'} the CPU).`,
    );
  } else {
    console.log(
      `RESULT: no GPU provider could run here; CPU works (median ${cpu.result.medianMs!.toFixed(1)} ms at ${size}x${size}).`,
    );
  }
  if (expected) console.log(`expected provider ${expected}: ok`);
  return mismatch ? 3 : 0;
}

interface EngineCheck {
  startMs: number;
  decodeRoundTripMs: number;
  engineDecodeMs: number;
  runs: {
    preference: string;
    provider: string;
    fallbacks: string[];
    loadMs: number;
    analyzeMedianMs: number;
    inferenceMedianMs: number;
    score: number;
  }[];
  scoreRelDiff?: number;
  matches?: boolean;
  error?: string;
}

/** The product path: engine process, IPC, decode, preprocessing, inference, scoring, with 'auto' and 'cpu'. */
async function engineCheck(enginePath: string, size: number, width: number): Promise<EngineCheck> {
  const dir = mkdtempSync(join(os.tmpdir(), 'xray-gpu-check-'));
  const client = new EngineClient({
    enginePath,
    log: (level, message) => {
      if (level === 'warn' || level === 'error') console.log(`  [engine ${level}] ${message}`);
    },
  });
  try {
    const model = writeConvAutoencoder(dir, { size, width, seed: 7 });
    const png = encodePng(2048, 2500, pattern16(2048, 2500));
    let t = performance.now();
    await client.info();
    const startMs = performance.now() - t;
    t = performance.now();
    const decoded = await client.decode({
      bytes: png,
      fileName: 'phantom.png',
      limits: { maxFileBytes: 64 << 20, maxPixels: 50_000_000 },
    });
    const decodeRoundTripMs = performance.now() - t;
    const check: EngineCheck = { startMs, decodeRoundTripMs, engineDecodeMs: decoded.decodeMs, runs: [] };
    console.log(
      `  engine start ${startMs.toFixed(0)} ms; 2048x2500 16-bit PNG decode round trip ${decodeRoundTripMs.toFixed(0)} ms (decode ${decoded.decodeMs.toFixed(0)} ms in the engine)`,
    );
    for (const preference of ['auto', 'cpu'] as const) {
      const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: preference });
      const totals: number[] = [];
      const inference: number[] = [];
      let score = NaN;
      for (let i = 0; i < 5; i++) {
        t = performance.now();
        const r = await client.analyze({ imageId: decoded.imageId, modelKey: loaded.modelKey });
        totals.push(performance.now() - t);
        inference.push(r.timings.inferenceMs);
        score = r.score.raw;
      }
      check.runs.push({
        preference,
        provider: loaded.provider,
        fallbacks: loaded.fallbacks,
        loadMs: loaded.loadMs,
        analyzeMedianMs: median(totals),
        inferenceMedianMs: median(inference),
        score,
      });
      console.log(
        `  '${preference}' -> ${loaded.provider}: load ${loaded.loadMs.toFixed(0)} ms, analyze median ${median(totals).toFixed(1)} ms (inference ${median(inference).toFixed(1)} ms), raw score ${score.toPrecision(6)}`,
      );
    }
    const [a, c] = check.runs;
    check.scoreRelDiff = Math.abs(a.score - c.score) / Math.max(1e-12, Math.abs(c.score));
    check.matches = check.scoreRelDiff <= 1e-3;
    console.log(
      `  score '${a.provider}' vs cpu: relative difference ${check.scoreRelDiff.toExponential(2)} ${check.matches ? '(matches)' : '(MISMATCH)'}`,
    );
    return check;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.log(`  engine check failed: ${message}`);
    return { startMs: NaN, decodeRoundTripMs: NaN, engineDecodeMs: NaN, runs: [], error: message };
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('gpu-check failed:', err);
    process.exit(1);
  },
);
