// The CLI on the batch service with real processes: n shards from Kubernetes / Slurm environments
// merged equal one run row for row; kill -9 mid-run then re-runs lose and duplicate no row; a full
// disk and a read-only output are reported clearly and keep what was written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRows } from '../../../src/core/batch/jsonl';
import type { BatchRow } from '../../../src/core/batch/types';
import { batchModel, buildOnce, DIST, makeDataset, workDir } from '../batch/helpers';
import { png16 } from '../../fixtures/images';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';

const CLI = join(DIST, 'cli.js');
let work: string;
let data: string;
let manifest: string;

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

/** What must agree between runs: everything but timing. */
function essence(rows: BatchRow[]): string[] {
  return rows.map(({ ms: _ms, at: _at, ...rest }) => JSON.stringify(rest, Object.keys(rest).sort())).sort();
}

before(async () => {
  buildOnce();
  work = workDir('batch-cli');
  data = await makeDataset(work, 24);
  manifest = batchModel(join(work, 'models')).manifestPath;
});

test('n shards from JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID, merged, equal a single run row for row', async () => {
  const single = join(work, 'single.jsonl');
  assert.equal(cli(['score', data, '--model', manifest, '--out', single]).status, 2);
  const n = 3;
  const run = (i: number, env: Record<string, string>, out: string) =>
    new Promise<number>((resolve) => {
      const p = spawn(process.execPath, [CLI, 'score', data, '--model', manifest, '--out', out], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      p.on('exit', (code) => resolve(code ?? -1));
    });
  const k8s = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      run(i, { JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: String(n) }, join(work, `k8s-{shard}.jsonl`)),
    ),
  );
  assert.ok(
    k8s.every((c) => c === 0 || c === 2),
    `exit codes ${k8s}`,
  );
  const parts = Array.from({ length: n }, (_, i) => join(work, `k8s-${i}.jsonl`));
  const sizes = parts.map((p) => parseRows(readFileSync(p, 'utf8')).rows.length);
  assert.equal(
    sizes.reduce((a, b) => a + b),
    parseRows(readFileSync(single, 'utf8')).rows.length,
  );
  assert.ok(
    sizes.every((s) => s > 0),
    `every shard did some work: ${sizes}`,
  );
  const merged = join(work, 'merged.jsonl');
  const m = cli(['merge', '--out', merged, ...parts]);
  assert.equal(m.status, 0, m.stderr);
  assert.deepEqual(
    essence(parseRows(readFileSync(merged, 'utf8')).rows),
    essence(parseRows(readFileSync(single, 'utf8')).rows),
  );
  assert.ok(existsSync(`${merged}.idx`));

  // Slurm arrays (1-based here, as `--array=1-3` gives) the same way.
  const slurm = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      run(
        i,
        { SLURM_ARRAY_TASK_ID: String(i + 1), SLURM_ARRAY_TASK_COUNT: String(n), SLURM_ARRAY_TASK_MIN: '1' },
        join(work, `slurm-{shard}.jsonl`),
      ),
    ),
  );
  assert.ok(slurm.every((c) => c === 0 || c === 2));
  const merged2 = join(work, 'merged2.jsonl');
  assert.equal(cli(['merge', '--out', merged2, ...parts.map((p) => p.replace('k8s', 'slurm'))]).status, 0);
  assert.deepEqual(
    essence(parseRows(readFileSync(merged2, 'utf8')).rows),
    essence(parseRows(readFileSync(single, 'utf8')).rows),
  );
});

