import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcClient, RpcError, RpcHandler, type ResponseMsg } from '../../../src/protocol/rpc';
import { XrayError } from '../../../src/core/errors';

type Methods = {
  add: [{ a: number; b: number }, number];
  slow: [{ ms: number }, string];
  fail: [{ how: 'xray' | 'type' | 'reject' }, never];
};
type Notes = { hello: { name: string }; boom: Record<string, never> };

/** A client and a handler joined by a queue-free channel (messages are delivered synchronously). */
function pair(opts: { checks?: boolean } = {}) {
  const responses: ResponseMsg[] = [];
  const notes: string[] = [];
  const noteErrors: { type: string; code: string; message: string }[] = [];
  const handler = new RpcHandler<Methods, Notes>({
    name: 'The test peer',
    requests: {
      add: ({ a, b }) => a + b,
      slow: ({ ms }) => new Promise((resolve) => setTimeout(() => resolve(`waited ${ms}`), ms)),
      fail: ({ how }) => {
        if (how === 'xray') throw new XrayError('CORRUPT', 'The file is damaged.', 'at offset 12');
        if (how === 'type') throw new TypeError('x is undefined');
        return Promise.reject(new XrayError('CANCELLED', 'Stopped.'));
      },
    },
    notifications: {
      hello: ({ name }) => notes.push(`hello ${name}`),
      boom: () => {
        throw new Error('it broke');
      },
    },
    checks: opts.checks
      ? { add: (p) => (typeof (p as { a?: unknown }).a === 'number' ? undefined : '"a" must be a number') }
      : undefined,
    respond: (msg) => {
      responses.push(msg);
      client.handle(msg);
    },
    onNotificationError: (type, e) => noteErrors.push({ type, code: e.code, message: e.message }),
  });
  const client = new RpcClient<Methods>((msg) => handler.handle(msg), {
    timeoutCode: 'WEBVIEW_TIMEOUT',
    name: 'The test peer',
  });
  return { client, handler, responses, notes, noteErrors };
}

test('requests are dispatched by method and answered once with the response envelope', async () => {
  const { client, responses } = pair();
  assert.equal(await client.request('add', { a: 2, b: 3 }), 5);
  assert.equal(await client.request('slow', { ms: 5 }), 'waited 5');
  assert.equal(responses.length, 2);
  assert.deepEqual(responses[0], { kind: 'response', id: 1, ok: true, result: 5 });
  assert.equal(client.inFlight, 0);
});

test('a synchronous handler is answered before handle() returns', () => {
  const { handler, responses } = pair();
  handler.handle({ kind: 'request', id: 7, method: 'add', params: { a: 1, b: 1 } });
  assert.deepEqual(responses, [{ kind: 'response', id: 7, ok: true, result: 2 }]);
});

test('an unknown method and unusable parameters get BAD_REQUEST responses that name them', async () => {
  const { handler, responses } = pair({ checks: true });
  handler.handle({ kind: 'request', id: 1, method: 'divide', params: {} });
  handler.handle({ kind: 'request', id: 2, method: 'add', params: null });
  handler.handle({ kind: 'request', id: 3, method: 'add', params: { a: 'two', b: 1 } });
  // An inherited property is not a method.
  handler.handle({ kind: 'request', id: 4, method: 'toString', params: {} });
  const errors = responses.map((r) => (r.ok ? undefined : r.error));
  assert.deepEqual(
    errors.map((e) => e?.code),
    ['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST'],
  );
  assert.match(errors[0]!.message, /^The test peer does not know the request "divide"/);
  assert.match(errors[1]!.message, /cannot answer "add": its parameters are missing/);
  assert.match(errors[2]!.message, /cannot answer "add": "a" must be a number/);
  assert.match(errors[3]!.message, /does not know the request "toString"/);
  assert.deepEqual(
    responses.map((r) => r.id),
    [1, 2, 3, 4],
  );
});

test('handler errors keep their code when they are ours, and become INTERNAL otherwise', async () => {
  const { client } = pair();
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('should have failed'),
      (e: unknown) => {
        assert.ok(e instanceof RpcError);
        return e.info;
      },
    );
  const xray = await codeOf(client.request('fail', { how: 'xray' }));
  assert.deepEqual(xray, { code: 'CORRUPT', message: 'The file is damaged.', detail: 'at offset 12' });
  const plain = await codeOf(client.request('fail', { how: 'type' }));
  assert.equal(plain.code, 'INTERNAL');
  assert.equal(plain.message, 'The test peer could not answer "fail": x is undefined');
  const rejected = await codeOf(client.request('fail', { how: 'reject' }));
  assert.equal(rejected.code, 'CANCELLED');
});

test('notifications are dispatched by type; refused and failing ones are reported, not thrown', () => {
  const { handler, notes, noteErrors } = pair();
  assert.equal(handler.handle({ kind: 'notify', type: 'hello', params: { name: 'x' } }), true);
  assert.deepEqual(notes, ['hello x']);
  handler.handle({ kind: 'notify', type: 'boom', params: {} });
  handler.handle({ kind: 'notify', type: 'unheard', params: {} });
  handler.handle({ kind: 'notify', type: 'hello', params: 3 });
  assert.deepEqual(noteErrors, [
    { type: 'boom', code: 'INTERNAL', message: 'The test peer could not handle "boom": it broke' },
    { type: 'unheard', code: 'BAD_REQUEST', message: 'The test peer does not know the message "unheard".' },
    { type: 'hello', code: 'BAD_REQUEST', message: 'The test peer cannot take "hello": its parameters are missing.' },
  ]);
  assert.deepEqual(notes, ['hello x']);
});

test('messages that are not requests or notifications are left to others', () => {
  const { handler } = pair();
  for (const m of [undefined, null, 3, 'x', {}, { kind: 'response', id: 1, ok: true, result: 1 }, { kind: 'request' }])
    assert.equal(handler.handle(m), false, JSON.stringify(m));
});

test('a timeout says what timed out: the peer, its code and the method', async () => {
  const sent: unknown[] = [];
  const webview = new RpcClient<Methods>((m) => sent.push(m), { timeoutCode: 'WEBVIEW_TIMEOUT', name: 'The viewer' });
  const engine = new RpcClient<Methods>((m) => sent.push(m), {
    timeoutCode: 'ENGINE_TIMEOUT',
    name: 'The inference engine',
  });
  const info = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('should time out'),
      (e: RpcError) => e.info,
    );
  assert.deepEqual(await info(webview.request('slow', { ms: 0 }, { timeoutMs: 20 })), {
    code: 'WEBVIEW_TIMEOUT',
    message: 'The viewer did not answer "slow" within 20 ms.',
  });
  assert.equal((await info(engine.request('add', { a: 1, b: 2 }, { timeoutMs: 1 }))).code, 'ENGINE_TIMEOUT');
  assert.equal(webview.inFlight + engine.inFlight, 0);
  assert.equal(sent.length, 2);
});
