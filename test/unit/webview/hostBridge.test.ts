// The shared webview bridge without a browser: Node's EventTarget and MessageEvent stand in for the
// webview's window, and a recording VsCodeApi for acquireVsCodeApi().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostBridge, type VsCodeApi } from '../../../src/webview/shared/hostBridge';
import { RpcError } from '../../../src/protocol/rpc';

type ToHost = { ready: Record<string, never>; log: { message: string } };
type FromHost = { show: { text: string } };
type Served = { echo: [{ text: string }, string] };
type HostMethods = { pick: [{ title: string }, string | undefined] };

function setup() {
  const posted: unknown[] = [];
  let saved: unknown = { v: 'saved' };
  const api: VsCodeApi = {
    postMessage: (m) => posted.push(m),
    getState: () => saved,
    setState: (s) => (saved = s),
  };
  const win = new EventTarget();
  const bridge = new HostBridge<ToHost, FromHost, Served, HostMethods>(api, 'The test view', 20);
  const fromHost = (data: unknown) => win.dispatchEvent(new MessageEvent('message', { data }));
  return { api, posted, win, bridge, fromHost, saved: () => saved };
}

test('notifications go out in the protocol envelope', () => {
  const { bridge, posted } = setup();
  bridge.notify('ready', {});
  bridge.notify('log', { message: 'hi' });
  assert.deepEqual(posted, [
    { kind: 'notify', type: 'ready', params: {} },
    { kind: 'notify', type: 'log', params: { message: 'hi' } },
  ]);
});

test('served requests are answered, notifications handled, and each message is followed by afterMessage', () => {
  const { bridge, posted, win, fromHost } = setup();
  const shown: string[] = [];
  let after = 0;
  const errors: string[] = [];
  bridge.serve(
    {
      requests: { echo: ({ text }) => text.toUpperCase() },
      notifications: { show: ({ text }) => shown.push(text) },
      onNotificationError: (type, e) => errors.push(`${type}: ${e.code}`),
      afterMessage: () => after++,
    },
    win as unknown as Window,
  );
  fromHost({ kind: 'notify', type: 'show', params: { text: 'a' } });
  fromHost({ kind: 'request', id: 4, method: 'echo', params: { text: 'b' } });
  fromHost({ kind: 'request', id: 5, method: 'nope', params: {} });
  fromHost({ kind: 'notify', type: 'other', params: {} });
  fromHost('not a message');
  assert.deepEqual(shown, ['a']);
  assert.deepEqual(posted[0], { kind: 'response', id: 4, ok: true, result: 'B' });
  assert.equal((posted[1] as { error: { code: string } }).error.code, 'BAD_REQUEST');
  assert.match(
    (posted[1] as { error: { message: string } }).error.message,
    /^The test view does not know the request "nope"/,
  );
  assert.deepEqual(errors, ['other: BAD_REQUEST']);
  assert.equal(after, 4, 'after each request or notification, not after foreign messages');
});

test('requests to the host resolve with its response and time out as HOST_TIMEOUT naming the method', async () => {
  const { bridge, posted, win, fromHost } = setup();
  bridge.serve({ requests: { echo: ({ text }) => text }, notifications: {} }, win as unknown as Window);
  const answer = bridge.request('pick', { title: 'Model' });
  const req = posted[0] as { kind: string; id: number; method: string };
  assert.equal(req.method, 'pick');
  fromHost({ kind: 'response', id: req.id, ok: true, result: 'model-a' });
  assert.equal(await answer, 'model-a');
  await assert.rejects(bridge.request('pick', { title: 'x' }, 10), (e: unknown) => {
    assert.ok(e instanceof RpcError);
    assert.equal(e.info.code, 'HOST_TIMEOUT');
    assert.equal(e.info.message, 'The extension host did not answer "pick" within 10 ms.');
    return true;
  });
});

test('state: read once as saved, written once after a burst of saves, with the latest snapshot', async () => {
  const { bridge, saved } = setup();
  assert.deepEqual(bridge.savedState(), { v: 'saved' });
  let n = 0;
  for (let i = 0; i < 5; i++) bridge.saveState(() => ({ n: ++n }));
  assert.deepEqual(saved(), { v: 'saved' }, 'not written during the burst');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(saved(), { n: 1 }, 'the snapshot is taken once, when the save happens');
});

test('dispose stops listening, drops a pending save and fails requests in flight', async () => {
  const { bridge, posted, win, fromHost, saved } = setup();
  const shown: string[] = [];
  bridge.serve(
    { requests: { echo: ({ text }) => text }, notifications: { show: ({ text }) => shown.push(text) } },
    win as unknown as Window,
  );
  const pending = bridge.request('pick', { title: 'x' }, 10_000);
  bridge.saveState(() => ({ late: true }));
  bridge.dispose();
  await assert.rejects(pending, (e: RpcError) => e.info.code === 'CANCELLED');
  fromHost({ kind: 'notify', type: 'show', params: { text: 'after' } });
  assert.deepEqual(shown, []);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(saved(), { v: 'saved' });
  assert.equal(posted.length, 1);
});
