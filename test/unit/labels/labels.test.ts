import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLabelFile, serializeLabels } from '../../../src/core/labels/csv';
import { applyEdits, UndoStack, type Entries } from '../../../src/core/labels/labelSet';
import { mergeLabels } from '../../../src/core/labels/merge';
import type { LabelEntry, LabelValue } from '../../../src/core/labels/types';

const T0 = '2026-12-06T10:00:00.000Z';
const T1 = '2026-12-06T10:00:01.000Z';
const T2 = '2026-12-06T10:00:02.000Z';
const HASH = 'a'.repeat(64);

function parsed(text: string): Entries {
  const p = parseLabelFile(text);
  assert.ok(p.ok, JSON.stringify(p));
  return p.entries;
}

test('labels round-trip through the file, notes with commas, quotes and line breaks included', () => {
  const entries: Entries = new Map();
  applyEdits(
    entries,
    [
      { path: 'b/x.png', label: 'abnormal', note: 'left apex, "nodule"?\nsecond line', sha256: HASH },
      { path: './a/y.dcm', label: 'normal' },
      { path: 'c/z.png', note: 'only a note' },
    ],
    T0,
  );
  const text = serializeLabels(entries);
  assert.equal(text.split('\n')[0], 'path,label,note,sha256,updated');
  assert.ok(text.indexOf('a/y.dcm') < text.indexOf('b/x.png'), 'sorted by path');
  const back = parsed(text);
  assert.deepEqual(
    [...back.values()],
    [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
  );
  assert.equal(back.get('b/x.png')?.note, 'left apex, "nodule"?\nsecond line');
  assert.equal(back.get('c/z.png')?.label, undefined);
});

test('property: any label set serialises and parses back to itself', () => {
  const entry = fc.record({
    path: fc
      .array(fc.stringMatching(/^[^/\\\s"]{1,8}$/), { minLength: 1, maxLength: 3 })
      .map((p) => p.join('/').replace(/^\.+/, 'x')),
    label: fc.constantFrom<LabelValue | undefined>('normal', 'abnormal', 'unsure', undefined),
    note: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    sha256: fc.constantFrom('', HASH),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 20 }), (items) => {
      const entries: Entries = new Map();
      applyEdits(entries, items, T0);
      const back = parsed(serializeLabels(entries));
      assert.deepEqual([...back.entries()].sort(), [...entries.entries()].sort());
    }),
  );
});

test('a hand-edited invalid file is reported with the line of each problem', () => {
  const text = [
    'path,label,note,sha256,updated',
    'a.png,normal,,,',
    'b.png,abnromal,,,',
    'c.png,normal,"a note',
    'that spans lines",,',
    'd.png,normal,x,notahash,',
    'e.png,normal',
    'a.png,unsure,,,',
    'f.png,normal,,,yesterday',
  ].join('\n');
  const p = parseLabelFile(text);
  assert.equal(p.ok, false);
  if (p.ok) return;
  assert.deepEqual(
    p.problems.map((x) => x.line),
    [3, 6, 7, 8, 9],
  );
  assert.match(p.problems[0].message, /unknown label "abnromal"/);
  assert.match(p.problems[2].message, /2 fields where the header has 5/);
  assert.match(p.problems[3].message, /labelled twice/);
  const unclosed = parseLabelFile('path,label\na.png,"normal\n');
  assert.equal(unclosed.ok, false);
  if (!unclosed.ok) assert.deepEqual(unclosed.problems, [{ line: 2, message: 'a quoted field is never closed' }]);
  const header = parseLabelFile('file,class\na.png,normal\n');
  assert.equal(header.ok, false);
  if (!header.ok) assert.equal(header.problems[0].line, 1);
  // Empty and header-only files are empty sets; CRLF and a BOM are fine.
  assert.equal(parsed('').size, 0);
  assert.equal(parsed('\uFEFFpath,label,note,sha256,updated\r\na.png,normal,,,\r\n').get('a.png')?.label, 'normal');
});

test('edits: bulk labels are one undo step; undo restores labels and notes exactly', () => {
  const entries: Entries = new Map();
  const undo = new UndoStack();
  undo.push(applyEdits(entries, [{ path: 'a.png', label: 'normal', note: 'keep me' }], T0));
  undo.push(
    applyEdits(
      entries,
      ['a.png', 'b.png', 'c.png'].map((path) => ({ path, label: 'abnormal' as const })),
      T1,
    ),
  );
  assert.deepEqual(
    [...entries.values()].map((e) => [e.path, e.label, e.note]),
    [
      ['a.png', 'abnormal', 'keep me'],
      ['b.png', 'abnormal', undefined],
      ['c.png', 'abnormal', undefined],
    ],
  );
  // Relabelling with the same value changes nothing and adds no undo step.
  assert.deepEqual(applyEdits(entries, [{ path: 'b.png', label: 'abnormal' }], T2), []);
  applyEdits(entries, undo.pop()!, T2);
  assert.deepEqual(
    [...entries.values()].map((e) => [e.path, e.label, e.note]),
    [['a.png', 'normal', 'keep me']],
  );
  applyEdits(entries, undo.pop()!, T2);
  assert.equal(entries.size, 0);
  assert.equal(undo.pop(), undefined);
});

test('property: undoing every batch in reverse order restores the start, whatever the batches', () => {
  const edit = fc.record({
    path: fc.constantFrom('a.png', 'b.png', 'c/d.png'),
    label: fc.constantFrom<LabelValue | null | undefined>('normal', 'abnormal', 'unsure', null, undefined),
    note: fc.constantFrom<string | null | undefined>('n1', 'n2', null, undefined),
  });
  fc.assert(
    fc.property(fc.array(fc.array(edit, { maxLength: 4 }), { maxLength: 8 }), (batches) => {
      const entries: Entries = new Map();
      applyEdits(entries, [{ path: 'a.png', label: 'unsure', note: 'start' }], T0);
      const start = JSON.stringify([...entries.values()].map((e) => [e.path, e.label, e.note]));
      const undo = new UndoStack();
      for (const b of batches) undo.push(applyEdits(entries, b, T1));
      let inv;
      while ((inv = undo.pop())) applyEdits(entries, inv, T2);
      assert.equal(JSON.stringify([...entries.values()].map((e) => [e.path, e.label, e.note])), start);
    }),
  );
});

test('merge: edits of two windows on different images are both kept; a clash keeps the later one and says so', () => {
  const e = (path: string, label: LabelValue, updated: string): LabelEntry => ({ path, label, sha256: '', updated });
  const base: Entries = new Map([['a.png', e('a.png', 'normal', T0)]]);
  const ours: Entries = new Map([
    ['a.png', e('a.png', 'normal', T0)],
    ['b.png', e('b.png', 'abnormal', T1)],
    ['c.png', e('c.png', 'unsure', T2)],
  ]);
  const theirs: Entries = new Map([
    ['a.png', e('a.png', 'abnormal', T1)],
    ['c.png', e('c.png', 'normal', T1)],
  ]);
  const m = mergeLabels(base, ours, theirs);
  assert.deepEqual([...m.entries.values()].map((x) => [x.path, x.label]).sort(), [
    ['a.png', 'abnormal'],
    ['b.png', 'abnormal'],
    ['c.png', 'unsure'],
  ]);
  assert.deepEqual(m.conflicts, [{ path: 'c.png', kept: 'ours' }]);
  assert.equal(m.changedFromTheirs, true);
  // A deletion on their side of an image we did not touch is a deletion.
  const del = mergeLabels(base, base, new Map());
  assert.equal(del.entries.size, 0);
  assert.equal(del.changedFromTheirs, false);
});
