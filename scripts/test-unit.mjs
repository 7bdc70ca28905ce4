// Runs every unit test (test/unit/**/*.test.ts) with Node's built-in test runner, TypeScript via tsx.
// Extra arguments are passed through as file filters (e.g. `npm run test:unit -- decode`).
// Every fast-check property of the run uses one seed, printed first: `--seed N` replays a run with it
// (test/unit/fast-check-seed.mjs configures fast-check in each test process).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { runSeed } from './lib/seed.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
let seedArg;
const filters = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--seed') seedArg = args[++i];
  else if (a.startsWith('--seed=')) seedArg = a.slice('--seed='.length);
  else if (!a.startsWith('-')) filters.push(a);
}
let seed;
try {
  seed = runSeed(seedArg);
} catch (err) {
  console.error(`--seed: ${err.message}`);
  process.exit(2);
}
const replay = `npm run test:unit -- --seed ${seed}${filters.length ? ` ${filters.join(' ')}` : ''}`;

const files = find('test/unit')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no unit test files matched');
  process.exit(1);
}
console.log(`[unit] fast-check seed ${seed} (replay: ${replay})`);
const setup = pathToFileURL(resolve('test/unit/fast-check-seed.mjs')).href;
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', setup, '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, XRAY_FC_SEED: String(seed) } },
);
if (r.status !== 0) console.log(`[unit] failed with fast-check seed ${seed} (replay: ${replay})`);
process.exit(r.status ?? 1);
