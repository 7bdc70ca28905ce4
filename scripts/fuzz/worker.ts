/**
 * The fuzzing loop, in a worker thread so that the supervisor (fuzz.ts) can stop it when an input
 * hangs. Coverage is V8's precise block coverage, read after every execution through the inspector:
 * an input is kept when it reaches a (script, block, hit-count bucket) feature no earlier input did.
 * The current input is mirrored into shared memory before each run and a heartbeat counter is bumped
 * after it, so a hang can be saved by the supervisor even though this thread never returns.
 */
import * as inspector from 'node:inspector';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { decodeImage, readDicomTags } from '../../src/core/decode';
import { XrayError } from '../../src/core/errors';
import { mutate, rng } from './mutate';

export interface WorkerData {
  /** Replay mode: run this one input once, report how long it took, and stop. */
  replay?: Uint8Array;
  seeds: Uint8Array[];
  seed: number;
  /** Shared: [heartbeat, input length, phase] then the input bytes. */
  shared: SharedArrayBuffer;
  maxLength: number;
  slowMs: number;
}

export type WorkerMessage =
  | { type: 'replayed'; ms: number }
  | { type: 'stats'; execs: number; features: number; blocks: number; corpus: number }
  | { type: 'new'; bytes: Uint8Array; features: number }
  | { type: 'finding'; kind: 'crash' | 'slow'; bytes: Uint8Array; detail: string };

/** Code whose coverage counts: the decode path (our JPEG decoders included) and dicom-parser. */
const TARGET = /\/src\/core\/decode\/|\/dicom-parser\//;
const LIMITS = { maxFileBytes: 4 * 1024 * 1024, maxPixels: 4_000_000 };
/** What the worker is doing, mirrored for the supervisor's hang reports. */
export const PHASES = ['idle', 'decodeImage(fuzz.dcm)', 'decodeImage(fuzz)', 'readDicomTags', 'reading coverage'];
const PHASE_DECODE_DCM = 1;
const PHASE_TAGS = 3;
const PHASE_COVERAGE = 4;

function bucket(count: number): number {
  return count < 4 ? count : count < 8 ? 4 : count < 16 ? 5 : count < 32 ? 6 : count < 128 ? 7 : 8;
}

/** The target: every entry point that reads an untrusted file. Throws only what is not an XrayError. */
async function target(
  input: Uint8Array,
  onCrash: (detail: string) => void,
  phase: (p: number) => void = () => {},
): Promise<void> {
  for (const [i, name] of ['fuzz.dcm', 'fuzz'].entries()) {
    phase(PHASE_DECODE_DCM + i);
    try {
      await decodeImage(input, name, LIMITS, { timeoutMs: 2000 });
    } catch (e) {
      if (!(e instanceof XrayError))
        onCrash(`decodeImage(${name}): ${e instanceof Error ? e.stack : typeof e} ${String(e)}`);
    }
  }
  phase(PHASE_TAGS);
  try {
    readDicomTags(input, { timeoutMs: 2000 });
  } catch (e) {
    if (!(e instanceof XrayError)) onCrash(`readDicomTags: ${e instanceof Error ? e.stack : typeof e} ${String(e)}`);
  }
}

async function main(): Promise<void> {
  const data = workerData as WorkerData;
  if (data.replay) {
    const t0 = performance.now();
    await target(data.replay, () => {});
    parentPort!.postMessage({ type: 'replayed', ms: performance.now() - t0 } satisfies WorkerMessage);
    return;
  }
  const header = new Int32Array(data.shared, 0, 3);
  const mirror = new Uint8Array(data.shared, 12);
  const phase = (p: number) => Atomics.store(header, 2, p);
  const r = rng(data.seed);
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))),
    );
  await post('Profiler.enable');
  await post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });

  const features = new Set<string>();
  const blocks = new Set<string>();
  const corpus: Uint8Array[] = [];
  let execs = 0;

  type Coverage = {
    result: { url: string; functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[] }[];
  };
  const newFeatures = async (): Promise<number> => {
    const cov = await post<Coverage>('Profiler.takePreciseCoverage');
    let added = 0;
    for (const script of cov.result) {
      if (!TARGET.test(script.url)) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count === 0) continue;
          const block = `${script.url}:${range.startOffset}:${range.endOffset}`;
          blocks.add(block);
          const f = `${block}:${bucket(range.count)}`;
          if (!features.has(f)) {
            features.add(f);
            added++;
          }
        }
      }
    }
    return added;
  };

  const run = async (input: Uint8Array): Promise<number> => {
    mirror.set(input.subarray(0, mirror.length));
    Atomics.store(header, 1, Math.min(input.length, mirror.length));
    const t0 = performance.now();
    await target(input, (detail) => report('crash', input, detail), phase);
    const ms = performance.now() - t0;
    if (ms > data.slowMs) report('slow', input, `${ms.toFixed(0)} ms`);
    execs++;
    Atomics.add(header, 0, 1);
    phase(PHASE_COVERAGE);
    const added = await newFeatures();
    phase(0);
    return added;
  };

  const report = (kind: 'crash' | 'slow', bytes: Uint8Array, detail: string) =>
    parentPort!.postMessage({ type: 'finding', kind, bytes, detail } satisfies WorkerMessage);

  // Seeds first: each one that adds coverage joins the corpus.
  await newFeatures();
  for (const s of data.seeds) if ((await run(s)) > 0) corpus.push(s);
  if (corpus.length === 0) corpus.push(...data.seeds.slice(0, 1));

  let lastStats = performance.now();
  for (;;) {
    // Favour recent finds a little: they sit at the frontier of coverage.
    const parent =
      corpus[
        r() < 0.3 ? corpus.length - 1 - Math.floor(r() * Math.min(16, corpus.length)) : Math.floor(r() * corpus.length)
      ];
    const child = mutate(parent, r, () => corpus[Math.floor(r() * corpus.length)], data.maxLength);
    const added = await run(child);
    if (added > 0) {
      corpus.push(child);
      parentPort!.postMessage({ type: 'new', bytes: child, features: added } satisfies WorkerMessage);
    }
    if (performance.now() - lastStats > 1000) {
      lastStats = performance.now();
      parentPort!.postMessage({
        type: 'stats',
        execs,
        features: features.size,
        blocks: blocks.size,
        corpus: corpus.length,
      } satisfies WorkerMessage);
    }
  }
}

// Imported by the supervisor for its types and PHASES: only a worker runs the loop.
if (!isMainThread)
  main().catch((e) => {
    parentPort!.postMessage({
      type: 'finding',
      kind: 'crash',
      bytes: new Uint8Array(0),
      detail: `fuzzer worker failed: ${e instanceof Error ? e.stack : String(e)}`,
    } satisfies WorkerMessage);
  });
