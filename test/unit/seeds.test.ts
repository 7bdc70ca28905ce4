/**
 * Every random input of the unit suite comes from the seed the run prints (scripts/test-unit.mjs), so a
 * failure can be replayed with `npm run test:unit -- --seed N`:
 * - no fast-check property passes its own seed (it would ignore the run's seed);
 * - no test draws from Math.random or the clock for data (crypto randomness likewise); hand-written
 *   generators take explicit seeds.
 * And the run's seed really reaches fast-check in the test processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import fc from 'fast-check';

const ROOT = resolve(__dirname, '../..');
const TEST = join(ROOT, 'test');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|mts|mjs|js)$/.test(n) ? [p] : [];
  });
}

/** Calls to fast-check's runners (assert, check, sample, statistics), with their options argument if any. */
function propertyRuns(file: string): { line: number; options?: ts.Expression }[] {
  const text = readFileSync(file, 'utf8');
  if (!/from ['"]fast-check['"]/.test(text)) return [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { line: number; options?: ts.Expression }[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ['assert', 'check', 'sample', 'statistics'].includes(n.expression.name.text) &&
      n.expression.expression.getText(sf) === 'fc'
    )
      out.push({ line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, options: n.arguments[1] });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

test('no fast-check property in the tests sets its own seed', () => {
  const bad: string[] = [];
  let runs = 0;
  for (const file of files(TEST)) {
    for (const { line, options } of propertyRuns(file)) {
      runs++;
      const where = `${relative(ROOT, file)}:${line}`;
      if (!options) continue;
      if (ts.isNumericLiteral(options)) continue; // fc.sample(arb, n)
      if (!ts.isObjectLiteralExpression(options)) bad.push(`${where}: options are not a literal object`);
      else if (options.properties.some((p) => p.name && ['seed', 'path', 'randomType'].includes(p.name.getText())))
        bad.push(`${where}: sets its own seed, path or random generator`);
    }
  }
  // The suite has dozens of properties; finding none would mean this check looks in the wrong place.
  assert.ok(runs > 20, `found only ${runs} property runs`);
  assert.deepEqual(bad, []);
});

test('tests draw no data from Math.random or crypto randomness', () => {
  const bad: string[] = [];
  for (const file of files(TEST)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (/Math\.random\(|crypto\.random|\brandomUUID\(|\brandomInt\(/.test(l))
        bad.push(`${relative(ROOT, file)}:${i + 1}: ${l.trim()}`);
    });
  }
  assert.deepEqual(bad, []);
});

test("the run's seed reaches fast-check in this test process", { skip: !process.env.XRAY_FC_SEED }, () => {
  assert.equal(fc.readConfigureGlobal().seed, Number(process.env.XRAY_FC_SEED));
});