test('kill -9 at random points, then re-runs: no row lost, none duplicated, scores as an uninterrupted run', async () => {
  const big = join(work, 'big');
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < 90; i++)
    writeFileSync(
      join(big, `k${String(i).padStart(3, '0')}.png`),
      await png16(96, 80, (x, y) => (x * (i + 3) + y * 7 + i) % 4096),
    );
  const reference = join(work, 'kill-ref.jsonl');
  assert.equal(cli(['score', big, '--model', manifest, '--out', reference]).status, 0);
  const out = join(work, 'kill.jsonl');
  const kills: number[] = [];
  // Kill points from the run's seed (scripts/test-unit.mjs prints it; --seed N replays them): the CLI's test
  // hook kills its whole process group once that many files of the attempt are scored, before their rows are
  // written. A kill from outside raced the run, and on a quiet machine the run won (fresh clone: 90,90,90,90).
  const killAfter = fc.sample(fc.integer({ min: 1, max: 12 }), 4);
  for (const killAt of killAfter) {
    const p = spawn(process.execPath, [CLI, 'score', big, '--model', manifest, '--out', out], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, XRAY_ANOMALY_ENGINE_TEST_HOOKS: '1', XRAY_ANOMALY_TEST_KILL_AFTER: String(killAt) },
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      p.on('exit', (c, s) => r([c, s])),
    );
    const rows = existsSync(out) ? parseRows(readFileSync(out, 'utf8')).rows.length : 0;
    kills.push(rows);
    // Killed unless the attempt had fewer files left than the kill point plus one model batch (16).
    if (rows < 90) assert.equal(signal, 'SIGKILL', `attempt killed after ${killAt} (exit ${code})`);
  }
  // The first kill comes after at most 12 + 15 files of 90: always mid-run.
  assert.ok(kills[0] < 90, `killed before the end (${kills})`);
  const r = cli(['score', big, '--model', manifest, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const rows = parseRows(readFileSync(out, 'utf8'));
  assert.deepEqual(rows.badLines, []);
  assert.equal(rows.rows.length, 90, `rows after kills ${kills} and a re-run`);
  assert.equal(new Set(rows.rows.map((x) => x.path)).size, 90);
  assert.deepEqual(essence(rows.rows), essence(parseRows(readFileSync(reference, 'utf8')).rows));
});

/** A small tmpfs (needs root and permission to mount; skipped otherwise, saying why). */
function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return 'needs root to mount a small file system';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `mount failed: ${r.stderr.trim()}`;
}

const mounts: string[] = [];

test('a full disk, then a read-only one: reported clearly (exit 3), nothing written is lost, a re-run completes', async (t) => {
  const dir = join(work, 'small-disk');
  const why = mountTmpfs(dir, '16k');
  if (why) return t.skip(why);
  mounts.push(dir);
  const out = join(dir, 'r.jsonl');
  const full = cli(['score', join(work, 'big'), '--model', manifest, '--out', out]);
  assert.equal(full.status, 3, full.stderr);
  assert.match(full.stderr, /The disk is full \(ENOSPC\): cannot .*\. Rows written before are kept/);
  const kept = parseRows(readFileSync(out, 'utf8'));
  assert.deepEqual(kept.badLines, []);
  assert.ok(kept.rows.length > 0 && kept.rows.length < 90, `${kept.rows.length} rows kept`);
  // How many were scored, and how many of them reached the store: the rows kept.
  const said = /stopped with (\d+) of 90 files scored, (\d+) saved; 0 up to date/.exec(full.stderr);
  assert.ok(said, full.stderr);
  assert.equal(Number(said[2]), kept.rows.length);
  assert.ok(Number(said[1]) >= kept.rows.length, said[0]);

  assert.equal(spawnSync('mount', ['-o', 'remount,ro', dir]).status, 0);
  const ro = cli(['score', join(work, 'big'), '--model', manifest, '--out', out]);
  assert.equal(ro.status, 3, ro.stderr);
  assert.match(ro.stderr, /read-only \(EROFS\)/);
  assert.match(
    ro.stderr,
    new RegExp(`stopped before scoring: nothing scored or saved; ${kept.rows.length} files kept`),
  );
  assert.deepEqual(parseRows(readFileSync(out, 'utf8')).rows, kept.rows);

  assert.equal(spawnSync('mount', ['-o', 'remount,rw,size=4m', dir]).status, 0);
  const done = cli(['score', join(work, 'big'), '--model', manifest, '--out', out]);
  assert.equal(done.status, 0, done.stderr);
  const rows = parseRows(readFileSync(out, 'utf8')).rows;
  assert.equal(rows.length, 90);
  assert.equal(new Set(rows.map((r) => r.path)).size, 90);
});

after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});
