// The viewer channel (src/extension/viewer/channel.ts) on a fake panel: what the webview is sent before
// its first `ready` (the head start), on `ready` and on every later one (replay), when it asks again
// (`resendEarly`), and the reduced-then-full order of large images, with a fake clock for the wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XrayImage } from '../../../src/core/image/types';
import type { AnalysisResult } from '../../../src/core/scoring/types';
import { reduceImage } from '../../../src/engine/reducedImage';
import { FULL_IMAGE_WAIT_MS, ViewerChannel, type ShownImage } from '../../../src/extension/viewer/channel';
import type { HostToViewerMessage, HostToViewerNotifications, TagsMessage } from '../../../src/protocol/viewer';

function xray(width: number, height: number): XrayImage {
  const data = new Uint16Array(width * height).map((_, i) => i % 4096);
  return {
    width,
    height,
    data,
    bitsStored: 12,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 4095 },
    source: { format: 'png', encoding: 'PNG 16-bit grey', notices: [] },
  } as XrayImage;
}

/** A small image (sent once) or a large one with its real reduced copy (sent twice). */
function shown(seq: number, large = false): ShownImage {
  const image = large ? xray(1200, 900) : xray(64, 48);
  return { image, decodeMs: 5, seq, reduced: large ? reduceImage(image, 1024) : undefined };
}

function result(modelId = 'm1', provider = 'cpu'): AnalysisResult {
  return {
    modelId,
    modelVersion: '1',
    provider,
    score: { raw: 1, normalized: 0.7, aboveThreshold: true },
    timings: { preprocessMs: 1, inferenceMs: 1, postprocessMs: 1 },
  } as AnalysisResult;
}

const tags: TagsMessage = { tags: [], revealed: false, phiCount: 0 };

/** The fake panel: every message posted, and one fake timer at a time (the channel needs no more). */
function harness() {
  const sent: HostToViewerMessage[] = [];
  const timers: { run: () => void; ms: number; disposed: boolean }[] = [];
  const channel = new ViewerChannel({
    post: (m) => sent.push(m),
    schedule: (run, ms) => {
      const t = { run, ms, disposed: false };
      timers.push(t);
      return { dispose: () => (t.disposed = true) };
    },
    log: () => undefined,
    init: () => ({ fileName: 'chest.png', settings: { heatmapOpacity: 0.45, colormap: 'inferno', threshold: 0.5 } }),
    models: () => ({ models: [{ id: 'm1', name: 'M1', version: '1' }], selectedId: 'm1' }),
  });
  /** Short names of what was posted since the last call: "image:1:reduced", "analysis", ... */
  const take = () => {
    const names = sent.map((m) => {
      if (m.kind !== 'notify') return `request:${m.method}`;
      if (m.type === 'image') {
        const p = m.params as HostToViewerNotifications['image'];
        return `image:${p.seq}:${p.reducedFrom ? 'reduced' : 'full'}`;
      }
      if (m.type === 'error') return `error:${(m.params as HostToViewerNotifications['error']).scope}`;
      return m.type;
    });
    const out = { names, messages: [...sent] };
    sent.length = 0;
    return out;
  };
  const fire = () => {
    const live = timers.filter((t) => !t.disposed);
    timers.length = 0;
    for (const t of live) t.run();
  };
  const pendingTimers = () => timers.filter((t) => !t.disposed);
  return { channel, take, fire, pendingTimers };
}

function initParams(messages: HostToViewerMessage[]): HostToViewerNotifications['init'] {
  const init = messages.find((m) => m.kind === 'notify' && m.type === 'init');
  assert.ok(init && init.kind === 'notify');
  return init.params as HostToViewerNotifications['init'];
}

test('booting: the image and its analysis go ahead, everything else waits for ready; init lists what went early', () => {
  const { channel, take } = harness();
  assert.equal(channel.state, 'booting');
  channel.setTags(tags);
  channel.postModels();
  channel.setImage(shown(1));
  channel.setAnalysisRunning('m1');
  channel.setAnalysis(result());
  channel.analysisEnded();
  assert.deepEqual(take().names, ['image:1:full', 'analysis']);

  channel.ready();
  assert.equal(channel.state, 'live');
  const { names, messages } = take();
  // Not sent twice: the webview asks (resendEarly) for what init lists and it did not get.
  assert.deepEqual(names, ['init', 'models', 'tags']);
  assert.deepEqual(initParams(messages).early, { imageSeq: 1, fullResolution: true, analysis: true });
  assert.equal(initParams(messages).fileName, 'chest.png');
});

test('live: every message is posted as it happens, and a second ready replays all in order, without early', () => {
  const { channel, take } = harness();
  channel.ready();
  take();
  channel.setTags(tags);
  channel.setImage(shown(1));
  channel.setAnalysisRunning('m1');
  channel.setAnalysis(result('m1', 'webgpu'));
  channel.analysisEnded();
  assert.deepEqual(take().names, ['tags', 'image:1:full', 'analysisStarted', 'analysis']);

  channel.ready();
  const { names, messages } = take();
  assert.deepEqual(names, ['init', 'models', 'tags', 'image:1:full', 'analysis']);
  assert.equal(initParams(messages).early, undefined);
  // The model list reports the provider of the last analysis.
  const models = messages.find((m) => m.kind === 'notify' && m.type === 'models');
  assert.equal((models!.params as HostToViewerNotifications['models']).provider, 'webgpu');
});

