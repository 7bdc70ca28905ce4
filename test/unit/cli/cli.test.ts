// The headless CLI end to end: real engine process, generated images and a known-output model.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { png16 } from '../../fixtures/images';
import { textBytes } from '../../fixtures/dicom';
import { writeReconstructionModel } from '../../fixtures/models';
import { parseResults } from '../../../src/core/results/store';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
let work: string;
let manifest: string;

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

before(async () => {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  work = mkdtempSync(join(tmpdir(), 'cli-'));
  mkdirSync(join(work, 'data/NORMAL'), { recursive: true });
  mkdirSync(join(work, 'data/PNEUMONIA'), { recursive: true });
  for (let i = 0; i < 4; i++)
    writeFileSync(join(work, `data/NORMAL/n${i}.png`), await png16(64, 64, (x, y) => 20000 + ((x + y + i) % 7) * 10));
  for (let i = 0; i < 4; i++)
    writeFileSync(
      join(work, `data/PNEUMONIA/p${i}.png`),
      await png16(64, 64, (x, y) => (x * 7919 + y * 104729 + i * 31) % 65536),
    );
  writeFileSync(join(work, 'data/NORMAL/broken.png'), textBytes());
  manifest = writeReconstructionModel(join(work, 'models'), { name: 'recon', kind: 'blur' }).manifestPath;
});

test('score: every image gets a record, a broken file is recorded and the batch goes on (exit 2)', () => {
  const out = join(work, 'r1.jsonl');
  const r = cli(['score', join(work, 'data'), '--model', manifest, '--out', out, '--provider', 'cpu']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /9 processed .*: 8 rows scored, 1 failed \((UNSUPPORTED_FORMAT|CORRUPT): 1\)/);
  assert.match(r.stderr, /model recon 1\.0\.0 on cpu/);
  // Dataset-quality summary: the broken file is the unreadable one; the others were measured.
  assert.match(r.stdout, /^quality: 9 files \(8 measured\): .*\b1 unreadable\b/m);
  const { records } = parseResults(readFileSync(out, 'utf8'));
  assert.equal(records.length, 9);
  assert.ok((records.find((x) => x.path === 'NORMAL/broken.png')?.error?.code.length ?? 0) > 0);
  // Nothing left to do: exit 0 only when no file failed, so the failed one keeps it at 2.
  const again = cli(['score', join(work, 'data'), '--model', manifest, '--out', out]);
  assert.equal(again.status, 2);
  assert.match(again.stdout, /0 processed .* 9 already up to date/);
});

test('score: a renamed file takes its stored result (same content), nothing is scored again', () => {
  const data = join(work, 'data-moved');
  cpSync(join(work, 'data'), data, { recursive: true });
  const out = join(work, 'r-moved.jsonl');
  assert.equal(cli(['score', data, '--model', manifest, '--out', out, '--provider', 'cpu']).status, 2);
  renameSync(join(data, 'PNEUMONIA/p1.png'), join(data, 'PNEUMONIA/p1-renamed.png'));
  const r = cli(['score', data, '--model', manifest, '--out', out, '--provider', 'cpu']);
  assert.match(r.stdout, /0 processed .*, 1 reused from the same content under another path/);
  const { records } = parseResults(readFileSync(out, 'utf8'));
  const was = records.find((x) => x.path === 'PNEUMONIA/p1.png')!;
  const now = records.find((x) => x.path === 'PNEUMONIA/p1-renamed.png')!;
  assert.equal(now.score?.raw, was.score?.raw);
});

test('score resumes after a crash: a torn last line is re-scored, finished ones are not', () => {
  const out = join(work, 'r2.jsonl');
  assert.ok(
    [0, 2].includes(cli(['score', join(work, 'data'), '--model', manifest, '--out', out, '--shard', '0/2']).status!),
  );
  const first = parseResults(readFileSync(out, 'utf8')).records;
  const before = first.length;
  assert.ok(before > 0 && before < 9, `shard 0/2 scored ${before} of 9`);
  appendFileSync(out, '{"path":"NORMAL/n'); // what a kill mid-write leaves
  const r = cli(['score', join(work, 'data'), '--model', manifest, '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /repaired a torn last line \(truncate\)/);
  assert.match(r.stderr, new RegExp(`${before} rows from earlier runs`));
  assert.match(r.stdout, new RegExp(`${9 - before} processed`));
  const { records } = parseResults(readFileSync(out, 'utf8'));
  // One record per image: the finished ones were kept as they were and not scored again (a duplicate
  // record would leave the path count at 9 but the record count above it).
  assert.equal(records.length, 9, records.map((x) => x.path).join(', '));
  assert.equal(new Set(records.map((x) => x.path)).size, 9);
  assert.deepEqual(records.slice(0, before), first);
});

test('eval prints ROC-AUC, AP and the confusion matrix at the calibrated threshold', () => {
  const r = cli(['eval', '--data', join(work, 'data'), '--model', manifest]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  // Noise images reconstruct far worse under a blur than near-flat ones: perfect separation.
  assert.equal(report.rocAuc, 1);
  assert.equal(report.images.normal, 4);
  assert.equal(report.images.failed, 1);
  assert.equal(report.confusion.tp + report.confusion.fn, 4);
});

test('clear errors for a bad model id and a missing folder', () => {
  const r = cli(['score', join(work, 'data'), '--model', 'no-such-model']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no model with id "no-such-model"/);
  const r1 = cli(['score', join(work, 'nope'), '--model', manifest]);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /nope does not exist/);
  const r2 = cli(['frobnicate']);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /unknown command/);
});

test('quality thresholds as options (the xrayAnomaly.quality.* settings): used, listed in --help, refused out of range', () => {
  const out = join(work, 'rq.jsonl');
  cli(['score', join(work, 'data'), '--model', manifest, '--out', out, '--provider', 'cpu']);
  // Nothing left to score: the quality lines are re-derived from the store with the options' thresholds.
  const r = cli(['score', join(work, 'data'), '--model', manifest, '--out', out, '--low-entropy', '8']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /^quality: 9 files \(8 measured\): .*\b[1-8] low information\b/m);
  const help = cli(['--help']);
  assert.match(help.stdout, /--dark-level <0-255, default 64>/);
  assert.match(help.stdout, /--near-duplicate-bits <0-16, default 2>/);
  const bad = cli(['score', join(work, 'data'), '--model', manifest, '--dark-level', '300']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--dark-level must be a number from 0 to 255; got "300"/);
});
