// Copy / move of selected images on a real disk (extension/results/transfer.ts): never overwriting, names that
// collide, failures part way reported with nothing lost, the confirmation asked once with the whole plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  diskOps,
  planTransfer,
  runTransfer,
  transferFiles,
  type TransferPlan,
} from '../../../src/extension/results/transfer';

function folder(files: Record<string, string>): { root: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'transfer-'));
  const root = join(dir, 'scored');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, ...p.split('/').slice(0, -1)), { recursive: true });
    writeFileSync(join(root, ...p.split('/')), text);
  }
  return { root, target: join(dir, 'picked') };
}

const read = (f: string) => readFileSync(f, 'utf8');

test('never overwrites: a name already in the folder is skipped before anything is touched, and said so', async () => {
  const { root, target } = folder({ 'a.png': 'A', 'b.png': 'B' });
  mkdirSync(target);
  writeFileSync(join(target, 'b.png'), 'already here');
  let asked: TransferPlan | undefined;
  const r = await transferFiles(root, ['a.png', 'b.png'], target, 'move', async (plan) => {
    asked = plan;
    return true;
  });
  assert.deepEqual(asked?.exists, ['b.png']);
  assert.deepEqual(
    asked?.items.map((i) => i.path),
    ['a.png'],
  );
  assert.deepEqual(
    r?.done.map((i) => i.path),
    ['a.png'],
  );
  assert.equal(read(join(target, 'a.png')), 'A');
  assert.equal(read(join(target, 'b.png')), 'already here');
  assert.equal(read(join(root, 'b.png')), 'B', 'the skipped image stays');
  assert.ok(!existsSync(join(root, 'a.png')), 'the moved one left');
});

test('names that collide: the first of the selection goes, the others are skipped and stay', async () => {
  const { root, target } = folder({ 'p1/x.png': '1', 'p2/x.png': '2', 'p3/X.png': '3', 'p3/y.png': 'y' });
  const plan = await planTransfer(root, ['p1/x.png', 'p2/x.png', 'p3/X.png', 'p3/y.png'], target, 'move');
  assert.deepEqual(plan.collide, process.platform === 'linux' ? ['p2/x.png'] : ['p2/x.png', 'p3/X.png']);
  const r = await runTransfer(plan);
  assert.equal(read(join(target, 'x.png')), '1');
  assert.equal(read(join(root, 'p2', 'x.png')), '2', 'the colliding image stays where it was');
  assert.deepEqual(r.failed, []);
});

test('a failure part way is reported and stops nothing else; no image is lost', async () => {
  const { root, target } = folder({ 'a.png': 'A', 'b.png': 'B', 'c.png': 'C', 'd.png': 'D' });
  const plan = await planTransfer(root, ['a.png', 'b.png', 'c.png', 'd.png'], target, 'move');
  // Between the plan and the run: b.png removed by someone else, c.png's name taken in the target.
  rmSync(join(root, 'b.png'));
  mkdirSync(target);
  writeFileSync(join(target, 'c.png'), 'came meanwhile');
  const r = await runTransfer(plan);
  assert.deepEqual(
    r.done.map((i) => i.path),
    ['a.png', 'd.png'],
  );
  assert.deepEqual(r.failed, [
    { path: 'b.png', reason: 'ENOENT' },
    { path: 'c.png', reason: 'EEXIST' },
  ]);
  assert.equal(read(join(target, 'c.png')), 'came meanwhile', 'not overwritten');
  assert.equal(read(join(root, 'c.png')), 'C', 'and the original kept');
});

test('a move whose original cannot be removed keeps both copies and says so', async () => {
  const { root, target } = folder({ 'a.png': 'A', 'b.png': 'B' });
  const plan = await planTransfer(root, ['a.png', 'b.png'], target, 'move');
  // The one injected failure (removal refused, as on a read-only share); copying is the real thing.
  const r = await runTransfer(plan, {
    copyExclusive: diskOps.copyExclusive,
    remove: async (f) => {
      if (f.endsWith('a.png')) throw Object.assign(new Error('read-only'), { code: 'EROFS' });
      await diskOps.remove(f);
    },
  });
  assert.deepEqual(r.notRemoved, [{ path: 'a.png', reason: 'EROFS' }]);
  assert.deepEqual(
    r.done.map((i) => i.path),
    ['b.png'],
  );
  assert.equal(read(join(root, 'a.png')), 'A');
  assert.equal(read(join(target, 'a.png')), 'A');
});

test('declined or empty: nothing is touched', async () => {
  const { root, target } = folder({ 'a.png': 'A' });
  assert.equal(await transferFiles(root, ['a.png'], target, 'move', async () => false), undefined);
  assert.equal(await transferFiles(root, [], target, 'move', async () => true), undefined);
  assert.ok(existsSync(join(root, 'a.png')));
  assert.ok(!existsSync(target));
});

test('property: after any move, every image is whole in exactly one place and no file in the target changed', async () => {
  const name = fc.constantFrom('a.png', 'b.png', 'c.png', 'd.png');
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.tuple(fc.constantFrom('s1', 's2', 's3'), name), { minLength: 1, maxLength: 8 }),
      fc.uniqueArray(name, { maxLength: 3 }),
      async (selected, already) => {
        const files = Object.fromEntries(selected.map(([d, n]) => [`${d}/${n}`, `${d}/${n} bytes`]));
        const { root, target } = folder(files);
        mkdirSync(target);
        for (const n of already) writeFileSync(join(target, n), `old ${n}`);
        const r = await transferFiles(root, Object.keys(files), target, 'move', async () => true);
        for (const [p, text] of Object.entries(files)) {
          const inSource = existsSync(join(root, ...p.split('/')));
          const moved = r?.done.some((i) => i.path === p) ?? false;
          assert.equal(inSource, !moved, p);
          if (moved) assert.equal(read(join(target, p.split('/')[1])), text);
          else assert.equal(read(join(root, ...p.split('/'))), text);
        }
        for (const n of already) assert.equal(read(join(target, n)), `old ${n}`);
        assert.equal(readdirSync(target).length, already.length + (r?.done.length ?? 0));
      },
    ),
    { numRuns: 40 },
  );
});
