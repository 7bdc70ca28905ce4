// `merge --out` replaces its target by rename: a target that is not a plain file (a pipe, a device such as
// /dev/null, a folder) is refused before anything is read or written, and is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMerge } from '../../../src/cli/merge';
import { EXIT } from '../../../src/cli/exitCodes';

test('merge refuses an --out that is a pipe or a folder, and leaves it as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xray-merge-out-'));
  const fifo = join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  for (const target of [fifo, folder]) {
    const lines: string[] = [];
    assert.equal(await runMerge([join(dir, 'missing.jsonl')], target, (l) => lines.push(l)), EXIT.USAGE);
    assert.match(lines.join('\n'), /is not a plain file: merge writes a result store there/);
  }
  assert.ok(statSync(fifo).isFIFO(), 'the pipe is still a pipe');
  assert.ok(statSync(folder).isDirectory());
  assert.deepEqual(readdirSync(dir).sort(), ['folder', 'pipe'], 'no temporary or index file left');
});
