// The folder layout is the architecture (README "Layout", /work/shared/notes/architecture.md); this test
// keeps imports pointing the allowed way:
// extension -> core, engine, protocol; webview -> protocol; engine -> core, protocol; cli -> core, engine,
// protocol; protocol -> core types only (`import type`); core -> nothing of ours outside core.
// And two finer rules the README states:
// - the webview imports only TYPES from src/protocol, except the runtime helpers listed in
//   WEBVIEW_RUNTIME_PROTOCOL (browser-safe themselves: checked below); its packages are the browser
//   libraries in WEBVIEW_PACKAGES; never a Node built-in;
// - src/core uses no Node built-in (`node:` module) except in the files of CORE_NODE, each with its reason.
// Imports are read with the TypeScript parser: import/export declarations, side-effect imports, dynamic
// import() and require() calls all count; only `import type` / `export type` (and `typeof import()` in
// types) count as type-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, dirname, resolve, relative } from 'node:path';
import ts from 'typescript';

const SRC = resolve(__dirname, '../../src');
const allowed: Record<string, string[]> = {
  core: ['core'],
  engine: ['engine', 'core', 'protocol'],
  extension: ['extension', 'core', 'engine', 'protocol'],
  webview: ['webview', 'protocol'],
  protocol: ['protocol'],
  cli: ['cli', 'core', 'engine', 'protocol'],
};

/**
 * Protocol modules the webview may import at run time: plain TypeScript shared by both sides of a message
 * channel, with no `vscode`, DOM or Node (checked below). Everything else in src/protocol is types, which
 * the webview imports with `import type`.
 */
const WEBVIEW_RUNTIME_PROTOCOL = [
  // Request/response/notification envelopes and the typed handler both sides use.
  'protocol/rpc.ts',
  // The Disposable base with _register (one disposal mechanism on both sides).
  'protocol/dispose.ts',
  // Settings defaults, ranges and the colormap list: one runtime source for the host and the webviews.
  'protocol/settings.ts',
  // The results panel's head sent before the page asks: its order, and whether it serves the page's own request.
  'protocol/resultsHead.ts',
];

/** Browser libraries the webviews bundle (web components, virtual table, charts, embedding, translations). */
const WEBVIEW_PACKAGES = ['@vscode-elements/elements', '@tanstack/virtual-core', 'uplot', 'umap-js', '@vscode/l10n'];

/** The only files of src/core that use Node built-ins, and why; core is otherwise plain TypeScript. */
const CORE_NODE: Record<string, { modules: string[]; why: string }> = {
  'core/decode/dicom/wasm.ts': {
    modules: ['worker_threads'],
    why: 'the WebAssembly codecs run in a worker so that the time budget can stop a spinning codec',
  },
  'core/decode/dicom/deflate.ts': {
    modules: ['zlib'],
    why: 'Deflated Explicit VR Little Endian is a raw deflate stream; zlib inflates it under a byte cap',
  },
  'core/image/png.ts': {
    modules: ['zlib'],
    why: 'a PNG image is a deflate stream: the preview thumbnails are compressed with zlib, in memory',
  },
  'core/model/registry.ts': {
    modules: ['path'],
    why: 'joins model folders and manifest-relative ONNX paths (the file system itself is injected)',
  },
  'core/fit/fitModel.ts': {
    modules: ['path'],
    why: 'names the output and backbone files (the file system itself is injected)',
  },
  'core/dataset/scan.ts': {
    modules: ['path'],
    why: 'joins folder entries while walking a dataset (the file system itself is injected)',
  },
};

