// `npm run bench`: every benchmark in turn (each is also its own `npm run bench:*`). Benchmarks report
// ratios against a reference run made side by side in the same process, so figures from a busy machine
// still compare; absolute times are printed too. bench:accuracy needs a labelled folder
// (`--data <dir with NORMAL/ and PNEUMONIA/>`, default ../shared/data/chest-xray-pneumonia/train) and
// bench:fit its NORMAL/ images; each is skipped (and listed so) when they are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
const dataArg = process.argv.indexOf('--data');
const data = dataArg > 0 ? process.argv[dataArg + 1] : join(root, '../shared/data/chest-xray-pneumonia/train');
// A benchmark whose data is missing is listed as skipped, never as ok.
const normals = join(data, 'NORMAL');
const plan = [
  ['bench:preprocess', []],
  ['bench:fit', existsSync(normals) ? ['--data', normals] : null],
  ['bench:viewer', []],
  ['bench:accuracy', existsSync(data) ? ['--data', data] : null],
];
const results = [];
for (const [name, args] of plan) {
  if (!scripts[name]) continue;
  if (args === null) {
    console.log(
      `\n=== ${name}: skipped (no ${name === 'bench:fit' ? normals : `labelled data folder at ${data}`}; pass --data)`,
    );
    results.push([name, 'skipped']);
    continue;
  }
  console.log(`\n=== ${name} ${args.join(' ')}`);
  const r = spawnSync('npm', ['run', '--silent', name, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  results.push([name, r.status === 0 ? 'ok' : `failed (exit ${r.status})`]);
}
console.log('\n' + results.map(([n, s]) => `${n}: ${s}`).join('\n'));
process.exit(results.some(([, s]) => s.startsWith('failed')) ? 1 : 0);
