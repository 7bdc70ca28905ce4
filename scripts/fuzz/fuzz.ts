/**
 * `npm run fuzz [-- --seconds N --seed S --out DIR --fresh]`: coverage-guided fuzzing of the DICOM
 * decode path (decodeImage and readDicomTags). jazzer.js cannot be installed here, so this is a small
 * fuzzer of its own on V8's precise block coverage (worker.ts), with DICOM-aware mutations
 * (mutate.ts), seeded with the test fixtures (seeds.ts).
 *
 * A finding is any exception other than XrayError ("crash"), an input that stops answering for
 * --hang-ms ("hang": the worker is stopped and restarted), or one that takes longer than --slow-ms
 * ("slow"). Findings are saved, with what went wrong, under DIR/findings; inputs that reached new
 * coverage under DIR/corpus, where the next run picks them up. DIR defaults to the git-ignored
 * .cache/fuzz. Exits 1 when a crash or hang was found.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { seedCorpus } from './seeds';
import { PHASES, type WorkerData, type WorkerMessage } from './worker';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    out: { type: 'string', default: '.cache/fuzz' },
    'max-length': { type: 'string', default: String(256 * 1024) },
    // Generous: on a loaded 2-core machine a 50 ms input can stall for seconds (hangs are replayed to confirm).
    'hang-ms': { type: 'string', default: '30000' },
    'slow-ms': { type: 'string', default: '1500' },
    fresh: { type: 'boolean', default: false },
  },
});

const seconds = Number(args.seconds);
const out = resolve(args.out!);
const corpusDir = join(out, 'corpus');
const findingsDir = join(out, 'findings');
const maxLength = Number(args['max-length']);
const hangMs = Number(args['hang-ms']);
const slowMs = Number(args['slow-ms']);
let seed = args.seed !== undefined ? Number(args.seed) : Date.now() >>> 0;

const hash = (b: Uint8Array) => createHash('sha1').update(b).digest('hex').slice(0, 16);
const say = (s: string) => console.log(`[fuzz] ${s}`);

interface Totals {
  execs: number;
  features: number;
  blocks: number;
  corpus: number;
  crash: number;
  hang: number;
  slow: number;
  restarts: number;
  initialFeatures?: number;
  initialBlocks?: number;
}

async function main(): Promise<void> {
  mkdirSync(corpusDir, { recursive: true });
  mkdirSync(findingsDir, { recursive: true });
  const seeds = (await seedCorpus()).map((s) => s.bytes);
  const saved = args.fresh ? [] : readdirSync(corpusDir).map((f) => new Uint8Array(readFileSync(join(corpusDir, f))));
  say(
    `${seeds.length} seeds, ${saved.length} saved corpus inputs; ${seconds} s, seed ${seed}, findings in ${findingsDir}`,
  );

  const totals: Totals = { execs: 0, features: 0, blocks: 0, corpus: 0, crash: 0, hang: 0, slow: 0, restarts: 0 };
  const seen = new Set<string>();
  const hangsThisRun = new Set<string>();
  const started = Date.now();
  const deadline = started + seconds * 1000;
  // Stats from earlier workers (after a hang restart) are added to the current one's.
  let carried = { execs: 0 };

  const save = (kind: string, bytes: Uint8Array, detail: string) => {
    // One file per distinct failure: the kind plus the first stack frame inside the project.
    const where =
      kind === 'crash'
        ? (detail.split('\n').find((l) => /\/(src|node_modules)\//.test(l)) ?? detail.split('\n')[0]).trim()
        : kind;
    const key = kind === 'hang' ? `hang:${hash(bytes)}` : `${kind}:${where}`;
    const name = `${kind}-${hash(bytes)}`;
    if (!seen.has(key)) {
      seen.add(key);
      if (kind === 'hang') hangsThisRun.add(name);
      totals[kind as 'crash' | 'hang' | 'slow']++;
      say(`FINDING ${kind}: ${detail.split('\n')[0]} -> ${name}.bin`);
      writeFileSync(join(findingsDir, `${name}.bin`), bytes);
      writeFileSync(join(findingsDir, `${name}.txt`), `${detail}\n`);
    }
  };

  const shared = new SharedArrayBuffer(12 + maxLength);
  const header = new Int32Array(shared, 0, 3);
  let worker: Worker | undefined;
  let lastBeat = -1;
  let lastBeatAt = Date.now();

  const start = () => {
    const corpus = [...seeds, ...readdirSync(corpusDir).map((f) => new Uint8Array(readFileSync(join(corpusDir, f))))];
    const data: WorkerData = { seeds: corpus, seed: seed++, shared, maxLength, slowMs };
    // Workers do not inherit tsx's loader: register it in the worker before loading the TypeScript entry.
    const entry = join(__dirname, 'worker.ts');
    worker = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: data,
    });
    lastBeat = -1;
    lastBeatAt = Date.now();
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'stats') {
        totals.execs = carried.execs + m.execs;
        totals.features = Math.max(totals.features, m.features);
        totals.blocks = Math.max(totals.blocks, m.blocks);
        totals.corpus = m.corpus;
        totals.initialFeatures ??= m.features;
        totals.initialBlocks ??= m.blocks;
      } else if (m.type === 'new') {
        writeFileSync(join(corpusDir, hash(m.bytes)), m.bytes);
      } else if (m.type === 'finding') {
        save(m.kind, m.bytes, m.detail);
      }
    });
    worker.on('error', (e) => save('crash', new Uint8Array(0), `worker error: ${e.stack ?? String(e)}`));
  };

  start();
  let lastPrint = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(async () => {
      const now = Date.now();
      const beat = Atomics.load(header, 0);
      if (beat !== lastBeat) {
        lastBeat = beat;
        lastBeatAt = now;
      } else if (now - lastBeatAt > hangMs && worker) {
        const length = Atomics.load(header, 1);
        const input = new Uint8Array(shared, 12, length).slice();
        save(
          'hang',
          input,
          `no result within ${hangMs} ms, in ${PHASES[Atomics.load(header, 2)] ?? 'an unknown phase'}`,
        );
        carried = { execs: totals.execs };
        await worker.terminate();
        totals.restarts++;
        start();
      }
      if (now - lastPrint >= 5000) {
        lastPrint = now;
        const s = (now - started) / 1000;
        say(
          `${formatTime(s)} execs ${totals.execs.toLocaleString('en-US')} (${Math.round(totals.execs / s)}/s) features ${totals.features.toLocaleString('en-US')} blocks ${totals.blocks.toLocaleString('en-US')} corpus ${totals.corpus} | crashes ${totals.crash} hangs ${totals.hang} slow ${totals.slow}`,
        );
      }
      if (now >= deadline) {
        clearInterval(timer);
        await worker?.terminate();
        done();
      }
    }, 250);
  });

  // A hang seen under load may be the machine, not the input: replay each alone, in a fresh worker.
  for (const f of [...hangsThisRun].map((n) => `${n}.bin`)) {
    const bytes = new Uint8Array(readFileSync(join(findingsDir, f)));
    const ms = await replay(bytes, hangMs);
    const verdict =
      ms === undefined
        ? `confirmed: still no result after ${hangMs} ms alone`
        : `not reproduced: ${ms.toFixed(0)} ms when replayed alone`;
    say(`${f}: ${verdict}`);
    writeFileSync(
      join(findingsDir, f.replace('.bin', '.txt')),
      `${readFileSync(join(findingsDir, f.replace('.bin', '.txt')), 'utf8')}replay: ${verdict}\n`,
    );
    if (ms !== undefined) totals.hang--;
  }

  const elapsed = (Date.now() - started) / 1000;
  const summary = {
    seconds: Math.round(elapsed),
    executions: totals.execs,
    execsPerSecond: Math.round(totals.execs / elapsed),
    coverage: {
      features: totals.features,
      blocks: totals.blocks,
      featuresAfterSeeds: totals.initialFeatures,
      blocksAfterSeeds: totals.initialBlocks,
    },
    corpus: totals.corpus,
    findings: { crash: totals.crash, hang: totals.hang, slow: totals.slow },
    workerRestarts: totals.restarts,
    seedUsed: Number(args.seed ?? NaN),
  };
  writeFileSync(join(out, 'last-run.json'), `${JSON.stringify(summary, null, 2)}\n`);
  say(`done: ${JSON.stringify(summary)}`);
  if (existsSync(findingsDir) && (totals.crash > 0 || totals.hang > 0)) process.exitCode = 1;
}

/** Runs one input in a fresh worker; its duration in ms, or undefined when it did not finish within `limitMs`. */
function replay(bytes: Uint8Array, limitMs: number): Promise<number | undefined> {
  const entry = join(__dirname, 'worker.ts');
  const data: WorkerData = {
    replay: bytes,
    seeds: [],
    seed: 1,
    shared: new SharedArrayBuffer(12),
    maxLength: 0,
    slowMs: 0,
  };
  const w = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: data,
  });
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      void w.terminate();
      resolvePromise(undefined);
    }, limitMs);
    w.on('message', (m: WorkerMessage) => {
      if (m.type !== 'replayed') return;
      clearTimeout(timer);
      void w.terminate();
      resolvePromise(m.ms);
    });
    w.on('error', () => {
      clearTimeout(timer);
      resolvePromise(undefined);
    });
  });
}

function formatTime(s: number): string {
  return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
