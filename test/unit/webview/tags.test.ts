import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTags, parseQuery, visibleRows } from '../../../src/webview/viewer/tagTree';
import type { ViewerTag } from '../../../src/webview/viewer/types';

const tag = (
  t: string,
  keyword: string,
  vr: string,
  value: string,
  children?: ViewerTag[],
  phi = false,
): ViewerTag => ({ tag: t, keyword, vr, value, phi, masked: phi, depth: 0, children });
const TAGS: ViewerTag[] = [
  tag('(0008,0060)', 'Modality', 'CS', 'DX'),
  tag('(0008,1140)', 'ReferencedImageSequence', 'SQ', '2 items', [
    tag('(FFFE,E000)', 'Item', '', 'Item 1', [
      tag('(0008,1150)', 'ReferencedSOPClassUID', 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
      tag('(0008,1155)', 'ReferencedSOPInstanceUID', 'UI', '1.2.3.1'),
    ]),
    tag('(FFFE,E000)', 'Item', '', 'Item 2', [tag('(0008,1155)', 'ReferencedSOPInstanceUID', 'UI', '1.2.3.2')]),
  ]),
  tag('(0010,0010)', 'PatientName', 'PN', '•••• (hidden: identifies the patient)', undefined, true),
  tag('(0028,0030)', 'PixelSpacing', 'DS', '0.143\\0.143'),
];

test('counts nested attributes', () => {
  assert.equal(countTags(TAGS), 9);
  assert.equal(countTags([]), 0);
});

test('without a search: top level, plus what the user expanded', () => {
  let v = visibleRows(TAGS, new Set(), '');
  assert.deepEqual(
    v.rows.map((r) => r.id),
    ['0', '1', '2', '3'],
  );
  assert.equal(v.matches, 9);
  assert.equal(v.rows[1].hasChildren, true);
  assert.equal(v.rows[1].expanded, false);
  v = visibleRows(TAGS, new Set(['1', '1.1']), '');
  assert.deepEqual(
    v.rows.map((r) => `${r.id}@${r.depth}`),
    ['0@0', '1@0', '1.0@1', '1.1@1', '1.1.0@2', '2@0', '3@0'],
  );
});

test('tag-like queries match the tag number in any spelling', () => {
  for (const q of ['0010,0010', '(0010,0010)', '00100010', '0010 0010']) {
    const v = visibleRows(TAGS, new Set(), q);
    assert.deepEqual(
      v.rows.map((r) => r.tag.keyword),
      ['PatientName'],
      q,
    );
  }
  assert.equal(parseQuery('face')?.hex, undefined, 'words are not read as hex tags');
  assert.equal(parseQuery('   '), undefined);
});

test('a nested match opens the sequences leading to it; only matches are listed inside', () => {
  const v = visibleRows(TAGS, new Set(), '1.2.3.2');
  assert.deepEqual(
    v.rows.map((r) => r.id),
    ['1', '1.1', '1.1.0'],
  );
  assert.deepEqual(
    v.rows.map((r) => r.match),
    [false, false, true],
  );
  assert.equal(v.rows[0].expanded, true);
  assert.equal(v.matches, 1);
});

test('names match without spaces and case; values match as text; masked values only as their placeholder', () => {
  assert.deepEqual(
    visibleRows(TAGS, new Set(), 'pixel spacing').rows.map((r) => r.tag.keyword),
    ['PixelSpacing'],
  );
  assert.deepEqual(
    visibleRows(TAGS, new Set(), 'DX').rows.map((r) => r.tag.keyword),
    ['Modality'],
  );
  assert.equal(visibleRows(TAGS, new Set(), 'Doe').matches, 0);
  assert.equal(visibleRows(TAGS, new Set(), 'no such thing').rows.length, 0);
});

test('a matching sequence shows all its items once the user opens it', () => {
  const closed = visibleRows(TAGS, new Set(), 'ReferencedImage');
  assert.deepEqual(
    closed.rows.map((r) => r.id),
    ['1'],
  );
  const open = visibleRows(TAGS, new Set(['1']), 'ReferencedImage');
  assert.deepEqual(
    open.rows.map((r) => r.id),
    ['1', '1.0', '1.1'],
  );
});

test('the row limit reports what it left out', () => {
  const many = Array.from({ length: 30 }, (_, i) =>
    tag(`(0009,${String(i).padStart(4, '0')})`, `Private${i}`, 'LO', `v${i}`),
  );
  const v = visibleRows(many, new Set(), '', 10);
  assert.equal(v.rows.length, 10);
  assert.equal(v.hidden, 20);
  const s = visibleRows(many, new Set(), 'private', 10);
  assert.equal(s.rows.length, 10);
  assert.equal(s.matches, 30);
  assert.equal(s.hidden, 20);
});
