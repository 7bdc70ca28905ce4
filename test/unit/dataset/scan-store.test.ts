import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { inShard, parseShard, scanImages, stableHash, type ScanFs } from '../../../src/core/dataset/scan';
import { formatRecord, latestByKey, parseResults, type ResultRecord } from '../../../src/core/results/store';

const fs: ScanFs = {
  readdir: async (d) =>
    (await fsp.readdir(d, { withFileTypes: true })).map((e) => ({
      name: e.name,
      isDirectory: e.isDirectory(),
      isFile: e.isFile(),
    })),
};

test('scanImages lists images recursively, sorted, skipping hidden folders and other files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'scan-'));
  for (const p of ['b/2.PNG', 'a/1.dcm', 'a/notes.txt', '.hidden/x.png', 'c.tiff', 'node_modules/y.png']) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), 'x');
  }
  assert.deepEqual(await scanImages(root, fs), ['a/1.dcm', 'b/2.PNG', 'c.tiff']);
  await assert.rejects(scanImages(root, fs, { maxFiles: 2 }), /More than 2 images/);
});

test('shards partition any path set exactly', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 200 }),
      fc.integer({ min: 1, max: 9 }),
      (paths, n) => {
        const counts = paths.map(
          (p) => Array.from({ length: n }, (_, i) => inShard(p, { index: i, count: n })).filter(Boolean).length,
        );
        return counts.every((c) => c === 1);
      },
    ),
  );
  assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
  assert.throws(() => parseShard('4/4'), /0 <= i < n/);
  assert.throws(() => parseShard('x'), /i\/n/);
});

test('stableHash is 32-bit FNV-1a of the UTF-16 code units: pinned values', () => {
  // FNV-1a reference vectors ('', 'a', 'foobar': ASCII, so the code units are the bytes) and paths
  // computed independently (Python, from the UTF-16LE code units), one with an astral character.
  const pinned: [string, number][] = [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
    ['images/a.dcm', 0xa8a9c485],
    ['NORMAL/IM-0001-0001.jpeg', 0x86e9a38f],
    ['Bilder/Röntgen ü.dcm', 0x8e427ae2],
    ['x/\u{1F600}.png', 0x25c37c48],
  ];
  for (const [s, h] of pinned) assert.equal(stableHash(s), h, JSON.stringify(s));
});

test('stableHash and the shards agree across processes (shards run, and runs resume, in other processes)', () => {
  // Random paths from the run's seed; another Node process, with another time zone, locale and heap
  // size, must give every one the same hash and shard.
  const paths = fc.sample(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), { numRuns: 300 });
  paths.push('images/a.dcm', 'Bilder/Röntgen ü.dcm');
  const here = paths.map((p) => [stableHash(p), [0, 1, 2].find((i) => inShard(p, { index: i, count: 3 }))]);
  const child = spawnSync(
    process.execPath,
    [
      '--max-old-space-size=256',
      '--import',
      'tsx',
      '-e',
      `const { stableHash, inShard } = require(${JSON.stringify(join(__dirname, '../../../src/core/dataset/scan.ts'))});
       const paths = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
       process.stdout.write(JSON.stringify(paths.map((p) => [stableHash(p), [0, 1, 2].find((i) => inShard(p, { index: i, count: 3 }))])));`,
    ],
    {
      input: JSON.stringify(paths),
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8' },
    },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), here);
});

test('results survive a torn last line and the latest record per image wins', () => {
  const rec = (path: string, raw: number): ResultRecord => ({
    path,
    modelId: 'm',
    modelVersion: '1',
    score: { raw, normalized: 0.5, aboveThreshold: false },
    ms: 1,
    at: 't',
  });
  const text =
    formatRecord(rec('a', 1)) +
    formatRecord(rec('b', 2)) +
    formatRecord(rec('a', 3)) +
    formatRecord(rec('c', 4)).slice(0, 20);
  const parsed = parseResults(text);
  assert.deepEqual(parsed.badLines, [4]);
  const latest = latestByKey(parsed.records);
  assert.equal(latest.size, 2);
  assert.equal([...latest.values()].find((r) => r.path === 'a')?.score?.raw, 3);
});