interface Ref {
  spec: string;
  typeOnly: boolean;
  line: number;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module a file refers to, with whether the reference disappears at compile time. */
function refs(file: string): Ref[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Ref[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, at: ts.Node) => {
    if (spec && ts.isStringLiteralLike(spec))
      out.push({ spec: spec.text, typeOnly, line: sf.getLineAndCharacterOfPosition(at.getStart()).line + 1 });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) add(n.moduleSpecifier, Boolean(n.importClause?.isTypeOnly), n);
    else if (ts.isExportDeclaration(n)) add(n.moduleSpecifier, n.isTypeOnly, n);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference))
      add(n.moduleReference.expression, n.isTypeOnly, n);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal, true, n);
    else if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const dynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const requireCall = ts.isIdentifier(callee) && callee.text === 'require';
      if (dynamicImport || requireCall) add(n.arguments[0], false, n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The Node built-in a specifier names ('node:fs' and 'fs' alike), or undefined. */
function nodeBuiltin(spec: string): string | undefined {
  const name = spec.startsWith('node:') ? spec.slice(5) : spec;
  const base = name.split('/')[0];
  return spec.startsWith('node:') || builtinModules.includes(base) ? base : undefined;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** All violations of the rules above, as "file:line: what". */
function violations(): string[] {
  const out: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file).split(/[\\/]/).join('/');
    const layer = rel.split('/')[0];
    for (const r of refs(file)) {
      const where = `${rel}:${r.line}`;
      if (!r.spec.startsWith('.')) {
        const builtin = nodeBuiltin(r.spec);
        if (layer === 'core' && r.spec === 'vscode') out.push(`${where}: core imports vscode`);
        if (layer === 'core' && builtin && !r.typeOnly && !CORE_NODE[rel]?.modules.includes(builtin))
          out.push(`${where}: core uses node:${builtin} (not in the allowlist)`);
        if ((layer === 'webview' || layer === 'protocol') && !r.typeOnly) {
          if (builtin) out.push(`${where}: ${layer} uses node:${builtin}`);
          else if (layer === 'protocol' || !WEBVIEW_PACKAGES.includes(packageName(r.spec)))
            out.push(`${where}: ${layer} imports package ${r.spec}`);
        }
        continue;
      }
      const targetRel = relative(SRC, resolve(dirname(file), r.spec))
        .split(/[\\/]/)
        .join('/');
      const target = targetRel.split('/')[0];
      const targetFile = /\.[cm]?[jt]sx?$/.test(targetRel) ? targetRel.replace(/\.[cm]?js$/, '.ts') : `${targetRel}.ts`;
      if (layer === 'protocol' && target === 'core' && r.typeOnly) continue;
      if (!allowed[layer]?.includes(target)) {
        out.push(`${where}: ${layer} -> ${target} (${r.spec})`);
        continue;
      }
      if (layer === 'webview' && target === 'protocol' && !r.typeOnly && !WEBVIEW_RUNTIME_PROTOCOL.includes(targetFile))
        out.push(
          `${where}: webview imports ${targetFile} at run time (only types, or ${WEBVIEW_RUNTIME_PROTOCOL.join(', ')})`,
        );
      // What the webview runs from protocol must itself be browser code: types from elsewhere, code only
      // from the other runtime helpers.
      if (WEBVIEW_RUNTIME_PROTOCOL.includes(rel) && !r.typeOnly && !WEBVIEW_RUNTIME_PROTOCOL.includes(targetFile))
        out.push(`${where}: ${rel} is loaded by the webview but imports ${targetFile} at run time`);
    }
  }
  return out;
}

test('imports respect the layer rules, and the webview and core rules of the README', () => {
  assert.deepEqual(violations(), []);
});

test('every file of the core allowlist exists and still uses the Node modules listed for it', () => {
  for (const [f, { modules }] of Object.entries(CORE_NODE)) {
    assert.ok(statSync(join(SRC, f), { throwIfNoEntry: false })?.isFile(), `${f} is listed but does not exist`);
    const used = new Set(refs(join(SRC, f)).flatMap((r) => (r.typeOnly ? [] : [nodeBuiltin(r.spec) ?? []].flat())));
    for (const m of modules) assert.ok(used.has(m), `${f} no longer uses node:${m}: drop it from CORE_NODE`);
  }
});

test('the import reader sees every kind of import (so the rules cannot pass by not looking)', () => {
  const dir = join(__dirname, '..', 'fixtures', 'architecture');
  const seen = refs(join(dir, 'imports.ts.txt')).map((r) => `${r.spec}${r.typeOnly ? ' (type)' : ''}`);
  assert.deepEqual(seen, [
    '../protocol/viewer (type)',
    '../protocol/rpc',
    'node:path',
    'fs',
    './side-effect.css',
    '../protocol/engine',
    '../protocol/viewer (type)',
    './lazy',
    'node:zlib',
    '../core/errors (type)',
  ]);
});
