// The batch service end to end on the real engine (worker threads, batched sessions) and a real store:
// rows for every file, bad files recorded, unchanged files skipped, touched ones refreshed without
// inference, changed ones re-scored, a new model version adding only its rows, cancellation, an engine
// crash mid-batch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchService, type BatchListener } from '../../../src/engine/batch/service';
import { loadResults, StoreWriteError } from '../../../src/engine/batch/store';
import { parseRows } from '../../../src/core/batch/jsonl';
import type { BatchRow } from '../../../src/core/batch/types';
import type { BatchProgress } from '../../../src/core/batch/progress';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import type { EngineClient } from '../../../src/engine/client';
import { png16 } from '../../fixtures/images';
import { writeAnomalyMapModel, writeTwoHeadModel } from '../../fixtures/models';
import { batchModel, buildOnce, imagePixel, makeDataset, newEngine, workDir } from './helpers';

let work: string;
let data: string;
let engine: EngineClient;
let model: ReturnType<typeof batchModel>;
const scan = { filesExclude: { '**/skipme': true, '**/other': false } };

before(async () => {
  buildOnce();
  work = workDir('batch-service');
  data = await makeDataset(work);
  model = batchModel(join(work, 'models'));
  engine = newEngine();
});
after(() => engine.dispose());

function collect(): { rows: BatchRow[]; listener: BatchListener } {
  const rows: BatchRow[] = [];
  return { rows, listener: { onRows: (r) => rows.push(...r) } };
}

test('scores every file once; bad files become rows; excluded folders and non-images are left out', async () => {
  const store = join(work, 's1/results.jsonl');
  const { rows, listener } = collect();
  const s = await new BatchService(engine).run(
    {
      root: data,
      scan,
      models: [{ manifestPath: model.manifestPath }],
      store,
      media: { dir: join(work, 's1/media') },
      tuning: { chunk: 3, inFlight: 3 },
    },
    listener,
  );
  const paths = rows.map((r) => r.path).sort();
  assert.equal(paths.length, 14);
  assert.ok(paths.includes('b/IM0001'), 'extension-less DICOM found by its preamble');
  assert.ok(!paths.some((p) => p.startsWith('skipme/') || p.endsWith('.txt')));
  assert.equal(s.failed, 1);
  assert.equal(rows.find((r) => r.path === 'a/broken.png')?.error?.stage, 'decode');
  assert.equal(s.scored, 13);
  for (const r of rows.filter((x) => x.score)) {
    assert.match(r.hash, /^[0-9a-f]{64}$/);
    assert.ok(r.thumb && r.heatmap, 'thumbnail and heatmap cached');
    assert.ok(
      readFileSync(join(work, 's1/media', r.thumb))
        .subarray(8, 12)
        .toString() === 'WEBP',
    );
    // Dataset-quality measures of the decoded image ride along in each row.
    assert.deepEqual([r.quality?.width, r.quality?.height], r.path === 'b/IM0001' ? [40, 40] : [48, 40]);
    assert.match(r.quality?.phash ?? '', /^[0-9a-f]{16}$/);
  }
  assert.equal(rows.find((r) => r.path === 'a/broken.png')?.quality, undefined);
  // What is on disk is what the listener saw, and the index loads to the same table.
  const onDisk = parseRows(readFileSync(store, 'utf8')).rows;
  assert.deepEqual(onDisk, rows);
  const loaded = await loadResults(store);
  assert.equal(loaded.info.rebuilt, false);
  assert.equal(loaded.info.indexRows, 14);
  assert.deepEqual(
    [...loaded.table.rows].sort((a, b) => (a.path < b.path ? -1 : 1)),
    [...rows].sort((a, b) => (a.path < b.path ? -1 : 1)),
  );
});

test('batched scores equal the one-image path (decode + analyze) of the viewer', async () => {
  const store = join(work, 's2/results.jsonl');
  const { rows, listener } = collect();
  await new BatchService(engine).run(
    { root: data, scan, models: [{ manifestPath: model.manifestPath }], store, tuning: { chunk: 6, inFlight: 2 } },
    listener,
  );
  const m = await engine.loadModel({ manifestPath: model.manifestPath, provider: 'cpu' });
  for (const r of rows.filter((x) => x.score).slice(0, 6)) {
    const bytes = new Uint8Array(readFileSync(join(data, r.path)));
    const d = await engine.decode({ bytes, fileName: r.path, limits: DEFAULT_DECODE_LIMITS });
    const a = await engine.analyze({ imageId: d.imageId, modelKey: m.modelKey });
    await engine.releaseImage({ imageId: d.imageId });
    assert.equal(r.score!.raw, a.score.raw, r.path);
    assert.equal(r.score!.normalized, a.score.normalized);
  }
});

