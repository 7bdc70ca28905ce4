// Box marks in the viewer without a DOM: the geometry (a drag to whole image pixels, picking, deleting), and
// the box tool through the viewer's real store, view and actions: the same image box whatever the zoom and
// pan, a click picks instead of drawing, Delete removes the picked box, every change goes to the host as
// the image's whole list, and nothing is drawn where the label set cannot be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLabelBoxList, MAX_BOXES as CORE_MAX_BOXES, parseBoxes, formatBoxes } from '../../../src/core/labels/types';
import type { ViewerMark } from '../../../src/protocol/viewer';
import { boxAt, boxFromPoints, MAX_BOXES, withoutBox } from '../../../src/webview/viewer/boxMarks';
import { persistedState, readPersisted, sanitizeSettings } from '../../../src/webview/viewer/persist';
import { viewer, xrayImage } from './viewerFixture';

const mark = (over: Partial<ViewerMark> = {}): ViewerMark => ({
  set: 'labels',
  label: null,
  note: null,
  status: 'ok',
  keys: false,
  ...over,
});

test('a drag becomes the smallest whole-pixel box holding it, either corner first, cut to the image', () => {
  assert.deepEqual(boxFromPoints(10.4, 20.6, 50.2, 60.1, 100, 80), { x: 10, y: 20, w: 41, h: 41 });
  assert.deepEqual(boxFromPoints(50.2, 60.1, 10.4, 20.6, 100, 80), { x: 10, y: 20, w: 41, h: 41 });
  assert.deepEqual(boxFromPoints(-20, -5, 300, 500, 100, 80), { x: 0, y: 0, w: 100, h: 80 });
  // A zero-size drag on the far edge still gives a pixel inside the image.
  assert.deepEqual(boxFromPoints(100, 80, 100, 80, 100, 80), { x: 99, y: 79, w: 1, h: 1 });
  assert.equal(boxFromPoints(NaN, 0, 1, 1, 100, 80), undefined);
  assert.equal(boxFromPoints(0, 0, 1, 1, 0, 80), undefined);
});

test('property: every drag gives a box the label file accepts, inside the image, holding both corners', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.array(fc.double({ min: -1000, max: 6000, noNaN: true }), { minLength: 4, maxLength: 4 }),
      (w, h, [x0, y0, x1, y1]) => {
        const b = boxFromPoints(x0, y0, x1, y1, w, h)!;
        assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h, JSON.stringify(b));
        assert.deepEqual(parseBoxes(formatBoxes([b])), [b]);
        assert.ok(isLabelBoxList([b]));
        const cx = (v: number) => Math.min(w, Math.max(0, v));
        const cy = (v: number) => Math.min(h, Math.max(0, v));
        for (const [x, y] of [
          [cx(x0), cy(y0)],
          [cx(x1), cy(y1)],
        ])
          assert.ok(x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h);
      },
    ),
  );
});

test('picking takes the smallest box under the point (then the newest); Delete removes the picked box or the newest', () => {
  const boxes = [
    { x: 0, y: 0, w: 100, h: 100 },
    { x: 40, y: 40, w: 10, h: 10 },
    { x: 200, y: 0, w: 5, h: 5 },
  ];
  assert.equal(boxAt(boxes, 45, 45), 1);
  assert.equal(boxAt(boxes, 10, 10), 0);
  assert.equal(boxAt(boxes, 150, 150), undefined);
  assert.equal(boxAt(boxes, 207, 2), undefined);
  assert.equal(boxAt(boxes, 207, 2, 3), 2, 'slack around a thin box');
  assert.deepEqual(withoutBox(boxes, 0), boxes.slice(1));
  assert.deepEqual(withoutBox(boxes, undefined), boxes.slice(0, 2));
  assert.deepEqual(withoutBox(boxes, 7), boxes.slice(0, 2));
});

test('the host checks boxes from a message as the label file does; both sides keep the same limit', () => {
  assert.equal(MAX_BOXES, CORE_MAX_BOXES);
  assert.ok(isLabelBoxList([]));
  assert.ok(isLabelBoxList([{ x: 0, y: 0, w: 1, h: 1 }]));
  for (const bad of [
    null,
    {},
    [{ x: 0, y: 0, w: 0, h: 1 }],
    [{ x: -1, y: 0, w: 1, h: 1 }],
    [{ x: 0.5, y: 0, w: 1, h: 1 }],
    [{ x: 0, y: 0, w: 1 }],
    [null],
    Array.from({ length: CORE_MAX_BOXES + 1 }, () => ({ x: 0, y: 0, w: 1, h: 1 })),
  ])
    assert.equal(isLabelBoxList(bad), false, JSON.stringify(bad)?.slice(0, 60));
});

