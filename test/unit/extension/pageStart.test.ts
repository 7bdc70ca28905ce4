// A webview page that never says `ready` is loaded again, waiting twice as long each time, up to a limit the
// log names; a page that starts, a hidden page and a disposed watch are left alone. Timers are node's mock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageStartWatch, type WatchedPanel } from '../../../src/extension/pageStart';

function fakePanel(visible = true) {
  const listeners = new Set<(m: unknown) => void>();
  const viewState = new Set<() => void>();
  const panel: WatchedPanel & { visible: boolean; post(m: unknown): void; show(on: boolean): void } = {
    visible,
    onDidChangeViewState: (l) => {
      viewState.add(l);
      return { dispose: () => viewState.delete(l) };
    },
    show: (on) => {
      panel.visible = on;
      viewState.forEach((l) => l());
    },
    webview: {
      onDidReceiveMessage: (l) => {
        listeners.add(l);
        return { dispose: () => listeners.delete(l) };
      },
    },
    post: (m) => listeners.forEach((l) => l(m)),
  };
  return panel;
}

function watch(panel: WatchedPanel, maxLoads = 4) {
  const logged: string[] = [];
  let reloads = 0;
  const w = new PageStartWatch(panel, {
    reload: () => reloads++,
    log: { warn: (m: string) => logged.push(`warn ${m}`), error: (m: string) => logged.push(`error ${m}`) },
    name: 'Results panel chest',
    firstWaitMs: 10_000,
    maxLoads,
  });
  return { w, logged, reloads: () => reloads };
}

test('a page that does not start is loaded again after 10, 20 and 40 s, then the log says it did not start', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { w, logged, reloads } = watch(fakePanel());
  t.mock.timers.tick(9_999);
  assert.equal(reloads(), 0);
  t.mock.timers.tick(1);
  assert.equal(reloads(), 1);
  assert.match(
    logged[0],
    /^warn Results panel chest: its page has not started 10 s after loading; loading it again\.$/,
  );
  t.mock.timers.tick(19_999);
  assert.equal(reloads(), 1, 'the second wait is 20 s');
  t.mock.timers.tick(1);
  t.mock.timers.tick(40_000);
  assert.equal(reloads(), 3);
  t.mock.timers.tick(80_000);
  assert.equal(reloads(), 3, 'four loads in all');
  assert.match(
    logged.at(-1)!,
    /^error Results panel chest: its page did not start \(4 loads, the last waited 80 s\)\.$/,
  );
  assert.equal(w.hasStarted, false);
  w.dispose();
});

test('a page hidden then shown again has its full wait from the showing (VS Code loads it again then)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const panel = fakePanel();
  const { w, reloads } = watch(panel);
  t.mock.timers.tick(3_000);
  panel.show(false);
  t.mock.timers.tick(6_000);
  panel.show(true);
  t.mock.timers.tick(9_999);
  assert.equal(reloads(), 0, 'not 1 s after it was shown again');
  t.mock.timers.tick(1);
  assert.equal(reloads(), 1);
  w.dispose();
});

test('a page that says ready (even late, after a reload) stops the watch; other messages do not', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const panel = fakePanel();
  const { w, logged, reloads } = watch(panel);
  panel.post({ kind: 'notify', type: 'log', params: {} });
  panel.post({ kind: 'request', type: 'ready' });
  panel.post(null);
  t.mock.timers.tick(10_000);
  assert.equal(reloads(), 1);
  panel.post({ kind: 'notify', type: 'ready', params: {} });
  assert.equal(w.hasStarted, true);
  t.mock.timers.tick(500_000);
  assert.equal(reloads(), 1);
  assert.equal(logged.length, 1);
  w.dispose();
});

test('a hidden page is not reloaded; the wait starts when it is shown; a disposed watch does nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const panel = fakePanel(false);
  const { w, reloads } = watch(panel);
  t.mock.timers.tick(60_000);
  assert.equal(reloads(), 0);
  panel.show(true);
  t.mock.timers.tick(9_999);
  assert.equal(reloads(), 0, 'ten seconds from being shown, not from being opened');
  t.mock.timers.tick(1);
  assert.equal(reloads(), 1);
  w.dispose();
  t.mock.timers.tick(500_000);
  assert.equal(reloads(), 1);
});