test('quality: false leaves the quality measures out of the rows and nothing else', async () => {
  const run = async (dir: string, quality?: boolean) => {
    const { rows, listener } = collect();
    await new BatchService(engine).run(
      {
        root: data,
        scan,
        models: [{ manifestPath: model.manifestPath }],
        store: join(work, dir, 'results.jsonl'),
        ...(quality === undefined ? {} : { quality }),
      },
      listener,
    );
    return rows.sort((a, b) => (a.path < b.path ? -1 : 1));
  };
  const withQ = await run('q1');
  const without = await run('q2', false);
  assert.ok(withQ.filter((r) => r.score).every((r) => r.quality));
  assert.ok(without.every((r) => r.quality === undefined));
  const strip = (r: BatchRow) => ({ ...r, quality: undefined, at: '', ms: 0 });
  assert.deepEqual(without.map(strip), withQ.map(strip));
});

test('a model with a score output: scores without heatmaps (score output run alone) equal those with heatmaps and the viewer score', async () => {
  const amap = writeAnomalyMapModel(join(work, 'amap'), { height: 32, width: 32, scoreReduce: 'mean' });
  const run = async (dir: string, heatmaps: boolean) => {
    const { rows, listener } = collect();
    await new BatchService(engine).run(
      {
        root: data,
        scan,
        models: [{ manifestPath: amap.manifestPath }],
        store: join(work, dir, 'results.jsonl'),
        ...(heatmaps ? { media: { dir: join(work, dir, 'media') } } : {}),
      },
      listener,
    );
    return new Map(rows.filter((r) => r.score).map((r) => [r.path, r]));
  };
  const scoreOnly = await run('f1', false);
  const withMaps = await run('f2', true);
  assert.equal(scoreOnly.size, 13);
  for (const [path, r] of scoreOnly) {
    assert.equal(r.heatmap, undefined);
    assert.ok(withMaps.get(path)?.heatmap, path);
    assert.equal(r.score!.raw, withMaps.get(path)!.score!.raw, path);
  }
  const m = await engine.loadModel({ manifestPath: amap.manifestPath, provider: 'cpu' });
  const [path, r] = [...scoreOnly][0];
  const d = await engine.decode({
    bytes: new Uint8Array(readFileSync(join(data, path))),
    fileName: path,
    limits: DEFAULT_DECODE_LIMITS,
  });
  const a = await engine.analyze({ imageId: d.imageId, modelKey: m.modelKey });
  await engine.releaseImage({ imageId: d.imageId });
  assert.equal(r.score!.raw, a.score.raw);
});

test('a score head beside the map head: runs without heatmaps go through the lean session, with the same scores', async () => {
  const two = writeTwoHeadModel(join(work, 'two'));
  const run = async (dir: string, heatmaps: boolean) => {
    const { rows, listener } = collect();
    const s = await new BatchService(engine).run(
      {
        root: data,
        scan,
        models: [{ manifestPath: two.manifestPath }],
        store: join(work, dir, 'results.jsonl'),
        ...(heatmaps ? { media: { dir: join(work, dir, 'media') } } : {}),
      },
      listener,
    );
    return { s, rows: new Map(rows.filter((r) => r.score).map((r) => [r.path, r])) };
  };
  const lean = await run('l1', false);
  const full = await run('l2', true);
  assert.equal(lean.rows.size, 13);
  assert.ok(lean.s.pipeline!.inferLeanItems > 0);
  assert.equal(lean.s.pipeline!.inferLeanItems, lean.s.pipeline!.inferItems);
  assert.equal(full.s.pipeline!.inferLeanItems, 0);
  for (const [path, r] of lean.rows) {
    assert.ok(full.rows.get(path)?.heatmap, path);
    assert.equal(r.score!.raw, full.rows.get(path)!.score!.raw, path);
  }
});

