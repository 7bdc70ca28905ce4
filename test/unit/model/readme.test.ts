/**
 * models/README.md quotes each shipped model's validation figures; the manifest is where the fitting
 * script writes them (metadata.validation, metadata.fit). This test keeps the two equal, so a refit that
 * changes the manifest fails until the README says the same (and a README typed in by hand cannot drift).
 * Checked for every manifest under models/ that has metadata.validation: the summary table's ROC-AUC / AP,
 * the model section's validation line (figures, counts, sensitivity and specificity), the threshold, the
 * held-out split, the fit and calibration counts, the confusion matrix and the version stamp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const MODELS = resolve(__dirname, '../../../models');

interface Validation {
  split: { seed: number; validationNormal: number; validationPneumonia: number; fit: number };
  rocAuc: number;
  averagePrecision: number;
  threshold: number;
  confusion: { tp: number; fp: number; tn: number; fn: number; sensitivity: number; specificity: number };
}

interface Interval {
  value: number;
  low: number;
  high: number;
}

/** One evaluated set as models:default writes it (issue 11): figures with bootstrap intervals. */
interface SetFigures {
  images: { normal: number; abnormal: number };
  rocAuc: Interval;
  averagePrecision: Interval;
  sensitivity: Interval;
  specificity: Interval;
  confusion: { tp: number; fp: number; tn: number; fn: number };
}

/** metadata.validation since issue 11: test-dev (new patients) next to held-out TRAIN. */
interface NewPatientsValidation {
  testDev: SetFigures;
  heldOutTrain: SetFigures & { seed: number; fit: number };
  threshold: number;
}

interface Shipped {
  file: string;
  id: string;
  version: string;
  validation: Validation | NewPatientsValidation;
  fitImages?: { training: number; calibration: number };
}

function manifests(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? manifests(p) : n.endsWith('.model.json') ? [p] : [];
  });
}

function shipped(): Shipped[] {
  return manifests(MODELS).flatMap((file) => {
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const validation = m.metadata?.validation as Validation | undefined;
    if (!validation) return [];
    return [{ file, id: m.id, version: m.version, validation, fitImages: m.metadata?.fit?.images }];
  });
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The README's section about a model: from its `## <id>` heading to the next `## ` heading. */
function section(readme: string, id: string): string {
  const start = readme.search(new RegExp(`^## ${escape(id)}\\b`, 'm'));
  assert.ok(start >= 0, `models/README.md has no "## ${id}" section`);
  const next = readme.slice(start + 3).search(/^## /m);
  return next < 0 ? readme.slice(start) : readme.slice(start, start + 3 + next);
}

const interval = (i: Interval) => `${fixed(i.value, 3)} [${fixed(i.low, 3)}, ${fixed(i.high, 3)}]`;

/** The issue-11 layout: test-dev and held-out TRAIN rows with intervals, counts, confusion, threshold, split. */
function checkNewPatients(readme: string, m: Shipped, v: NewPatientsValidation): void {
  const where = relative(MODELS, m.file);
  const sec = section(readme, m.id);
  const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${m.id}`));
  assert.ok(row, `no summary table row for ${m.id}`);
  const t = v.testDev;
  const h = v.heldOutTrain;
  assert.ok(
    row.includes(`test-dev (new patients) ${fixed(t.rocAuc.value, 3)} / ${fixed(t.averagePrecision.value, 3)}`),
    `${where}: summary row, test-dev`,
  );
  assert.ok(
    row.includes(`held-out TRAIN ${fixed(h.rocAuc.value, 3)} / ${fixed(h.averagePrecision.value, 3)}`),
    `${where}: summary row, held-out TRAIN`,
  );
  for (const [name, f] of [
    ['test-dev', t],
    ['held-out TRAIN', h],
  ] as const) {
    const line = sec
      .split('\n')
      .find((l) => l.startsWith('|') && l.replace(/\*/g, '').startsWith(`| ${name}`) && l.includes(' / '));
    assert.ok(line, `${m.id}: no figures row for ${name}`);
    const plain = line.replace(/\*/g, '');
    assert.ok(plain.includes(`| ${f.images.normal} / ${f.images.abnormal} |`), `${m.id} ${name}: counts`);
    for (const k of ['rocAuc', 'averagePrecision', 'sensitivity', 'specificity'] as const)
      assert.ok(plain.includes(interval(f[k])), `${m.id} ${name}: ${k} ${interval(f[k])}`);
    const c = f.confusion;
    assert.equal(c.tn + c.fp, f.images.normal, `${where} ${name}: confusion vs counts`);
    assert.equal(c.tp + c.fn, f.images.abnormal, `${where} ${name}: confusion vs counts`);
    assert.ok(sec.includes(`${name} ${c.tn}/${c.fp}/${c.fn}/${c.tp}`), `${m.id} ${name}: confusion tn/fp/fn/tp`);
  }
  assert.ok(sec.includes(`calibrated threshold ${fixed(v.threshold, 3)}`), `${m.id}: threshold ${v.threshold}`);
  assert.ok(
    sec.includes(`split seed ${h.seed}`) && sec.includes(`${h.images.normal} normal + ${h.images.abnormal} pneumonia`),
    `${m.id}: held-out split seed ${h.seed}`,
  );
  if (m.fitImages) {
    assert.equal(m.fitImages.training + m.fitImages.calibration, h.fit, `${where}: fit + calibration = split`);
    assert.ok(sec.includes(`${m.fitImages.training} normal TRAIN images`), `${m.id}: ${m.fitImages.training} fitted`);
    assert.ok(sec.includes(`${m.fitImages.calibration} more`), `${m.id}: ${m.fitImages.calibration} calibration`);
  }
  const stamp = m.version.split('+')[1];
  if (stamp) assert.ok(sec.includes(`\`${m.version}\``), `${m.id}: version ${m.version}`);
}

