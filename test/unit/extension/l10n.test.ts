// Localisation plumbing: every message the extension passes to vscode.l10n.t / l10n.t is a literal that
// is in l10n/bundle.l10n.json (run `npm run l10n` after changing one), its placeholders have arguments,
// the manifest's %keys% all resolve in package.nls.json, and the fallback formatter matches VS Code's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, l10n } from '../../../src/extension/l10n';
import { BUNDLE, bundleText, extractMessages, ROOT } from '../../../scripts/l10n/extract';

test('every localised message is a literal with enough arguments, and l10n/bundle.l10n.json lists exactly them', () => {
  const { messages, problems } = extractMessages();
  assert.deepEqual(problems, []);
  assert.ok(messages.size > 100, `only ${messages.size} messages found: is the extractor still finding the calls?`);
  assert.equal(
    readFileSync(BUNDLE, 'utf8'),
    bundleText(messages),
    'l10n/bundle.l10n.json is out of date: npm run l10n',
  );
});

test('the extractor reports a message built at run time and a placeholder without an argument', () => {
  const { problems } = extractMessages(join(ROOT, 'test/unit/extension/fixtures/l10n'));
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0] + problems[1], /must be a string literal/);
  assert.match(problems[0] + problems[1], /uses \{1\} but passes 1 argument/);
});

test("package.json's %keys% all resolve in package.nls.json, and every key there is used", () => {
  const manifest = readFileSync(join(ROOT, 'package.json'), 'utf8');
  const nls: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
  const used = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
  assert.ok(used.size > 20);
  assert.deepEqual(
    [...used].filter((k) => !(k in nls)),
    [],
  );
  assert.deepEqual(
    Object.keys(nls).filter((k) => !used.has(k)),
    [],
  );
  assert.equal(JSON.parse(manifest).l10n, './l10n');
});

test('the fallback formatter fills {n} placeholders as vscode.l10n.t does and leaves unknown ones', () => {
  assert.equal(format('Fitting "{0}" on {1} images', ['hands', 12]), 'Fitting "hands" on 12 images');
  assert.equal(format('{0} and {0}, not {2}', ['a']), 'a and a, not {2}');
  assert.equal(l10n.t('{0} skipped', 3), '3 skipped');
});
