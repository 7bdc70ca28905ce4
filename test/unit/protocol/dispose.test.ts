import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, DisposableStore, disposeAll, toDisposable } from '../../../src/protocol/dispose';

class Owner extends Disposable {
  add(fn: () => void) {
    return this._register(toDisposable(fn));
  }
}

test('a Disposable releases what it registered once, newest first', () => {
  const order: string[] = [];
  const owner = new Owner();
  owner.add(() => order.push('a'));
  owner.add(() => order.push('b'));
  owner.dispose();
  owner.dispose();
  assert.deepEqual(order, ['b', 'a']);
  assert.equal(owner.isDisposed, true);
});

test('registering on a disposed owner disposes at once', () => {
  const owner = new Owner();
  owner.dispose();
  let ran = 0;
  owner.add(() => ran++);
  assert.equal(ran, 1);
});

test('disposeAll disposes every item even when one throws, then rethrows the first error', () => {
  const seen: number[] = [];
  const items = [
    toDisposable(() => seen.push(1)),
    toDisposable(() => {
      throw new Error('boom');
    }),
    toDisposable(() => seen.push(3)),
  ];
  assert.throws(() => disposeAll(items), /boom/);
  assert.deepEqual(seen, [3, 1]);
  assert.equal(items.length, 0);
});

test('a DisposableStore can be cleared and reused', () => {
  const store = new DisposableStore();
  let n = 0;
  store.add(toDisposable(() => n++));
  store.clear();
  store.add(toDisposable(() => n++));
  store.dispose();
  assert.equal(n, 2);
});
