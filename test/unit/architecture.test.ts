// The folder layout is the architecture; this test keeps imports pointing the allowed way:
// extension -> core, engine, protocol; webview -> protocol; engine -> core, protocol; cli -> core, engine,
// protocol; protocol -> core types only (`import type`); core -> nothing of ours outside core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const SRC = resolve(__dirname, '../../src');
/** Browser UI libraries the webviews may bundle (native controls, the virtual list, charts); nothing else. */
const WEBVIEW_PACKAGES = ['@vscode-elements/elements', '@tanstack/virtual-core', 'uplot'];

const allowed: Record<string, string[]> = {
  core: ['core'],
  engine: ['engine', 'core', 'protocol'],
  extension: ['extension', 'core', 'engine', 'protocol'],
  webview: ['webview', 'protocol'],
  protocol: ['protocol'],
  cli: ['cli', 'core', 'engine', 'protocol'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

test('imports respect the layer rules', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const layer = relative(SRC, file).split(/[\\/]/)[0];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[3];
      const typeOnly = Boolean(m[2]);
      if (!spec.startsWith('.')) {
        if (layer === 'core' && spec === 'vscode') violations.push(`${relative(SRC, file)} imports vscode`);
        if (layer === 'webview' && !typeOnly && !WEBVIEW_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`)))
          violations.push(`${relative(SRC, file)} imports package ${spec}`);
        continue;
      }
      const target = relative(SRC, resolve(dirname(file), spec)).split(/[\\/]/)[0];
      if (layer === 'protocol' && target === 'core' && typeOnly) continue;
      if (!allowed[layer]?.includes(target)) violations.push(`${relative(SRC, file)} -> ${target} (${spec})`);
    }
  }
  assert.deepEqual(violations, []);
});
