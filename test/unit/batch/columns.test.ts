// The columnar read of a store (what the results panel opens with) equals the row read field for field:
// rows still in the index's columns, rows replaced or added after the index (read from the log's tail),
// errors with and without a stage, several models (and a model not asked for), quality measures, media.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRow } from '../../../src/core/batch/jsonl';
import type { BatchRow, ModelRef } from '../../../src/core/batch/types';
import { loadResults, ResultStore } from '../../../src/engine/batch/store';

const N = 3000;
const A: ModelRef = { id: 'chest', version: '1.0.0', prep: '0123456789abcdef' };
const B: ModelRef = { id: 'hand', version: '2.1', prep: 'fedcba9876543210' };
const C: ModelRef = { id: 'knee', version: '0.3', prep: '00000000ffffffff' };

function rowOf(j: number, pass = 0): BatchRow {
  const m = [A, B, C][j % 3];
  const file = Math.floor(j / 3);
  const r: BatchRow = {
    path: file % 97 === 0 ? `étude ${file}/bild-ü-${file}.dcm` : `p${file % 40}/image-${file}.png`,
    modelId: m.id,
    modelVersion: m.version,
    prep: m.prep,
    hash: file % 503 === 0 ? '' : (file * 2654435761 + pass).toString(16).padStart(64, '0'),
    size: 1000 + file,
    mtimeMs: 1.79e12 + file + 0.5,
    ms: j % 50,
    at: `2026-12-06T10:00:${String(j % 60).padStart(2, '0')}.000Z`,
  };
  if (j % 29 === 0)
    r.error = j % 58 === 0 ? { code: 'CORRUPT', message: `bad ${j}`, stage: 'decode' } : { code: 'X', message: 'm' };
  else {
    r.score = {
      raw: Math.sin(j + pass),
      normalized: 0.5 + Math.sin(j) / 4,
      threshold: 0.3,
      aboveThreshold: j % 2 === 0,
    };
    if (j % 4) r.score.span = 2;
    if (j % 5) r.provider = 'cpu';
    if (j % 6) r.thumb = `thumbs/${j % 16}/${file}.webp`;
    if (j % 7 === 1) r.heatmap = `heatmaps/${m.id}/${file}.webp`;
  }
  if (j % 11 !== 0)
    r.quality = {
      width: 100 + j,
      height: 90,
      mean: j / 7,
      p1: 1,
      p99: 250.5,
      entropy: 6.25,
      sharpness: j,
      phash: j.toString(16).padStart(16, '0'),
    };
  return r;
}

test('the columnar read of a store equals its row read, field for field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-columns-'));
  try {
    const f = join(dir, 'r.jsonl');
    const s = await ResultStore.open(f);
    await s.append(Array.from({ length: N }, (_, j) => rowOf(j)));
    await s.close(); // writes the index
    // After the index: some rows re-scored (replaced in place), an error turned into a score, new files.
    appendFileSync(
      f,
      [3, 4, 29, 58, 300].map((j) => formatRow(rowOf(j, 1))).join('') +
        formatRow({
          ...rowOf(87, 1),
          error: undefined,
          score: { raw: 9, normalized: 1, threshold: 0.3, aboveThreshold: true },
        }) +
        [N, N + 1, N + 2, N + 29].map((j) => formatRow(rowOf(j))).join(''),
    );
    // The reference: the log alone, parsed line by line (no index).
    renameSync(`${f}.idx`, `${f}.idx.aside`);
    const fromLog = (await loadResults(f)).table;
    renameSync(`${f}.idx.aside`, `${f}.idx`);
    const { table, info } = await loadResults(f);
    assert.equal(info.indexRows, N);
    assert.ok(info.tailRows > 0);
    for (const models of [[A, B], [B], [C, A, B]]) {
      const cols = table.columnsOf(models);
      const rows = fromLog.rowsOf(models);
      assert.deepEqual(table.rowsOf(models), rows);
      assert.equal(cols.size, rows.length);
      assert.deepEqual(cols.models, models);
      for (let k = 0; k < rows.length; k++) {
        const r = rows[k];
        const at = `row ${k} (${r.path}, ${r.modelId})`;
        assert.equal(cols.path(k), r.path, at);
        assert.deepEqual(cols.models[cols.model(k)], { id: r.modelId, version: r.modelVersion, prep: r.prep }, at);
        assert.equal(cols.hash(k), r.hash, at);
        assert.equal(cols.raw(k), r.score?.raw ?? NaN, at);
        assert.equal(cols.normalized(k), r.score?.normalized ?? NaN, at);
        assert.deepEqual(cols.error(k), r.error, at);
        assert.equal(cols.thumb(k), r.thumb, at);
        assert.equal(cols.heatmap(k), r.heatmap, at);
        assert.deepEqual(cols.quality(k), r.quality, at);
        assert.deepEqual(cols.row(k), r, at);
      }
    }
    // The view covers exactly the models asked for, and every row of them.
    assert.equal(table.columnsOf([A, B, C]).size, table.size);
    assert.equal(table.columnsOf([{ ...A, version: '9' }]).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
