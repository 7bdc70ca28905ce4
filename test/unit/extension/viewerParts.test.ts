// The viewer session's parts that need no VS Code: the frame loop (newest request wins), the DICOM tags
// controller (values masked until revealed, never logged) and the preprocessing preview cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomTagEntry } from '../../../src/core/decode/dicom/tags';
import { XrayError } from '../../../src/core/errors';
import { FrameLoop } from '../../../src/extension/viewer/frames';
import { PreviewCache, type PreviewRequest } from '../../../src/extension/viewer/previewCache';
import { TagsController } from '../../../src/extension/viewer/tags';
import type { PreviewMessage, TagsMessage } from '../../../src/protocol/viewer';

/** A promise and its resolver, to hold a fake decode open. */
function gate<T = unknown>() {
  let open!: (v: T) => void;
  let fail!: (e: unknown) => void;
  const p = new Promise<T>((res, rej) => ((open = res), (fail = rej)));
  return { p, open, fail };
}

function frameHarness(count = 10) {
  let frame = 0;
  const decoding: { frame: number; done: ReturnType<typeof gate> }[] = [];
  const events: string[] = [];
  const loop = new FrameLoop({
    current: () => ({ frame, count }),
    idle: () => Promise.resolve(),
    load: async (f) => {
      const done = gate();
      decoding.push({ frame: f, done });
      events.push(`decode ${f}`);
      await done.p;
      frame = f;
    },
    failed: (f) => events.push(`failed ${f}`),
    loading: (f) => events.push(`loading ${f}`),
    stopped: () => false,
  });
  const tick = () => new Promise((r) => setImmediate(r));
  return { loop, decoding, events, tick, frame: () => frame };
}

test('frame loop: requests during a decode only move the target; the newest one is decoded next', async () => {
  const h = frameHarness();
  h.loop.select(1);
  await h.tick();
  h.loop.select(2);
  h.loop.select(3);
  h.decoding[0].done.open(undefined);
  await h.tick();
  h.decoding[1].done.open(undefined);
  await h.loop.settled();
  assert.deepEqual(h.events, ['loading 1', 'decode 1', 'loading 2', 'loading 3', 'decode 3']);
  assert.equal(h.frame(), 3);
});

test('frame loop: out-of-range, non-integer and single-frame requests are ignored; a failure keeps the frame', async () => {
  const h = frameHarness();
  for (const f of [-1, 10, 1.5, Number.NaN]) h.loop.select(f);
  assert.deepEqual(h.events, []);
  h.loop.select(4);
  await h.tick();
  h.decoding[0].done.fail(new XrayError('CORRUPT', 'bad frame'));
  await h.loop.settled();
  // The webview is told it waits no more: the current frame (0) is "loading" done.
  assert.deepEqual(h.events, ['loading 4', 'decode 4', 'failed 4', 'loading 0']);
  assert.equal(h.frame(), 0);

  const single = frameHarness(1);
  single.loop.select(0);
  assert.deepEqual(single.events, []);
});

const entries: DicomTagEntry[] = [
  { tag: '(0008,0060)', keyword: 'Modality', vr: 'CS', value: 'DX', phi: false, depth: 0 },
  { tag: '(0010,0010)', keyword: 'PatientName', vr: 'PN', value: 'Doe^Jane', phi: true, depth: 0 },
];

test('tags: masked until revealed, masked again on request; counts are logged, values never', () => {
  const logs: string[] = [];
  const shown: TagsMessage[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const tags = new TagsController('a.dcm', log, (m) => shown.push(m));
  assert.equal(tags.known, false);
  tags.reveal(true); // before the attributes are read: remembered, nothing to show yet
  assert.equal(shown.length, 0);
  tags.reveal(false);
  tags.set(entries, undefined, 'unreadable');
  assert.equal(tags.known, true);
  assert.equal(shown.at(-1)!.tags[1].masked, true);
  assert.notEqual(shown.at(-1)!.tags[1].value, 'Doe^Jane');
  tags.reveal(true);
  assert.equal(shown.at(-1)!.tags[1].value, 'Doe^Jane');
  assert.equal(shown.at(-1)!.revealed, true);
  tags.reveal(false);
  assert.equal(shown.at(-1)!.tags[1].masked, true);
  assert.ok(logs.some((l) => /2 DICOM attributes listed, 1 identifying the patient/.test(l)));
  assert.ok(logs.every((l) => !l.includes('Doe')));

  const broken = new TagsController('b.dcm', log, (m) => shown.push(m));
  broken.set(undefined, { code: 'CORRUPT', message: 'bad sequence' }, 'unreadable');
  assert.deepEqual(shown.at(-1), { tags: [], revealed: false, phiCount: 0, error: 'bad sequence' });
});

function previewHarness() {
  const calls: string[] = [];
  let fail: XrayError | undefined;
  const engine = {
    loadModel: async (p: { manifestPath: string }) => ({ modelKey: `key-${p.manifestPath}` }) as never,
    preview: async (p: { imageId: string; modelKey: string }) => {
      calls.push(`${p.imageId}|${p.modelKey}`);
      if (fail) throw fail;
      return { steps: [{ op: 'resize' }], regions: 1 } as never;
    },
  };
  const logs: string[] = [];
  const cache = new PreviewCache(engine, { info: (m) => logs.push(m), warn: (m) => logs.push(m) }, 'a.png');
  const req = (imageId: string, model = 'm1'): PreviewRequest => ({
    imageId,
    model: { id: model, manifestPath: `${model}.json` },
    provider: 'cpu',
  });
  return { cache, calls, req, logs, setFail: (e?: XrayError) => (fail = e) };
}

test('preview cache: computed only while the strip is open, once per image and model, dropped when stale', async () => {
  const h = previewHarness();
  const shown: PreviewMessage[] = [];
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  assert.equal(h.calls.length, 0);
  h.cache.open = true;
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  assert.deepEqual(h.calls, ['img1|key-m1.json']);
  assert.equal(shown.length, 2);
  assert.equal(shown[0].modelId, 'm1');
  // Two at once for the same key: one engine call.
  await Promise.all([
    h.cache.update(
      h.req('img2'),
      () => true,
      (m) => shown.push(m),
    ),
    h.cache.update(
      h.req('img2'),
      () => true,
      (m) => shown.push(m),
    ),
  ]);
  assert.equal(h.calls.length, 2);
  // The image changed meanwhile: nothing shown.
  await h.cache.update(
    h.req('img3'),
    () => false,
    (m) => shown.push(m),
  );
  assert.equal(shown.length, 3);
});

test('preview cache: a failure is shown as the preview error, except an image the engine lost', async () => {
  const h = previewHarness();
  h.cache.open = true;
  const shown: PreviewMessage[] = [];
  h.setFail(new XrayError('IMAGE_NOT_FOUND', 'gone'));
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  assert.equal(shown.length, 0);
  h.setFail(new XrayError('INTERNAL', 'broken step'));
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  assert.equal(shown[0].error?.code, 'INTERNAL');
  // Not cached: asked again next time.
  h.setFail(undefined);
  await h.cache.update(
    h.req('img1'),
    () => true,
    (m) => shown.push(m),
  );
  assert.equal(shown[1].steps?.length, 1);
  assert.equal(h.calls.length, 3);
});