test('models/README.md quotes the validation figures of every shipped manifest exactly', () => {
  const readme = readFileSync(join(MODELS, 'README.md'), 'utf8');
  const models = shipped();
  assert.ok(models.length > 0, 'no manifest under models/ has metadata.validation');
  for (const m of models) {
    if ('testDev' in m.validation) {
      checkNewPatients(readme, m, m.validation);
      continue;
    }
    const v = m.validation;
    const c = v.confusion;
    const where = relative(MODELS, m.file);
    const sec = section(readme, m.id);
    // Summary table: "| [`<id>/`](...) | ... | **0.965 / 0.967** | ..." (three decimals).
    const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${m.id}`));
    assert.ok(row, `no summary table row for ${m.id}`);
    assert.match(row, new RegExp(`${escape(fixed(v.rocAuc, 3))} / ${escape(fixed(v.averagePrecision, 3))}`), where);
    // Validation line: ROC-AUC and AP (4 decimals), flagged / passed counts, sensitivity and specificity.
    const pneumonia = c.tp + c.fn;
    const normal = c.tn + c.fp;
    assert.equal(pneumonia, v.split.validationPneumonia, `${where}: confusion vs split`);
    assert.equal(normal, v.split.validationNormal, `${where}: confusion vs split`);
    assert.ok(
      sec.includes(`ROC-AUC ${fixed(v.rocAuc, 4)}, AP ${fixed(v.averagePrecision, 4)}`),
      `${m.id}: the validation line does not say ROC-AUC ${fixed(v.rocAuc, 4)}, AP ${fixed(v.averagePrecision, 4)}`,
    );
    assert.ok(
      sec.includes(`${c.tp}/${pneumonia} pneumonia flagged (sensitivity ${fixed(c.sensitivity, 3)})`),
      `${m.id}: sensitivity ${c.tp}/${pneumonia} = ${fixed(c.sensitivity, 3)}`,
    );
    assert.ok(
      sec.includes(`${c.tn}/${normal} normals passed (specificity ${fixed(c.specificity, 3)})`),
      `${m.id}: specificity ${c.tn}/${normal} = ${fixed(c.specificity, 3)}`,
    );
    assert.equal(fixed(c.tp / pneumonia, 4), fixed(c.sensitivity, 4), `${where}: sensitivity = tp / (tp + fn)`);
    assert.equal(fixed(c.tn / normal, 4), fixed(c.specificity, 4), `${where}: specificity = tn / (tn + fp)`);
    // Threshold, held-out split, fit and calibration counts, version stamp.
    assert.ok(sec.includes(`calibrated threshold ${fixed(v.threshold, 3)}`), `${m.id}: threshold ${v.threshold}`);
    assert.ok(
      sec.includes(`split seed ${v.split.seed}`) &&
        sec.includes(`${v.split.validationNormal} normal + ${v.split.validationPneumonia} pneumonia`),
      `${m.id}: held-out split seed ${v.split.seed}, ${v.split.validationNormal} + ${v.split.validationPneumonia}`,
    );
    if (m.fitImages) {
      assert.equal(m.fitImages.training + m.fitImages.calibration, v.split.fit, `${where}: fit + calibration = split`);
      assert.ok(sec.includes(`${m.fitImages.training} normal TRAIN images`), `${m.id}: ${m.fitImages.training} fitted`);
      assert.ok(sec.includes(`${m.fitImages.calibration} more`), `${m.id}: ${m.fitImages.calibration} calibration`);
    }
    const stamp = m.version.split('+')[1];
    if (stamp) assert.ok(sec.includes(`\`${m.version}\``), `${m.id}: version ${m.version}`);
    // Confusion matrix table.
    assert.match(
      sec,
      new RegExp(`\\| actual normal \\(${normal}\\) \\| ${c.tn} \\| ${c.fp} \\|`),
      `${m.id}: normal row`,
    );
    assert.match(
      sec,
      new RegExp(`\\| actual pneumonia \\(${pneumonia}\\) \\| ${c.fn} \\| ${c.tp} \\|`),
      `${m.id}: pneumonia row`,
    );
  }
});

test('the shipped row of the seed comparison repeats the manifest', () => {
  const readme = readFileSync(join(MODELS, 'README.md'), 'utf8');
  for (const m of shipped()) {
    if ('testDev' in m.validation) continue; // issue 11's layout has no seed table of its own
    const v = m.validation;
    const row = readme.split('\n').find((l) => /^\| \d+ — shipped \|/.test(l) && l.includes(fixed(v.rocAuc, 4)));
    if (!row) continue; // the comparison table is optional
    assert.match(
      row,
      new RegExp(
        `^\\| ${v.split.seed} — shipped \\| \\*\\*${escape(fixed(v.rocAuc, 4))}\\*\\* \\| \\*\\*${escape(fixed(v.averagePrecision, 4))}\\*\\* \\| ${escape(fixed(v.confusion.sensitivity, 3))} / ${escape(fixed(v.confusion.specificity, 3))} \\|`,
      ),
    );
  }
});
