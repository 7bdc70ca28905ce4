// Collects every message the extension localises: the first argument of each `vscode.l10n.t(...)` and
// `l10n.t(...)` call under src/extension (see src/extension/l10n.ts) and src/webview (the webviews get
// the same bundle: src/webview/shared/l10n.ts), read with the TypeScript parser.
// `npm run l10n` writes them to l10n/bundle.l10n.json (the English bundle translators start from);
// `npm run l10n -- --check` and test/unit/extension/l10n.test.ts fail when the bundle is out of date.
import ts from 'typescript';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BUNDLE = join(ROOT, 'l10n/bundle.l10n.json');

export interface Extracted {
  messages: Map<string, string[]>;
  /** Calls whose message is not a literal, or whose placeholders ask for more arguments than are passed. */
  problems: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

function isL10nT(callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'l10n') ||
    (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n')
  );
}

export const SOURCES = [join(ROOT, 'src/extension'), join(ROOT, 'src/webview')];

export function extractMessages(dirs: string | string[] = SOURCES): Extracted {
  const messages = new Map<string, string[]>();
  const problems: string[] = [];
  for (const file of [dirs].flat().flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const where = (n: ts.Node) => `${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isL10nT(node.expression)) {
        const [first, ...rest] = node.arguments;
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          const message = first.text;
          messages.set(message, [...(messages.get(message) ?? []), where(node)]);
          const highest = Math.max(-1, ...[...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
          if (highest >= rest.length)
            problems.push(`${where(node)}: "${message}" uses {${highest}} but passes ${rest.length} argument(s)`);
        } else {
          problems.push(`${where(node)}: the message must be a string literal (the bundle is built from the source)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { messages, problems };
}

/** The bundle's JSON text: each message maps to itself (English), sorted, as @vscode/l10n-dev writes it. */
export function bundleText(messages: Map<string, string[]>): string {
  const sorted = [...messages.keys()].sort();
  return JSON.stringify(Object.fromEntries(sorted.map((m) => [m, m])), null, 2) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  const { messages, problems } = extractMessages();
  for (const p of problems) console.error(p);
  const text = bundleText(messages);
  if (process.argv.includes('--check')) {
    const current = readFileSync(BUNDLE, 'utf8');
    if (current !== text || problems.length) {
      console.error('l10n/bundle.l10n.json is out of date: run npm run l10n');
      process.exit(1);
    }
    console.log(`l10n: ${messages.size} messages, bundle up to date`);
  } else {
    if (problems.length) process.exit(1);
    writeFileSync(BUNDLE, text);
    console.log(`l10n: ${messages.size} messages written to ${relative(ROOT, BUNDLE)}`);
  }
}
