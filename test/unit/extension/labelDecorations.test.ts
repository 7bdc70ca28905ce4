// What a labelled image's name shows in the Explorer and the tabs (the texts behind the FileDecorationProvider),
// and which names are redrawn when a label set changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelEntry } from '../../../src/core/labels/types';
import {
  changedPaths,
  decorationKey,
  LABEL_COLORS,
  labelDecorationText,
} from '../../../src/extension/labels/decorationText';

const entry = (over: Partial<LabelEntry>): LabelEntry => ({ path: 'a/x.png', sha256: '', updated: 't', ...over });

test('a label gives its letter and colour; the tooltip names the set, the label, the boxes and the note', () => {
  assert.deepEqual(labelDecorationText(entry({ label: 'normal' }), 'ann'), {
    badge: 'N',
    tooltip: 'Label set "ann": normal',
    color: 'xrayAnomaly.label.normal',
  });
  const a = labelDecorationText(
    entry({ label: 'abnormal', note: 'rib fracture?', boxes: [{ x: 1, y: 2, w: 3, h: 4 }] }),
    'labels',
  );
  assert.deepEqual(a, {
    badge: 'A',
    tooltip: 'Label set "labels": abnormal · 1 box mark(s) · Note: rib fracture?',
    color: 'xrayAnomaly.label.abnormal',
  });
  assert.equal(labelDecorationText(entry({ label: 'unsure' }), 's')?.badge, '?');
  // A note alone: the pencil, no colour; nothing at all: no decoration.
  assert.deepEqual(labelDecorationText(entry({ note: 'check' }), 's'), {
    badge: '✎',
    tooltip: 'Label set "s": no label · Note: check',
    color: undefined,
  });
  assert.deepEqual(labelDecorationText(entry({ boxes: [{ x: 0, y: 0, w: 2, h: 2 }] }), 's'), {
    badge: '□',
    tooltip: 'Label set "s": no label · 1 box mark(s)',
    color: undefined,
  });
  assert.equal(labelDecorationText(entry({}), 's'), undefined);
  assert.equal(labelDecorationText(undefined, 's'), undefined);
  // VS Code shows at most two characters of a badge; a long note is cut in the tooltip.
  for (const d of [
    labelDecorationText(entry({ label: 'unsure' }), 's'),
    labelDecorationText(entry({ note: 'n' }), 's'),
  ])
    assert.ok(d && [...d.badge].length <= 2);
  const long = labelDecorationText(entry({ note: 'x'.repeat(500) }), 's')!;
  assert.ok(long.tooltip.length < 260 && long.tooltip.endsWith('…'));
});

test('the colours are contributed by the manifest', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { colors: { id: string }[] };
  };
  const ids = manifest.contributes.colors.map((c) => c.id);
  for (const id of Object.values(LABEL_COLORS)) assert.ok(ids.includes(id), id);
});

test('only names whose decoration changed are redrawn: labelled, relabelled, cleared; the set name counts', () => {
  const before = new Map([
    ['a.png', decorationKey(entry({ label: 'normal' }), 's')],
    ['b.png', decorationKey(entry({ label: 'abnormal' }), 's')],
    ['c.png', decorationKey(entry({ label: 'unsure' }), 's')],
  ]);
  const after = new Map([
    ['a.png', decorationKey(entry({ label: 'normal' }), 's')],
    ['b.png', decorationKey(entry({ label: 'unsure' }), 's')],
    ['d.png', decorationKey(entry({ note: 'n' }), 's')],
  ]);
  assert.deepEqual(changedPaths(before, after).sort(), ['b.png', 'c.png', 'd.png']);
  assert.notEqual(decorationKey(entry({ label: 'normal' }), 's'), decorationKey(entry({ label: 'normal' }), 't'));
  assert.equal(decorationKey(entry({}), 's'), '');
});