test('a box drawn zoomed in and panned is the same image box as drawn fitted; the host gets the whole list', () => {
  const v = viewer();
  v.messages.image({ image: xrayImage(800, 600), decodeMs: 0 });
  v.messages.mark(mark());
  v.actions.setTool('box');
  v.actions.act({ action: 'drawBox', from: [100, 120], to: [300, 260] });
  assert.deepEqual(v.store.state.mark?.boxes, [{ x: 100, y: 120, w: 200, h: 140 }]);
  v.actions.act({ action: 'zoomPan', factor: 4, dx: -333, dy: 77 });
  assert.ok(v.view.current()!.scale > 1);
  v.actions.act({ action: 'drawBox', from: [380, 290], to: [420, 330] });
  assert.deepEqual(v.store.state.mark?.boxes?.[1], { x: 380, y: 290, w: 40, h: 40 });
  assert.equal(v.store.state.activeBox, 1, 'the new box is picked');
  assert.equal(v.store.state.boxDraft, undefined);
  const sent = v.toHost.filter((m) => m.type === 'markBoxes').map((m) => m.params);
  assert.deepEqual(sent, [
    { boxes: [{ x: 100, y: 120, w: 200, h: 140 }] },
    {
      boxes: [
        { x: 100, y: 120, w: 200, h: 140 },
        { x: 380, y: 290, w: 40, h: 40 },
      ],
    },
  ]);
});

test('a click picks the box under it and Delete removes that one; a click on nothing picks nothing', () => {
  const v = viewer();
  v.messages.image({ image: xrayImage(800, 600), decodeMs: 0 });
  v.messages.mark(
    mark({
      boxes: [
        { x: 10, y: 10, w: 100, h: 100 },
        { x: 400, y: 300, w: 50, h: 50 },
      ],
    }),
  );
  v.actions.setTool('box');
  v.actions.act({ action: 'deleteBox', at: [60, 60] });
  assert.deepEqual(v.store.state.mark?.boxes, [{ x: 400, y: 300, w: 50, h: 50 }]);
  assert.equal(v.store.state.activeBox, undefined);
  v.actions.act({ action: 'drawBox', from: [700, 500], to: [700, 500] });
  assert.equal(v.toHost.filter((m) => m.type === 'markBoxes').length, 1, 'a click draws no box');
  // Without a pick, Delete takes the newest.
  v.actions.deleteBox();
  assert.deepEqual(v.store.state.mark?.boxes, []);
  assert.deepEqual(v.toHost.at(-1), { type: 'markBoxes', params: { boxes: [] } });
  v.actions.undoBox();
  assert.deepEqual(v.toHost.at(-1), { type: 'undoMark', params: {} });
});

test('the host’s mark replaces the boxes shown and drops a pick that no longer exists', () => {
  const v = viewer();
  v.messages.image({ image: xrayImage(200, 200), decodeMs: 0 });
  v.messages.mark(
    mark({
      boxes: [
        { x: 1, y: 1, w: 5, h: 5 },
        { x: 50, y: 50, w: 5, h: 5 },
      ],
    }),
  );
  v.box.pick(52, 52);
  assert.equal(v.store.state.activeBox, 1);
  v.messages.mark(mark({ boxes: [{ x: 1, y: 1, w: 5, h: 5 }] }));
  assert.equal(v.store.state.activeBox, undefined);
  assert.deepEqual(v.store.state.mark?.boxes, [{ x: 1, y: 1, w: 5, h: 5 }]);
});

test('nothing is drawn or deleted without a writable label set (outside a workspace, or a broken file)', () => {
  for (const m of [
    undefined,
    mark({ problem: 'labels.csv line 3: unknown label', boxes: [{ x: 1, y: 1, w: 5, h: 5 }] }),
  ]) {
    const v = viewer();
    v.messages.image({ image: xrayImage(200, 200), decodeMs: 0 });
    if (m) v.messages.mark(m);
    v.actions.setTool('box');
    v.actions.act({ action: 'drawBox', from: [10, 10], to: [90, 90] });
    v.actions.deleteBox();
    v.actions.undoBox();
    assert.deepEqual(
      v.toHost.filter((x) => x.type === 'markBoxes' || x.type === 'undoMark'),
      [],
    );
    assert.deepEqual(v.store.state.mark?.boxes, m?.boxes);
  }
});

test('the box tool is remembered with the tab like the other tools', () => {
  const v = viewer();
  v.actions.setTool('box');
  const back = readPersisted(JSON.parse(JSON.stringify(persistedState(v.store.state))), sanitizeSettings(undefined));
  assert.equal(back?.tool, 'box');
  assert.equal(
    readPersisted({ ...persistedState(v.store.state), tool: 'lasso' }, sanitizeSettings(undefined))?.tool,
    'pan',
  );
});
