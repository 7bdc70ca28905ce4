// The engine's bookkeeping: the image LRU (bounded by bytes) and the per-key task queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XrayError } from '../../../src/core/errors';
import type { XrayImage } from '../../../src/core/image/types';
import { ImageStore, imageCacheBytes } from '../../../src/engine/imageStore';
import { KeyedQueue } from '../../../src/engine/keyedQueue';

function image(bytes: number): XrayImage {
  return {
    width: bytes,
    height: 1,
    data: new Uint8Array(bytes),
    bitsStored: 8,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric: 'MONOCHROME2',
    windows: [],
    range: { min: 0, max: 0 },
    source: { format: 'png', encoding: 'test', notices: [] },
  };
}

test('images are evicted least recently used first to stay within the byte budget', () => {
  const evicted: string[] = [];
  const store = new ImageStore(300, (id) => evicted.push(id));
  const a = store.add(image(100));
  const b = store.add(image(100));
  const c = store.add(image(100));
  store.get(a); // a is now the most recently used
  const d = store.add(image(100));
  assert.deepEqual(evicted, [b]);
  assert.equal(store.totalBytes, 300);
  assert.equal(store.get(c).data.length, 100);
  assert.equal(store.get(d).data.length, 100);
  assert.throws(
    () => store.get(b),
    (e: unknown) => e instanceof XrayError && e.code === 'IMAGE_NOT_FOUND' && /Decode the file again/.test(e.message),
  );
});

test('an image larger than the whole budget is still kept (alone) because the caller is about to use it', () => {
  const store = new ImageStore(100);
  const a = store.add(image(50));
  const big = store.add(image(1000));
  assert.equal(store.size, 1);
  assert.equal(store.get(big).data.length, 1000);
  assert.throws(() => store.get(a), /no longer holds/);
});

test('release frees the bytes and is idempotent; ids are unique', () => {
  const store = new ImageStore(1000);
  const ids = new Set(Array.from({ length: 50 }, () => store.add(image(1))));
  assert.equal(ids.size, 50);
  const [first] = ids;
  assert.equal(store.release(first), true);
  assert.equal(store.release(first), false);
  assert.equal(store.totalBytes, 49);
});

test('the cache size comes from the env in MB, with a sane default', () => {
  assert.equal(imageCacheBytes({ XRAY_ANOMALY_ENGINE_IMAGE_CACHE_MB: '2' }), 2 * 1024 * 1024);
  assert.equal(imageCacheBytes({ XRAY_ANOMALY_ENGINE_IMAGE_CACHE_MB: '-1' }), 1024 * 1024 * 1024);
});

test('tasks run one at a time per key, keys independently, and a failure does not block the next task', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  // Each task runs until the test releases it: the order is decided by the test, not by timers.
  const release = new Map<string, () => void>();
  const task =
    (name: string, fail = false) =>
    async () => {
      log.push(`${name}+`);
      await new Promise<void>((r) => release.set(name, r));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
  const until = async (name: string) => {
    while (!release.has(name)) await new Promise((r) => setImmediate(r));
  };
  const a1 = q.run('a', task('a1', true));
  const a2 = q.run('a', task('a2'));
  const b1 = q.run('b', task('b1'));
  // b1 starts while a1 is running; a2 waits for a1.
  await until('a1');
  await until('b1');
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a1+', 'b1+']);
  release.get('b1')!();
  assert.equal(await b1, 'b1');
  assert.ok(!log.includes('a2+'), 'a2 waits for a1, not for b1');
  release.get('a1')!();
  await assert.rejects(a1, /a1/);
  await until('a2');
  release.get('a2')!();
  assert.equal(await a2, 'a2');
  assert.deepEqual(log, ['a1+', 'b1+', 'b1-', 'a1-', 'a2+', 'a2-']);
  await new Promise((r) => setImmediate(r));
  assert.equal(q.activeKeys, 0);
});
