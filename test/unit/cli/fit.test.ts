// `xray-anomaly fit` end to end through the built CLI and a real engine process: a model is written and
// `eval` and `models` use it; Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// cancels cleanly with exit code 130 and leaves nothing; usage errors are clear.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PALM_BLOB, writePhantoms, writeRealBackbone, writeTinyBackbone } from '../fit/phantoms';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
let work: string;
let tiny: string;

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

before(async () => {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  work = mkdtempSync(join(tmpdir(), 'cli-fit-'));
  tiny = writeTinyBackbone(join(work, 'tiny'));
  await writePhantoms(join(work, 'normals/sub'), 12, (i) => ({ seed: 10 + i }));
  writeFileSync(join(work, 'normals/readme.png'), 'not an image');
  await writePhantoms(join(work, 'val/NORMAL'), 4, (i) => ({ seed: 60 + i }));
  await writePhantoms(join(work, 'val/PNEUMONIA'), 4, (i) => ({
    seed: 70 + i,
    blob: { ...PALM_BLOB, kind: i % 2 ? 'dark' : 'bright' },
  }));
  // A linked file scans like the file itself.
  symlinkSync(join(work, 'normals/sub/p000.png'), join(work, 'normals/link.png'));
});

test('fit writes a model with progress on stderr; eval and models use it', () => {
  const out = join(work, 'models');
  const r = cli([
    'fit',
    join(work, 'normals'),
    '--out',
    out,
    '--id',
    'phantoms',
    '--coreset',
    '0.05',
    '--backbone',
    tiny,
    '--name',
    'Phantom hands',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /fit: 14 images under/);
  assert.match(r.stderr, /fit: +\d+% features/);
  assert.match(r.stderr, /fit: 100% export/);
  assert.match(r.stdout, /wrote .*phantoms\.model\.json/);
  assert.match(r.stdout, /13 images used \(threshold cross-fitted on all 13 \(\d+ patients, \d+ folds\)\), 1 skipped/);
  assert.match(r.stdout, /warning: The threshold comes from only 13 images/);
  assert.match(r.stdout, /skipped .*readme\.png: \[UNSUPPORTED_FORMAT\]/);
  assert.deepEqual(readdirSync(out).sort(), ['phantoms.model.json', 'phantoms.onnx']);

  const e = cli(['eval', '--data', join(work, 'val'), '--model', join(out, 'phantoms.model.json')]);
  assert.equal(e.status, 0, e.stderr);
  const report = JSON.parse(e.stdout);
  assert.equal(report.rocAuc, 1);
  assert.equal(report.images.normal + report.images.abnormal, 8);
  assert.match(e.stderr, /actual PNEUMONIA/);

  const m = cli(['models', '--models-dir', out]);
  assert.match(m.stdout, /phantoms\t1\.0\.0\+[0-9a-f]{8}\tconfigured\tPhantom hands/);

  const again = cli(['fit', join(work, 'normals'), '--out', out, '--id', 'phantoms', '--backbone', tiny]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /phantoms\.onnx already exists/);
});

test('Ctrl-C cancels the fit: exit code 130, no model and no temporary file left', async () => {
  const many = join(work, 'many');
  await writePhantoms(many, 60, (i) => ({ seed: 200 + i, width: 256, height: 320 }));
  const real = writeRealBackbone(join(work, 'real'), 224);
  const out = join(work, 'cancelled');
  mkdirSync(out);
  const child = spawn(process.execPath, [CLI, 'fit', many, '--out', out, '--id', 'never', '--backbone', real], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!sent && /% features/.test(stderr)) {
      sent = true;
      // The whole process group, engine included, as a terminal's Ctrl-C.
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.ok(sent, stderr);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /cancelling/);
  assert.match(stderr, /cancelled; nothing was written/);
  assert.deepEqual(readdirSync(out), []);
});

test('fit usage errors', () => {
  assert.match(cli(['fit']).stderr, /fit needs a folder/);
  assert.match(cli(['fit', work]).stderr, /fit needs --out/);
  assert.match(cli(['fit', work, '--out', join(work, 'x')]).stderr, /fit needs --id/);
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const r = cli(['fit', empty, '--out', join(work, 'y'), '--id', 'y']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no images/);
  assert.equal(existsSync(join(work, 'y')), false, 'an output folder made for a failed fit is removed again');
  assert.match(
    cli(['fit', join(work, 'normals'), '--out', join(work, 'z'), '--id', 'z', '--coreset', 'lots']).stderr,
    /--coreset must be a number/,
  );
});
