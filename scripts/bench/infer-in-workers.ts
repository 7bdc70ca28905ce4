/**
 * What "inference in the prep workers" would give the speed race (models/README.md, speed race): W worker
 * threads, each reading, hashing, decoding and preprocessing its share of the race's files with the product's
 * own code and scoring them on its own one-thread ONNX Runtime session, so both cores infer and no tensor
 * crosses threads. No batch service, no store, no engine protocol: an upper bound for that design, not the
 * product. Run bench:vs-pytorch first (it writes the CAE and the file list).
 *
 * Usage: node --import tsx scripts/bench/infer-in-workers.ts [--size 256] [--workers 2] [--batch 2] [--passes 5]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const size = Number(arg('size', '256'));
const workers = Number(arg('workers', '2'));
const batch = Number(arg('batch', '2'));
const passes = Number(arg('passes', '5'));
const work = join(ROOT, '.cache/bench-vs-pytorch');
const files = readFileSync(join(work, 'files.txt'), 'utf8').trim().split('\n');
const dir = join(work, `cae-${size}`);

/** CPU ms of this process, every thread (Linux /proc; 10 ms ticks). */
function processCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function main(): Promise<void> {
  const job = join(__dirname, 'infer-in-workers-job.ts');
  const data = { onnx: join(dir, 'bench-cae.onnx'), manifest: join(dir, 'bench-cae.model.json'), batch };
  const pool = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<Worker>((ready, fail) => {
          // The job is TypeScript: the worker loads it through tsx as this process does.
          const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(job)});`, {
            eval: true,
            workerData: data,
          });
          w.once('message', () => ready(w));
          w.once('error', fail);
        }),
    ),
  );
  const run = (list: string[]) =>
    Promise.all(
      pool.map(
        (w, k) =>
          new Promise<number[]>((done) => {
            w.once('message', done);
            w.postMessage(list.filter((_, i) => i % workers === k));
          }),
      ),
    );
  for (let pass = 0; pass < passes; pass++) {
    const cpu0 = processCpuMs();
    const t0 = performance.now();
    await run(files);
    const secs = (performance.now() - t0) / 1000;
    const cpu = (processCpuMs() - cpu0) / files.length;
    console.log(
      `size ${size}, ${workers} workers, batches of ${batch}, pass ${pass}: ${(files.length / secs).toFixed(1)} img/s, ${cpu.toFixed(2)} CPU ms/img`,
    );
  }
  await Promise.all(pool.map((w) => w.terminate()));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
