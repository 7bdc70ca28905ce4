// The label file on a real disk: two windows (two LabelFile objects) editing one file merge, a clash is
// reported, a hand-broken file is reported with its line and never overwritten, and no temp file is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLabelFile } from '../../../src/core/labels/csv';
import { LabelFile, LabelFileError } from '../../../src/extension/labels/labelFile';

function clock(start: number) {
  let t = start;
  return () => new Date((t += 1000)).toISOString();
}

test('two windows labelling one file: edits of both land, each on the freshest file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  const file = join(dir, 'labels', 'alice.csv');
  const a = new LabelFile(file, clock(0));
  const b = new LabelFile(file, clock(500));
  await a.sync();
  await b.sync();
  await a.edit([{ path: 'x/1.png', label: 'normal' }]);
  await b.edit([{ path: 'x/2.png', label: 'abnormal' }]);
  const r = await a.edit([{ path: 'x/3.png', label: 'unsure' }]);
  assert.deepEqual(r.conflicts, []);
  const onDisk = parseLabelFile(readFileSync(file, 'utf8'));
  assert.ok(onDisk.ok);
  if (onDisk.ok)
    assert.deepEqual(
      [...onDisk.entries.values()].map((e) => [e.path, e.label]),
      [
        ['x/1.png', 'normal'],
        ['x/2.png', 'abnormal'],
        ['x/3.png', 'unsure'],
      ],
    );
  // Both change x/1.png: b's clock is later, so b's edit is kept when a syncs.
  await a.edit([{ path: 'x/1.png', label: 'abnormal' }]);
  await b.sync();
  const clash = await b.edit([{ path: 'x/1.png', label: 'unsure' }]);
  assert.deepEqual(clash.conflicts, []);
  await a.edit([{ path: 'x/9.png', label: 'normal' }]);
  assert.equal(a.entries.get('x/1.png')?.label, 'unsure', 'a took b’s later edit');
  // Each edit is applied to the freshest file (read just before the write), so a later edit of the same
  // image in another window composes with the earlier one instead of clashing.
  await a.edit([{ path: 'x/2.png', note: 'from a' }]);
  const rb = await b.edit([{ path: 'x/2.png', label: 'unsure' }]);
  assert.deepEqual(rb.conflicts, []);
  assert.deepEqual([b.entries.get('x/2.png')?.label, b.entries.get('x/2.png')?.note], ['unsure', 'from a']);
  assert.deepEqual(
    readdirSync(join(dir, 'labels')).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file is left behind',
  );
});

test('a file edited by hand into an invalid state is reported with its line and never overwritten', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  const file = join(dir, 'set.csv');
  const lf = new LabelFile(file, clock(0));
  await lf.edit([{ path: 'a.png', label: 'normal' }]);
  const broken = 'path,label,note,sha256,updated\na.png,normal,,,\nb.png,maybe,,,\n';
  writeFileSync(file, broken);
  const s = await lf.sync();
  assert.deepEqual(
    s.invalid?.map((p) => p.line),
    [3],
  );
  await assert.rejects(lf.edit([{ path: 'c.png', label: 'abnormal' }]), (err: unknown) => {
    assert.ok(err instanceof LabelFileError);
    assert.match(err.message, /line 3: unknown label "maybe"/);
    return true;
  });
  await assert.rejects(lf.undo(), LabelFileError);
  assert.equal(readFileSync(file, 'utf8'), broken, 'the broken file is kept byte for byte');
  // Fixed by hand: the next edit merges the fix with ours.
  writeFileSync(file, broken.replace('maybe', 'unsure'));
  const ok = await lf.edit([{ path: 'c.png', label: 'abnormal' }]);
  assert.equal(ok.invalid, undefined);
  assert.deepEqual(
    [...lf.entries.values()].map((e) => [e.path, e.label]),
    [
      ['a.png', 'normal'],
      ['b.png', 'unsure'],
      ['c.png', 'abnormal'],
    ],
  );
  assert.equal((await lf.undo()).changed, 1);
  assert.equal(lf.entries.has('c.png'), false);
});

test('two windows writing at the same moment: interleaved read-merge-writes lose no edit of either', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  const file = join(dir, 'labels', 'shared.csv');
  const a = new LabelFile(file, clock(0));
  const b = new LabelFile(file, clock(250));
  // Each window's edits run one after the other (as its keys do); the two windows run at once, so their reads
  // and writes of the one file interleave at every await.
  const burst = (w: LabelFile, who: string) =>
    Promise.all(Array.from({ length: 25 }, (_, i) => w.edit([{ path: `${who}/${i}.png`, label: 'normal' }])));
  await Promise.all([burst(a, 'a'), burst(b, 'b')]);
  await a.sync();
  await b.sync();
  const onDisk = parseLabelFile(readFileSync(file, 'utf8'));
  assert.ok(onDisk.ok);
  if (!onDisk.ok) return;
  const paths = [...onDisk.entries.keys()];
  assert.equal(
    paths.length,
    50,
    `lost: ${['a', 'b']
      .flatMap((w) => Array.from({ length: 25 }, (_, i) => `${w}/${i}.png`))
      .filter((p) => !onDisk.entries.has(p))
      .join(' ')}`,
  );
  assert.deepEqual([...a.entries.keys()].sort(), paths.sort());
  assert.deepEqual([...b.entries.keys()].sort(), paths.sort());
});

test('two processes (two windows’ extension hosts) labelling one file at once: every edit of both lands', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  const file = join(dir, 'labels', 'shared.csv');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fixtures', 'labelWriter.ts'), file, 'other', '30'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  const said = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (lines.includes(what) ? resolve() : undefined);
      child.stdout!.on('data', (d: Buffer) => {
        lines.push(...d.toString().split('\n').filter(Boolean));
        check();
      });
      child.once('exit', (code) => (lines.includes(what) ? resolve() : reject(new Error(`writer exited ${code}`))));
      check();
    });
  await said('ready');
  const mine = new LabelFile(file);
  child.stdin!.write('go\n');
  for (let i = 0; i < 30; i++) await mine.edit([{ path: `this/${i}.png`, label: 'normal' }]);
  await said('done');
  child.stdin!.end();
  await mine.sync();
  const onDisk = parseLabelFile(readFileSync(file, 'utf8'));
  assert.ok(onDisk.ok);
  if (!onDisk.ok) return;
  const labels = [...onDisk.entries.values()].map((e) => `${e.path.split('/')[0]}:${e.label}`);
  assert.equal(labels.filter((l) => l === 'this:normal').length, 30);
  assert.equal(labels.filter((l) => l === 'other:abnormal').length, 30);
  assert.equal(mine.entries.size, 60, 'this window sees the other’s labels too');
});

test('changedOnDisk: false after its own write and after a read, true once another window wrote', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'labels-')), 'labels', 'set.csv');
  const a = new LabelFile(file, clock(0));
  const b = new LabelFile(file, clock(500));
  assert.equal(await a.changedOnDisk(), false, 'no file, none read');
  await a.edit([{ path: 'x/1.png', label: 'normal' }]);
  assert.equal(await a.changedOnDisk(), false, 'its own write');
  await b.edit([{ path: 'x/2.png', label: 'abnormal' }]);
  assert.equal(await a.changedOnDisk(), true, 'the other window wrote');
  await a.sync();
  assert.equal(await a.changedOnDisk(), false, 'read again');
  assert.equal(a.entries.get('x/2.png')?.label, 'abnormal');
});
