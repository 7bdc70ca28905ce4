// Box marks on the results panel's side: which rows carry boxes (by path, or by content hash for a moved
// file), the page's mark table keeping an image that has only boxes, the decoded size the quality verdicts
// give, and the overlay a grid tile draws from both (nothing without the image's size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelEntry } from '../../../src/core/labels/types';
import { marksFor } from '../../../src/extension/labels/marks';
import type { QualityCell } from '../../../src/protocol/results';
import { MarkTable } from '../../../src/webview/results/marks';
import { QualityTable } from '../../../src/webview/results/quality';
import { tileBoxes } from '../../../src/webview/results/views/tileBoxes';

const entry = (path: string, over: Partial<LabelEntry> = {}): LabelEntry => ({
  path,
  sha256: '',
  updated: '2026-12-07T00:00:00.000Z',
  ...over,
});

test('marks carry the boxes as a fifth element only when the image has some, also for a moved file', () => {
  const entries = new Map<string, LabelEntry>([
    ['d/a.png', entry('d/a.png', { label: 'abnormal', boxes: [{ x: 1, y: 2, w: 3, h: 4 }] })],
    ['d/b.png', entry('d/b.png', { label: 'normal' })],
    ['old/c.png', entry('old/c.png', { sha256: 'c'.repeat(64), boxes: [{ x: 5, y: 5, w: 9, h: 9 }] })],
  ]);
  const marks = marksFor(entries, 'd', ['a.png', 'b.png', 'c.png'], [undefined, undefined, 'c'.repeat(64)]);
  assert.deepEqual(marks, [
    [0, 'abnormal', null, 'ok', [{ x: 1, y: 2, w: 3, h: 4 }]],
    [1, 'normal', null, 'ok'],
    [2, null, null, 'moved', [{ x: 5, y: 5, w: 9, h: 9 }]],
  ]);
  // A copy: the page's marks do not share the label set's objects.
  assert.notEqual(marks[0][4]![0], entries.get('d/a.png')!.boxes![0]);
});

test('the page keeps an image that has only boxes, and drops it when its boxes go too', () => {
  const t = new MarkTable();
  const set = { name: 'labels', file: '.xray-anomaly/labels/labels.csv', canUndo: true };
  t.apply(set, true, [[3, null, null, 'ok', [{ x: 0, y: 0, w: 2, h: 2 }]]]);
  assert.deepEqual(t.get(3), { label: null, note: null, status: 'ok', boxes: [{ x: 0, y: 0, w: 2, h: 2 }] });
  assert.deepEqual(t.counts(), { normal: 0, abnormal: 0, unsure: 0 });
  t.apply(set, false, [[3, 'normal', null, 'ok']]);
  assert.deepEqual(t.get(3), { label: 'normal', note: null, status: 'ok' });
  t.apply(set, false, [[3, null, null, 'ok']]);
  assert.equal(t.get(3), undefined);
});

test('a tile draws boxes in the decoded image’s pixels (the quality measures’ size), cut to it; none without the size', () => {
  const q = new QualityTable();
  const cell = (row: number, w: number | null, h: number | null): QualityCell => [row, 0, -1, 1, 2, 3, 4, 5, w, h];
  q.apply([cell(0, 1024, 800), cell(1, null, null)]);
  assert.deepEqual(q.size(0), [1024, 800]);
  assert.equal(q.size(1), undefined);
  assert.equal(q.size(7), undefined);
  const mark = {
    boxes: [
      { x: 10, y: 20, w: 30, h: 40 },
      { x: 1000, y: 790, w: 100, h: 100 },
      { x: 2000, y: 0, w: 5, h: 5 },
    ],
  };
  assert.deepEqual(tileBoxes(mark, q.size(0)), {
    viewBox: '0 0 1024 800',
    rects: [
      [10, 20, 30, 40],
      [1000, 790, 24, 10],
    ],
  });
  assert.equal(tileBoxes(mark, q.size(1)), undefined);
  assert.equal(tileBoxes({ boxes: [] }, [10, 10]), undefined);
  assert.equal(tileBoxes(undefined, [10, 10]), undefined);
});
