// Folder-level quality flags on a planted folder: exact and near duplicates, dark, bright, low information,
// blurry, odd size and aspect, unreadable; each flag raised where planted and nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagCounts, qualityReports, type QualityInput } from '../../../src/core/quality/flags';
import { measureGrey } from '../../../src/core/quality/measures';
import { qualityInputs } from '../../../src/core/quality/fromRows';
import type { BatchRow } from '../../../src/core/batch/types';
import { QUALITY_DEFAULTS } from '../../../src/protocol/settings';
import { blur, map, phantom, rescale, type Grey } from './images';

const measure = (g: Grey) => measureGrey(g.data, g.width, g.height, g);

test('a planted folder: each flag where it was planted, and nowhere else', () => {
  const files: QualityInput[] = [];
  const add = (path: string, g: Grey | undefined, hash = path, unreadable?: string) =>
    files.push({ path, hash, measures: g && measure(g), unreadable });
  for (let i = 0; i < 12; i++) add(`plain/${i}.png`, phantom(100 + i));
  add('copy/a.png', phantom(100), 'plain/0.png'); // byte-identical to plain/0.png
  add(
    'near/b.png',
    map(phantom(101), (v) => v * 1.04 + 3),
  ); // brightened copy of plain/1.png
  add('near/c.png', rescale(phantom(102), 200, 200)); // smaller copy of plain/2.png: near, not odd (0.78x)
  add(
    'dark.png',
    map(phantom(203, 256, 256), (v) => v * 0.25),
  );
  add(
    'bright.png',
    map(phantom(204), (v) => 200 + v * 0.25),
  );
  add(
    'flat.png',
    map(phantom(205), () => 128),
  );
  add('blurry.png', blur(phantom(206), 4));
  add('huge.png', rescale(phantom(207), 1024, 1024));
  add('wide.png', rescale(phantom(208), 512, 200));
  add('broken.png', undefined, '', 'The file is not a PNG.');
  const reports = qualityReports(files, QUALITY_DEFAULTS);
  const byPath = new Map(reports.map((r) => [r.path, r]));
  const flagged = (f: string) =>
    reports
      .filter((r) => r.flags.includes(f as never))
      .map((r) => r.path)
      .sort();
  assert.deepEqual(flagged('exactDuplicate'), ['copy/a.png', 'plain/0.png']);
  assert.equal(byPath.get('copy/a.png')!.exactGroup, 'plain/0.png');
  assert.deepEqual(flagged('nearDuplicate'), ['near/b.png', 'near/c.png', 'plain/1.png', 'plain/2.png']);
  assert.equal(byPath.get('near/b.png')!.nearGroup, 'plain/1.png');
  assert.equal(byPath.get('near/c.png')!.nearGroup, 'plain/2.png');
  // Byte-identical copies share a near group but are not flagged as near duplicates.
  assert.equal(byPath.get('copy/a.png')!.nearGroup, 'plain/0.png');
  assert.deepEqual(flagged('dark'), ['dark.png']);
  assert.deepEqual(flagged('bright'), ['bright.png']);
  assert.deepEqual(flagged('lowInformation'), ['flat.png']);
  assert.deepEqual(flagged('blurry'), ['blurry.png', 'flat.png']);
  assert.deepEqual(flagged('oddSize'), ['huge.png']);
  assert.deepEqual(flagged('oddAspect'), ['wide.png']);
  assert.deepEqual(flagged('unreadable'), ['broken.png']);
  assert.equal(byPath.get('broken.png')!.error, 'The file is not a PNG.');
  assert.deepEqual(byPath.get('plain/5.png')!.flags, []);
  const counts = flagCounts(reports);
  assert.equal(counts.exactDuplicate, 2);
  assert.equal(counts.blurry, 2);
  // Flags come in one fixed order.
  assert.deepEqual(byPath.get('flat.png')!.flags, ['lowInformation', 'blurry']);
});

test("thresholds are the user's: a stricter or looser setting moves the verdicts", () => {
  const files: QualityInput[] = [0, 1, 2, 3].map((i) => ({
    path: `${i}.png`,
    hash: `${i}`,
    measures: measure(map(phantom(7), (v) => v * (0.7 + i * 0.1))),
  }));
  const darkAt = (darkLevel: number) =>
    qualityReports(files, { ...QUALITY_DEFAULTS, darkLevel })
      .filter((r) => r.flags.includes('dark'))
      .map((r) => r.path);
  assert.deepEqual(darkAt(0), []);
  assert.deepEqual(darkAt(256), ['0.png', '1.png', '2.png', '3.png']);
  const p99s = files.map((f) => f.measures!.p99);
  assert.deepEqual(darkAt((p99s[1] + p99s[2]) / 2), ['0.png', '1.png']);
  // Scaled copies of one image hash alike: all one near group at the default distance.
  const groups = new Set(qualityReports(files, QUALITY_DEFAULTS).map((r) => r.nearGroup));
  assert.deepEqual([...groups], ['0.png']);
  // Ratios of 1 or less never flag size or aspect (9000 x 10 has the side of 300 x 300: only its aspect is odd).
  const wide = [...files, { path: 'w.png', hash: 'w', measures: { ...files[0].measures!, width: 9000, height: 10 } }];
  const loose = qualityReports(wide, { ...QUALITY_DEFAULTS, oddSizeRatio: 1, oddAspectRatio: 0.5 })[4].flags;
  assert.deepEqual(loose, ['nearDuplicate']);
  assert.deepEqual(qualityReports(wide, QUALITY_DEFAULTS)[4].flags, ['nearDuplicate', 'oddAspect']);
});

test('store rows to quality inputs: one per file, measures from any model, unreadable only when never decoded', () => {
  const q = measure(phantom(1));
  const row = (path: string, modelId: string, over: Partial<BatchRow>): BatchRow => ({
    path,
    modelId,
    modelVersion: '1',
    prep: 'p',
    hash: `h-${path}`,
    size: 1,
    mtimeMs: 1,
    ms: 1,
    at: 't',
    ...over,
  });
  const inputs = qualityInputs([
    row('b.png', 'm1', { quality: q }),
    row('b.png', 'm2', { error: { code: 'INTERNAL', message: 'inference failed', stage: 'inference' } }),
    row('a.png', 'm1', { hash: '', error: { code: 'CORRUPT', message: 'not a PNG', stage: 'decode' } }),
    row('a.png', 'm2', { hash: '', error: { code: 'CORRUPT', message: 'not a PNG', stage: 'decode' } }),
    row('c.png', 'm1', { error: { code: 'CORRUPT', message: 'old failure', stage: 'decode' } }),
    row('c.png', 'm2', { quality: q }),
  ]);
  assert.deepEqual(inputs, [
    { path: 'a.png', hash: '', unreadable: 'not a PNG' },
    { path: 'b.png', hash: 'h-b.png', measures: q },
    { path: 'c.png', hash: 'h-c.png', measures: q },
  ]);
});
