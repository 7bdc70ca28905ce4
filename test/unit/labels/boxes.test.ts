// Box marks in the label file: the optional `boxes` column (x y w h in image pixels, ';' between boxes)
// round-trips, is written only once an image has boxes, is checked line by line, and its edits undo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLabelFile, serializeLabels } from '../../../src/core/labels/csv';
import { applyEdits, UndoStack, type Entries } from '../../../src/core/labels/labelSet';
import { formatBoxes, parseBoxes } from '../../../src/core/labels/types';

const T0 = '2026-12-06T10:00:00.000Z';
const T1 = '2026-12-06T10:00:01.000Z';
const HASH = 'b'.repeat(64);

test('boxes round-trip; a file without boxes keeps its five columns', () => {
  const entries: Entries = new Map();
  applyEdits(entries, [{ path: 'a.png', label: 'normal', sha256: HASH }], T0);
  const plain = serializeLabels(entries);
  assert.equal(plain.split('\n')[0], 'path,label,note,sha256,updated');
  applyEdits(
    entries,
    [
      {
        path: 'b.png',
        label: 'abnormal',
        boxes: [
          { x: 10, y: 20, w: 30, h: 40 },
          { x: 0, y: 0, w: 1, h: 1 },
        ],
      },
    ],
    T1,
  );
  // An image with boxes and nothing else is kept too.
  applyEdits(entries, [{ path: 'c.png', boxes: [{ x: 5, y: 6, w: 7, h: 8 }] }], T1);
  const text = serializeLabels(entries);
  assert.deepEqual(text.split('\n').slice(0, 4), [
    'path,label,note,sha256,updated,boxes',
    `a.png,normal,,${HASH},${T0},`,
    `b.png,abnormal,,,${T1},10 20 30 40;0 0 1 1`,
    `c.png,,,,${T1},5 6 7 8`,
  ]);
  const back = parseLabelFile(text);
  assert.ok(back.ok);
  assert.deepEqual(back.entries, entries);
  assert.equal(serializeLabels(back.entries), text);
});

test('property: any boxes format and parse back to themselves', () => {
  const box = fc.record({
    x: fc.nat({ max: 5000 }),
    y: fc.nat({ max: 5000 }),
    w: fc.integer({ min: 1, max: 5000 }),
    h: fc.integer({ min: 1, max: 5000 }),
  });
  fc.assert(
    fc.property(fc.array(box, { maxLength: 6 }), (boxes) =>
      assert.deepEqual(
        parseBoxes(formatBoxes(boxes)),
        boxes.map((b) => ({ ...b })),
      ),
    ),
  );
});

test('bad boxes are reported with their line; the file is not taken', () => {
  const head = 'path,label,note,sha256,updated,boxes\n';
  for (const [cell, why] of [
    ['1 2 3', /four whole numbers/],
    ['1 2 3 x', /four whole numbers/],
    ['1 2 -3 4', /four whole numbers/],
    ['1 2 0 4', /no width or height/],
    ['1.5 2 3 4', /four whole numbers/],
  ] as const) {
    const p = parseLabelFile(`${head}a.png,normal,,,${T0},1 1 2 2\nb.png,normal,,,${T0},${cell}\n`);
    assert.ok(!p.ok);
    assert.equal(p.problems[0].line, 3);
    assert.match(p.problems[0].message, why);
  }
});

test('box edits are undo steps; drawing on a labelled image keeps its label; clearing removes the column', () => {
  const entries: Entries = new Map();
  const undo = new UndoStack();
  undo.push(applyEdits(entries, [{ path: 'a.png', label: 'abnormal' }], T0));
  undo.push(applyEdits(entries, [{ path: 'a.png', boxes: [{ x: 1, y: 2, w: 3, h: 4 }] }], T1));
  assert.deepEqual(entries.get('a.png')?.label, 'abnormal');
  assert.deepEqual(entries.get('a.png')?.boxes, [{ x: 1, y: 2, w: 3, h: 4 }]);
  // The same boxes again change nothing.
  assert.deepEqual(applyEdits(entries, [{ path: 'a.png', boxes: [{ x: 1, y: 2, w: 3, h: 4 }] }], T1), []);
  applyEdits(entries, undo.pop()!, T1);
  assert.equal(entries.get('a.png')?.boxes, undefined);
  assert.equal(entries.get('a.png')?.label, 'abnormal');
  undo.push(applyEdits(entries, [{ path: 'a.png', boxes: [{ x: 9, y: 9, w: 9, h: 9 }] }], T1));
  applyEdits(entries, [{ path: 'a.png', boxes: null }], T1);
  assert.equal(serializeLabels(entries).split('\n')[0], 'path,label,note,sha256,updated');
});
