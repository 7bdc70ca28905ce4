import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportCsv, exportJson, type ExportData } from '../../../src/core/export/records';
import { exportLabelStudio } from '../../../src/core/export/labelStudio';
import { reportHtml } from '../../../src/core/export/report';

const data: ExportData = {
  root: '/ws/chest',
  rootInWorkspace: 'chest',
  labelSet: 'alice',
  models: [{ key: 'm@1', id: 'm', version: '1', threshold: 0.5 }],
  records: [
    {
      path: 'NORMAL/a b.png',
      label: 'normal',
      note: 'fine, "clear"',
      truth: 0,
      scores: [{ raw: 0.1, normalized: 0.3, flagged: false }],
    },
    { path: 'PNEUMONIA/c.png', label: 'abnormal', truth: 1, scores: [{ raw: 0.9, normalized: 0.8, flagged: true }] },
    { path: 'x/broken.png', scores: [{ flagged: false, error: 'not a PNG' }] },
  ],
};

test('CSV export: one row per image, quoted where needed, empty cells for missing values', () => {
  const lines = exportCsv(data).trim().split('\n');
  assert.equal(lines[0], 'path,label,note,truth,m.score,m.normalized,m.flagged,m.error');
  assert.equal(lines[1], 'NORMAL/a b.png,normal,"fine, ""clear""",0,0.1,0.3,false,');
  assert.equal(lines[3], 'x/broken.png,,,,,,,not a PNG');
});

test('JSON export keeps nulls for missing values and the thresholds', () => {
  const j = JSON.parse(exportJson(data));
  assert.equal(j.models[0].threshold, 0.5);
  assert.deepEqual(j.images[2].scores['m@1'], { raw: null, normalized: null, flagged: null, error: 'not a PNG' });
  assert.equal(j.images[0].note, 'fine, "clear"');
});

test('Label Studio tasks: data.image, predictions with model_version, score and a choices result', () => {
  const tasks = exportLabelStudio(data);
  assert.equal(tasks.length, 3);
  assert.equal(tasks[0].data.image, '/data/local-files/?d=chest/NORMAL/a%20b.png');
  assert.deepEqual(tasks[1].predictions, [
    {
      model_version: 'm@1',
      score: 0.8,
      result: [{ from_name: 'label', to_name: 'image', type: 'choices', value: { choices: ['abnormal'] } }],
    },
  ]);
  assert.deepEqual(tasks[2].predictions, [], 'an unscored image has no prediction');
});

test('HTML report is self-contained: inline SVG, data-URI thumbnails only, escaped paths', () => {
  const html = reportHtml(
    {
      ...data,
      records: [...data.records, { path: '<script>.png', scores: [{ raw: 1, normalized: 0.9, flagged: true }] }],
    },
    {
      model: 0,
      title: 'Review',
      thumbnails: new Map([
        ['PNEUMONIA/c.png', 'data:image/png;base64,AAAA'],
        ['<script>.png', 'http://evil/x.png'],
      ]),
      generatedAt: '2026-12-06T00:00:00Z',
    },
  );
  assert.match(html, /ROC-AUC 1\.000/);
  assert.match(html, /aria-label="ROC curve"/);
  assert.match(html, /src="data:image\/png;base64,AAAA"/);
  assert.doesNotMatch(html, /<script|http:\/\/evil/);
  assert.match(html, /&lt;script&gt;\.png/);
});