test('re-runs: unchanged skipped, touched refreshed without inference, changed re-scored, new version adds rows', async () => {
  const store = join(work, 's3/results.jsonl');
  const run = (manifests: string[], l: BatchListener = {}) =>
    new BatchService(engine).run(
      { root: data, scan, models: manifests.map((manifestPath) => ({ manifestPath })), store },
      l,
    );
  await run([model.manifestPath]);
  const again = await run([model.manifestPath]);
  assert.equal(again.processed, 0);
  assert.equal(again.upToDate, 14);

  const touched = join(data, 'a/img001.png');
  const changed = join(data, 'b/img002.png');
  utimesSync(touched, new Date(), new Date(Date.now() + 5000));
  const before = (await loadResults(store)).table;
  const oldChanged = before.rows.find((r) => r.path === 'b/img002.png')!;
  writeFileSync(changed, await png16(48, 40, imagePixel(3)));
  const c = collect();
  const s = await run([model.manifestPath], c.listener);
  assert.equal(s.processed, 2);
  assert.equal(s.refreshed, 1);
  assert.equal(s.scored, 1);
  const refreshed = c.rows.find((r) => r.path === 'a/img001.png')!;
  const prev = before.rows.find((r) => r.path === 'a/img001.png')!;
  assert.deepEqual(refreshed.score, prev.score);
  assert.notEqual(refreshed.mtimeMs, prev.mtimeMs);
  const rescored = c.rows.find((r) => r.path === 'b/img002.png')!;
  assert.notEqual(rescored.hash, oldChanged.hash);
  assert.notEqual(rescored.score!.raw, oldChanged.score!.raw);

  // A new model version: its own 14 rows; version 1's rows untouched.
  const v2 = batchModel(join(work, 'models-v2'), '2.0.0');
  const c2 = collect();
  const s2 = await run([model.manifestPath, v2.manifestPath], c2.listener);
  assert.equal(s2.upToDate, 14);
  assert.equal(c2.rows.length, 14);
  assert.ok(c2.rows.every((r) => r.modelVersion === '2.0.0'));
  const table = (await loadResults(store)).table;
  assert.equal(table.size, 28);
  assert.equal(parseRows(readFileSync(store, 'utf8')).rows.length, 14 + 2 + 14);
});

test('moved, renamed and copied files reuse the stored result of their content; a moved broken file is read again', async () => {
  const dir = workDir('batch-reuse');
  const d = await makeDataset(dir);
  const store = join(dir, 's/results.jsonl');
  const run = (manifests: string[], l: BatchListener = {}) =>
    new BatchService(engine).run(
      { root: d, scan, models: manifests.map((manifestPath) => ({ manifestPath })), store },
      l,
    );
  await run([model.manifestPath]);
  const before = (await loadResults(store)).table;
  const old = (p: string) => before.rows.find((r) => r.path === p)!;
  renameSync(join(d, 'a/img001.png'), join(d, 'a/renamed.png'));
  mkdirSync(join(d, 'moved'));
  renameSync(join(d, 'b/img002.png'), join(d, 'moved/img002.png'));
  copyFileSync(join(d, 'b/img004.png'), join(d, 'a/copy-of-img004.png'));
  renameSync(join(d, 'a/broken.png'), join(d, 'moved/broken.png'));
  const c = collect();
  const s = await run([model.manifestPath], c.listener);
  assert.equal(s.reused, 3, 'three contents found under new paths');
  assert.equal(s.scored, 0, 'none of them scored again');
  assert.equal(s.processed, 1, 'the broken file has no result to reuse: read again');
  assert.equal(s.failed, 1);
  for (const [now, was] of [
    ['a/renamed.png', 'a/img001.png'],
    ['moved/img002.png', 'b/img002.png'],
    ['a/copy-of-img004.png', 'b/img004.png'],
  ]) {
    const r = c.rows.find((x) => x.path === now)!;
    assert.ok(r, `a row for ${now}`);
    assert.deepEqual(r.score, old(was).score);
    assert.equal(r.hash, old(was).hash);
    assert.equal(r.quality?.phash, old(was).quality?.phash);
  }
  // The rows are in the store: a third run has nothing to do.
  const again = await run([model.manifestPath]);
  assert.equal(again.processed + again.reused, 0);
});

test('cancelling stops sending files, writes what was in flight; a re-run completes without duplicates', async () => {
  const store = join(work, 's4/results.jsonl');
  const ac = new AbortController();
  const s = await new BatchService(engine).run(
    {
      root: data,
      scan,
      models: [{ manifestPath: model.manifestPath }],
      store,
      signal: ac.signal,
      tuning: { chunk: 1, inFlight: 1, flushMs: 10, progressMs: 0 },
    },
    // Cancel from the progress of the first scored file: onProgress runs synchronously when a result
    // arrives, before the next file is sent, so the stop point does not depend on timers or load (aborting
    // from onRows did: under load the flush timer fired after all 14 were done).
    { onProgress: (p) => p.done >= 1 && ac.abort() },
  );
  assert.equal(s.cancelled, true);
  assert.ok(s.processed >= 1 && s.processed < 14, `stopped early (${s.processed})`);
  assert.equal(s.saved, s.processed, 'a cancelled run writes what it scored');
  // What was in flight is on disk.
  assert.equal(parseRows(readFileSync(store, 'utf8')).rows.length, s.processed);
  const s2 = await new BatchService(engine).run({
    root: data,
    scan,
    models: [{ manifestPath: model.manifestPath }],
    store,
  });
  assert.equal(s2.processed + s.processed, 14);
  const rows = parseRows(readFileSync(store, 'utf8')).rows;
  assert.equal(new Set(rows.map((r) => r.path)).size, rows.length);
  assert.equal(rows.length, 14);
});

