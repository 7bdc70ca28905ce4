// Where a Chromium trace's main-thread time went (bench:panel with XRAY_BENCH_TRACE=1 writes the traces). VS Code
// for the web runs the workbench and every webview page on one renderer main thread, so this sees what the page's
// own observers cannot. For every task, and for the long ones (over 50 ms) apart: self time split into scripts (by
// the frame that ran them: the workbench, a webview's host frame, a webview's page), garbage collection, style,
// layout, paint and the rest; and how much of a task's wall time its thread ran at all (thread time `tdur`): the
// difference is time the thread waited for a core, i.e. the machine's load.
//
//   node scripts/bench/trace-long-tasks.mjs test-output/traces/panel-sweep.json [--over 50] [--top 12]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { over: { type: 'string', default: '50' }, top: { type: 'string', default: '12' } },
  allowPositionals: true,
});
const OVER_MS = Number(values.over);
const TOP = Number(values.top);

const raw = JSON.parse(readFileSync(positionals[0], 'utf8'));
const events = Array.isArray(raw) ? raw : raw.traceEvents;

// Frame id -> what it is, from the frames known when tracing started and those committed since.
const frames = new Map();
const nameFrame = (url) =>
  /webview\/browser\/pre\/fake\.html/.test(url)
    ? 'webview page'
    : /webview\/browser\/pre\/index\.html/.test(url)
      ? 'webview host frame'
      : /services\/extensions\/worker/.test(url)
        ? 'extension worker frame'
        : 'workbench';
for (const e of events) {
  for (const f of e.args?.data?.frames ?? []) if (f.frame && f.url) frames.set(f.frame, nameFrame(f.url));
  if (e.name === 'FrameCommittedInBrowser' && e.args?.data?.frame)
    frames.set(e.args.data.frame, nameFrame(e.args.data.url ?? ''));
}

const mains = new Set(
  events
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`),
);
const byThread = new Map();
for (const e of events)
  if (e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)) {
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }

const SCRIPT = new Set(['FunctionCall', 'EvaluateScript', 'v8.callFunction', 'v8.run', 'v8.compile', 'RunMicrotasks']);

/** The bucket of an event's own time (undefined: its parent's); scripts by the frame they run in. */
function bucket(e, frame) {
  const n = e.name;
  if (/GC|Scavenge|MarkCompact/.test(n)) return /Minor|Scavenge/.test(n) ? 'GC minor' : 'GC major';
  if (n === 'UpdateLayoutTree' || n === 'RecalculateStyles' || n === 'ParseAuthorStyleSheet') return 'style';
  if (n === 'Layout' || n === 'UpdateLayout') return 'layout';
  if (/Paint|Layerize|Commit|CompositeLayers|UpdateLayer/.test(n)) return 'paint';
  if (SCRIPT.has(n) || /^V8\.|^v8\./.test(n)) return `script: ${frames.get(frame) ?? 'unknown frame'}`;
  if (n === 'ParseHTML') return 'parse HTML';
  return undefined;
}

const all = new Map();
const long = new Map();
const add = (m, b, ms) => m.set(b, (m.get(b) ?? 0) + ms);
const busy = { wall: 0, cpu: 0, tasks: 0, over16: 0 };
const tasks = [];
let first = Infinity;
let last = -Infinity;

for (const list of byThread.values()) {
  list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  first = Math.min(first, list[0].ts);
  last = Math.max(last, ...list.map((e) => e.ts + e.dur));
  // Outermost tasks only (a RunTask can sit inside ThreadControllerImpl::RunTask).
  const top = [];
  for (const e of list) {
    if (e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask') continue;
    const prev = top.at(-1);
    if (!prev || prev.ts + prev.dur <= e.ts) top.push(e);
  }
  let i = 0;
  for (const t of top) {
    const end = t.ts + t.dur;
    const cpu = (t.tdur ?? t.dur) / 1000;
    busy.wall += t.dur / 1000;
    busy.cpu += cpu;
    busy.tasks++;
    if (t.dur >= 16.7e3) busy.over16++;
    while (i < list.length && list[i].ts < t.ts) i++;
    // Self time per bucket: the task's events as a stack; time goes to the innermost bucketed event.
    const self = new Map();
    const stack = [{ end, bucket: 'other', frame: undefined }];
    let at = t.ts;
    const popTo = (ts) => {
      while (stack.length > 1 && stack.at(-1).end <= ts) {
        const s = stack.pop();
        add(self, s.bucket, (s.end - at) / 1000);
        at = s.end;
      }
    };
    const what = new Set();
    for (let j = i; j < list.length && list[j].ts < end; j++) {
      const e = list[j];
      if (e === t || !e.dur) continue;
      popTo(e.ts);
      const frame = e.args?.data?.frame ?? stack.at(-1).frame;
      const b = bucket(e, frame) ?? stack.at(-1).bucket;
      add(self, stack.at(-1).bucket, (e.ts - at) / 1000);
      at = e.ts;
      stack.push({ end: Math.min(e.ts + e.dur, end), bucket: b, frame });
      if (e.name === 'EventDispatch' || e.name === 'TimerFire' || e.name === 'FireAnimationFrame')
        what.add(`${e.name}${e.args?.data?.type ? ` ${e.args.data.type}` : ''} (${frames.get(frame) ?? '?'})`);
    }
    popTo(end);
    add(self, 'other', (end - at) / 1000);
    for (const [b, ms] of self) add(all, b, ms);
    if (t.dur < OVER_MS * 1000) continue;
    for (const [b, ms] of self) add(long, b, ms);
    tasks.push({ ts: t.ts, ms: t.dur / 1000, cpu, self, what: [...what].slice(0, 4).join(', ') });
  }
}

const fmt = (m) =>
  [...m]
    .filter(([, ms]) => ms >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([b, ms]) => `${b} ${ms.toFixed(0)}`)
    .join(', ');
const f0 = (x) => x.toFixed(0);
console.log(
  `renderer main thread(s): ${busy.tasks} tasks in ${((last - first) / 1e6).toFixed(1)} s; busy ${f0(busy.wall)} ms wall, ` +
    `${f0(busy.cpu)} ms running (the rest waited for a core); ${busy.over16} tasks longer than a frame (16.7 ms)`,
);
console.log(`  all tasks, self time (ms): ${fmt(all)}`);
const sum = tasks.reduce((a, t) => a + t.ms, 0);
const cpu = tasks.reduce((a, t) => a + t.cpu, 0);
console.log(`${tasks.length} tasks over ${OVER_MS} ms: ${f0(sum)} ms wall, ${f0(cpu)} ms running`);
if (tasks.length) console.log(`  their self time (ms): ${fmt(long)}`);
for (const t of [...tasks].sort((a, b) => b.ms - a.ms).slice(0, TOP))
  console.log(
    `  +${((t.ts - first) / 1e6).toFixed(2)} s  ${t.ms.toFixed(0)} ms (running ${t.cpu.toFixed(0)}): ${fmt(t.self)}` +
      (t.what ? `  [${t.what}]` : ''),
  );