test('reduced then full: the full pixels follow the analysis at once, and are never sent twice', () => {
  const { channel, take, fire, pendingTimers } = harness();
  channel.ready();
  take();
  channel.setImage(shown(1, true));
  assert.deepEqual(take().names, ['image:1:reduced']);
  assert.equal(pendingTimers()[0].ms, FULL_IMAGE_WAIT_MS);
  channel.setAnalysisRunning('m1');
  channel.setAnalysis(result());
  assert.deepEqual(take().names, ['analysisStarted', 'analysis', 'image:1:full']);
  // The wait was cancelled with the send.
  assert.equal(pendingTimers().length, 0);
  fire();
  assert.deepEqual(take().names, []);
});

test('reduced then full: without an analysis the full pixels go when the wait runs out; a failed analysis sends them too', () => {
  const { channel, take, fire } = harness();
  channel.ready();
  channel.setImage(shown(1, true));
  take();
  fire();
  assert.deepEqual(take().names, ['image:1:full']);

  channel.setImage(shown(2, true));
  channel.setAnalysisError({ code: 'MODEL_LOAD_FAILED', message: 'no' });
  assert.deepEqual(take().names, ['image:2:reduced', 'error:analysis', 'image:2:full']);
});

test('reduced then full: a newer image cancels what was owed for the older one', () => {
  const { channel, take, fire, pendingTimers } = harness();
  channel.ready();
  channel.setImage(shown(1, true));
  channel.setImage(shown(2, true));
  assert.equal(pendingTimers().length, 1);
  fire();
  assert.deepEqual(take().names.slice(-3), ['image:1:reduced', 'image:2:reduced', 'image:2:full']);
});

test('booting with a large image: the copy and the analysis go early, then the full pixels; init says all three', () => {
  const { channel, take } = harness();
  channel.setImage(shown(1, true));
  channel.setAnalysisRunning('m1');
  channel.setAnalysis(result());
  channel.analysisEnded();
  assert.deepEqual(take().names, ['image:1:reduced', 'analysis', 'image:1:full']);
  channel.ready();
  const { names, messages } = take();
  assert.deepEqual(names, ['init', 'models']);
  assert.deepEqual(initParams(messages).early, { imageSeq: 1, fullResolution: true, analysis: true });
});

test('booting: a ready before the full pixels went lists only the copy, and sends the full pixels last', () => {
  const { channel, take } = harness();
  channel.setImage(shown(1, true));
  channel.setAnalysisRunning('m1');
  take();
  channel.ready();
  const { names, messages } = take();
  assert.deepEqual(initParams(messages).early, { imageSeq: 1 });
  // The analysis is running: the full pixels wait for it (or the timer).
  assert.deepEqual(names, ['init', 'models', 'analysisStarted']);
  channel.setAnalysis(result());
  assert.deepEqual(take().names, ['analysis', 'image:1:full']);
});

test('booting: an image decoded again starts the early list afresh; an analysis of an older image does not go early', () => {
  const { channel, take } = harness();
  channel.setImage(shown(1));
  channel.setAnalysis(result());
  channel.setImage(shown(2, true));
  assert.deepEqual(take().names, ['image:1:full', 'analysis', 'image:2:reduced']);
  channel.ready();
  const { names, messages } = take();
  assert.deepEqual(initParams(messages).early, { imageSeq: 2 });
  // The analysis (of image 1, the last outcome) was not listed as early, so it is replayed, then the full pixels.
  assert.deepEqual(names, ['init', 'models', 'analysis', 'image:2:full']);
});

test('booting: an image that went early but was replaced by an error is not listed; the error is replayed', () => {
  const { channel, take } = harness();
  channel.setImage(shown(1));
  channel.setImageError({ code: 'IMAGE_NOT_FOUND', message: 'gone' });
  take();
  channel.ready();
  const { names, messages } = take();
  assert.equal(initParams(messages).early, undefined);
  assert.deepEqual(names, ['init', 'models', 'error:image']);
});

test('resendEarly: the image and its analysis again; only the image while an analysis runs', () => {
  const { channel, take } = harness();
  channel.setImage(shown(1));
  channel.setAnalysis(result());
  channel.ready();
  take();
  channel.resendEarly(true, false);
  assert.deepEqual(take().names, ['image:1:full', 'analysis']);
  channel.resendEarly(false, true);
  assert.deepEqual(take().names, ['analysis']);
  channel.setAnalysisRunning('m2');
  take();
  channel.resendEarly(true, true);
  assert.deepEqual(take().names, ['image:1:full']);
});

test('replay: a running analysis is replayed as started, a failed one as its error; a preview only for the image shown', () => {
  const { channel, take } = harness();
  channel.ready();
  channel.setImage(shown(1));
  channel.setPreview(1, { modelId: 'm1', steps: [] });
  channel.setAnalysisError({ code: 'MODEL_LOAD_FAILED', message: 'no' });
  take();
  channel.ready();
  assert.deepEqual(take().names, ['init', 'models', 'image:1:full', 'preview', 'error:analysis']);

  channel.setAnalysisRunning('m1');
  channel.ready();
  // No preview while an analysis runs (it follows the analysis).
  assert.deepEqual(take().names, ['analysisStarted', 'init', 'models', 'image:1:full', 'analysisStarted']);

  channel.analysisEnded();
  channel.setImage(shown(2));
  // A preview error is posted but not kept; the kept preview belongs to image 1.
  channel.setPreview(2, { modelId: 'm1', error: { code: 'INTERNAL', message: 'x' } });
  take();
  channel.ready();
  assert.deepEqual(take().names, ['init', 'models', 'image:2:full', 'error:analysis']);
});

test('disposed: nothing more is posted and the owed full pixels are dropped', () => {
  const { channel, take, pendingTimers } = harness();
  channel.ready();
  channel.setImage(shown(1, true));
  take();
  channel.dispose();
  assert.equal(pendingTimers().length, 0);
  channel.setAnalysis(result());
  channel.ready();
  assert.deepEqual(take().names, []);
});
