// A label follows its image when the image is moved inside the workspace (core/labels/move.ts): one batch,
// so one undo puts it back; files without a label need no edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, type Entries } from '../../../src/core/labels/labelSet';
import { labelMoveEdits } from '../../../src/core/labels/move';

test('moved labels: label, note, boxes and hash go to the new path; one undo restores the old paths', () => {
  const entries: Entries = new Map();
  applyEdits(
    entries,
    [
      { path: 'f/a.png', label: 'abnormal', note: 'rib', boxes: [{ x: 1, y: 2, w: 3, h: 4 }], sha256: 'aa' },
      { path: 'f/b.png', label: 'normal', sha256: 'bb' },
    ],
    't0',
  );
  const before = JSON.stringify([...entries.values()].map(({ updated: _u, ...e }) => e));
  const edits = labelMoveEdits(entries, [
    { from: 'f/a.png', to: 'out/a.png' },
    { from: 'f/unlabelled.png', to: 'out/unlabelled.png' },
  ]);
  assert.equal(edits.length, 2, 'an unlabelled file needs no edit');
  const inverse = applyEdits(entries, edits, 't1');
  assert.equal(entries.has('f/a.png'), false);
  assert.deepEqual(entries.get('out/a.png'), {
    path: 'out/a.png',
    label: 'abnormal',
    note: 'rib',
    boxes: [{ x: 1, y: 2, w: 3, h: 4 }],
    sha256: 'aa',
    updated: 't1',
  });
  assert.equal(entries.get('f/b.png')?.label, 'normal', 'others untouched');
  applyEdits(entries, inverse, 't2');
  const sorted = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  assert.equal(JSON.stringify(sorted.map(({ updated: _u, ...e }) => e)), before);
});
