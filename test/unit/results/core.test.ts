import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelFromCsv, labelFromPath, parseLabelsCsv } from '../../../src/core/dataset/labels';
import { curves } from '../../../src/core/metrics/curves';
import { averagePrecision, rocAuc } from '../../../src/core/metrics/roc';

test('labels from class folders and MURA study folders', () => {
  assert.equal(labelFromPath('test/NORMAL/IM-0001.jpeg'), 0);
  assert.equal(labelFromPath('test/PNEUMONIA/person1_virus.jpeg'), 1);
  assert.equal(labelFromPath('XR_WRIST/patient001/study1_positive/image1.png'), 1);
  assert.equal(labelFromPath('XR_WRIST/patient002/study2_negative/image1.png'), 0);
  assert.equal(labelFromPath('images/hand.png'), undefined);
  // The file name itself is not a folder.
  assert.equal(labelFromPath('normal'), undefined);
});

test('labels CSV: header names, quoting, semicolons, problems reported', () => {
  const csv = parseLabelsCsv('\uFEFFfile,Label\n"a/x.png",1\n./b.png,normal\nc.png,maybe\n\n');
  assert.equal(labelFromCsv(csv, 'a/x.png'), 1);
  assert.equal(labelFromCsv(csv, 'b.png'), 0);
  assert.equal(labelFromCsv(csv, 'deep/b.png'), 0);
  assert.equal(labelFromCsv(csv, 'c.png'), undefined);
  assert.equal(csv.problems.length, 1);
  assert.equal(labelFromCsv(parseLabelsCsv('path;class\nq.dcm;abnormal'), 'q.dcm'), 1);
  assert.match(parseLabelsCsv('foo,bar\n1,2').problems[0].message, /path column/);
});

test('curves: AUC and AP on every point, curves thinned, one class gives no curve', () => {
  const n = 5000;
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const l = i % 3 === 0 ? 1 : 0;
    labels.push(l);
    scores.push(Math.sin(i * 12.9898) * 0.5 + l * 0.4);
  }
  const c = curves(scores, labels, 200);
  assert.equal(c.rocAuc, rocAuc(scores, labels));
  assert.equal(c.averagePrecision, averagePrecision(scores, labels));
  assert.ok(c.roc!.x.length <= 202 && c.roc!.x.length > 100);
  assert.deepEqual([c.roc!.x[0], c.roc!.y[0]], [0, 0]);
  assert.deepEqual([c.roc!.x.at(-1), c.roc!.y.at(-1)], [1, 1]);
  assert.deepEqual([c.pr!.x[0], c.pr!.y[0]], [0, 1]);
  for (let i = 1; i < c.roc!.x.length; i++) assert.ok(c.roc!.x[i] >= c.roc!.x[i - 1]);
  assert.deepEqual(curves([1, 2], [0, 0]), { positives: 0, negatives: 2 });
});