test('an engine crash mid-batch restarts the engine and the batch finishes with every file scored', async () => {
  const crashy = newEngine({ XRAY_ANOMALY_ENGINE_TEST_HOOKS: '1' });
  try {
    const store = join(work, 's5/results.jsonl');
    let armed = false;
    const restarts: string[] = [];
    const s = await new BatchService(crashy).run(
      {
        root: data,
        scan,
        models: [{ manifestPath: model.manifestPath }],
        store,
        tuning: { chunk: 2, inFlight: 2, flushMs: 10 },
      },
      {
        onRows: () => {
          if (armed) return;
          armed = true;
          // The next session run dies the way a native crash does (SIGABRT).
          void crashy.debugRequest('__arm', { stage: 'analyze', action: 'abort' });
        },
        onEngineRestart: (e) => restarts.push(e.message),
      },
    );
    assert.ok(s.restarts >= 1, 'the engine was restarted');
    assert.match(restarts[0], /stopped unexpectedly/);
    assert.equal(s.scored, 13);
    assert.equal(s.failed, 1); // the broken file, as without a crash
    const rows = parseRows(readFileSync(store, 'utf8')).rows;
    assert.equal(rows.length, 14);
    assert.equal(new Set(rows.map((r) => r.path)).size, 14);
  } finally {
    crashy.dispose();
  }
});

test('a disk that fills up stops the run; its last progress says how many files were scored and how many were saved', async (t) => {
  // Needs root to mount a small tmpfs for the store; skipped otherwise.
  const d = join(work, 's-full');
  mkdirSync(d, { recursive: true });
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small file system');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', d], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`mount failed: ${m.stderr.trim()}`);
  try {
    const store = join(d, 'results.jsonl');
    const { rows, listener } = collect();
    const events: BatchProgress[] = [];
    const err = await new BatchService(engine)
      .run(
        {
          root: data,
          scan,
          models: [{ manifestPath: model.manifestPath }],
          store,
          tuning: { chunk: 1, inFlight: 2, flushMs: 10, progressMs: 0 },
        },
        { ...listener, onProgress: (p) => events.push(p) },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof StoreWriteError && err.errno === 'ENOSPC', String(err));
    const last = events[events.length - 1];
    assert.equal(last.phase, 'stopped');
    // Saved: the files whose rows are in the store, as the listener was told; scored: at least those.
    const onDisk = parseRows(readFileSync(store, 'utf8')).rows;
    assert.ok(onDisk.length > 0 && onDisk.length < 14, `${onDisk.length} rows fit`);
    assert.equal(last.saved, onDisk.length);
    assert.deepEqual(onDisk, rows);
    assert.ok(last.done >= last.saved, `${last.done} scored, ${last.saved} saved`);
    assert.equal(last.total, 14);
    // Every event before the last counts no more saved than scored, and never goes back.
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i].saved <= events[i].done && events[i].saved >= events[i - 1].saved);
    }
  } finally {
    spawnSync('umount', ['-l', d]);
  }
});

test('a store that cannot be opened (read-only) ends with a stopped progress: nothing scored or saved, the files it keeps', async (t) => {
  const d = join(work, 's-ro');
  mkdirSync(d, { recursive: true });
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a read-only file system');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`mount failed: ${m.stderr.trim()}`);
  try {
    const opts = { root: data, scan, models: [{ manifestPath: model.manifestPath }], store: join(d, 'results.jsonl') };
    const first = await new BatchService(engine).run(opts);
    assert.equal(first.processed, 14);
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', d]).status, 0);
    const events: BatchProgress[] = [];
    const err = await new BatchService(engine).run(opts, { onProgress: (p) => events.push(p) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreWriteError && err.errno === 'EROFS', String(err));
    // Stopped before it could plan; the store, read through its index, keeps the first run's 14 files.
    assert.deepEqual(
      events.map((p) => [p.phase, p.done, p.saved, p.skipped]),
      [['stopped', 0, 0, 14]],
    );
  } finally {
    spawnSync('umount', ['-l', d]);
  }
});
