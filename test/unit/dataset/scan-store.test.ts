import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  assert.equal(stableHash('images/a.dcm'), stableHash('images/a.dcm'));
  assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
  assert.throws(() => parseShard('4/4'), /0 <= i < n/);
  assert.throws(() => parseShard('x'), /i\/n/);
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
