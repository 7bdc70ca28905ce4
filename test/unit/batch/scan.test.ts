// Scanning a dataset folder: include/exclude globs, VS Code's files.exclude (relative to the workspace
// folder, passed as the setting's object), extension-less DICOM by its preamble, sizes and times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { looksLikeDicom, scanDataset } from '../../../src/core/dataset/scan';
import { nodeDatasetFs } from '../../../src/engine/batch/nodeFs';
import { makeDicom } from '../../fixtures/dicom';

async function tree(): Promise<string> {
  const ws = mkdtempSync(join(tmpdir(), 'scan-ds-'));
  const files: Record<string, Uint8Array | string> = {
    'data/a/1.PNG': 'x',
    'data/a/2.dcm': 'x',
    'data/a/tmp/3.png': 'x',
    'data/b/IM0001': await makeDicom({ width: 8, height: 8 }),
    'data/b/README': 'plain text without an extension, longer than nothing at all',
    'data/b/short': 'x',
    'data/.hidden/4.png': 'x',
    'data/node_modules/5.png': 'x',
    'data/c/6.jpeg': 'x',
    'data/c/7.txt': 'x',
  };
  for (const [p, v] of Object.entries(files)) {
    mkdirSync(join(ws, p, '..'), { recursive: true });
    writeFileSync(join(ws, p), v);
  }
  return ws;
}

test('default: every image extension (any case), extension-less DICOM, hidden and node_modules skipped', async () => {
  const ws = await tree();
  const got = await scanDataset(join(ws, 'data'), nodeDatasetFs);
  assert.deepEqual(
    got.map((f) => f.path),
    ['a/1.PNG', 'a/2.dcm', 'a/tmp/3.png', 'b/IM0001', 'c/6.jpeg'],
  );
  const st = statSync(join(ws, 'data/a/2.dcm'));
  assert.deepEqual(got[1], { path: 'a/2.dcm', size: st.size, mtimeMs: st.mtimeMs });
  assert.deepEqual(
    (await scanDataset(join(ws, 'data'), nodeDatasetFs, { sniffDicom: false })).map((f) => f.path),
    ['a/1.PNG', 'a/2.dcm', 'a/tmp/3.png', 'c/6.jpeg'],
  );
});

test('include, exclude and files.exclude (written for the workspace folder, with base)', async () => {
  const ws = await tree();
  const root = join(ws, 'data');
  const paths = async (o: Parameters<typeof scanDataset>[2]) =>
    (await scanDataset(root, nodeDatasetFs, o)).map((f) => f.path);
  assert.deepEqual(await paths({ include: ['**/*.dcm'], sniffDicom: false }), ['a/2.dcm']);
  assert.deepEqual(await paths({ exclude: ['**/tmp'] }), ['a/1.PNG', 'a/2.dcm', 'b/IM0001', 'c/6.jpeg']);
  assert.deepEqual(await paths({ exclude: ['a/**', '**/IM*'] }), ['c/6.jpeg']);
  // files.exclude as VS Code holds it: only `true` entries count; patterns are relative to the workspace.
  assert.deepEqual(
    await paths({
      filesExclude: { 'data/a': true, '**/c': false, '**/*.jpeg': { when: '$(basename).x' } },
      base: 'data',
    }),
    ['b/IM0001', 'c/6.jpeg'],
  );
});

test('the DICOM preamble check', () => {
  const head = new Uint8Array(132);
  head.set([0x44, 0x49, 0x43, 0x4d], 128);
  assert.equal(looksLikeDicom(head), true);
  assert.equal(looksLikeDicom(head.subarray(0, 131)), false);
  head[131] = 0;
  assert.equal(looksLikeDicom(head), false);
});
