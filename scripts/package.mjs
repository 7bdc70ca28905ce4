// `npm run package`: a linux-x64 VSIX with @vscode/vsce (offline), then a check that it installs into
// code-server and that its native modules load from the installed copy.
//
//   node scripts/package.mjs [--out file.vsix] [--no-verify]
//
// The VSIX holds dist/, media/, models/, README, LICENSE and the runtime node_modules (onnxruntime-node, sharp
// with its linux-x64 libvips, dicom-parser). .vscodeignore prunes other platforms' binaries; this script also
// leaves out the packages onnxruntime-node needs only for its install script (see INSTALL_ONLY).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, CODE_SERVER_BIN } from './lib/paths.mjs';

const TARGET = 'linux-x64';
// Dependencies used only by a package's install script, never at run time.
const INSTALL_ONLY = { 'onnxruntime-node': ['adm-zip', 'global-agent'] };
// Top-level entries a VSIX may hold; everything else at the top (sources, local tool folders, a colleague's
// scratch directory) is left out even when .vscodeignore does not name it.
const TOP_LEVEL = [
  'package.json',
  'package.nls.json',
  'l10n',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist',
  'media',
  'models',
  'node_modules',
];

const { values: opts } = parseArgs({
  options: { out: { type: 'string' }, 'no-verify': { type: 'boolean', default: false } },
});
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const out = opts.out ?? join(ROOT, `${pkg.name}-${TARGET}-${pkg.version}.vsix`);
const say = (msg) => console.log(`[package] ${msg}`);

function main() {
  if (`${process.platform}-${process.arch}` !== TARGET) {
    throw new Error(
      `this builds a ${TARGET} VSIX from the installed native modules; this machine is ${process.platform}-${process.arch}`,
    );
  }
  for (const f of ['dist/extension.js', 'README.md', 'LICENSE']) {
    if (!existsSync(join(ROOT, f)))
      throw new Error(
        `${f} is missing${f.startsWith('dist') ? ': run `node scripts/build.mjs --production` first' : ''}`,
      );
  }
  const { excluded, runtime } = installOnlyPackages();
  say(
    `runtime packages: ${runtime
      .map((p) => relative(join(ROOT, 'node_modules'), p))
      .sort()
      .join(', ')}`,
  );
  if (excluded.length)
    say(
      `left out (install-time only): ${excluded
        .map((p) => relative(join(ROOT, 'node_modules'), p))
        .sort()
        .join(', ')}`,
    );

  const tmp = mkdtempSync(join(tmpdir(), 'xray-package-'));
  try {
    const ignoreFile = join(tmp, 'vscodeignore');
    const notShipped = readdirSync(ROOT).filter((n) => !TOP_LEVEL.includes(n));
    writeFileSync(
      ignoreFile,
      [
        readFileSync(join(ROOT, '.vscodeignore'), 'utf8'),
        '# added by scripts/package.mjs: install-time-only packages, top-level entries not in its allowlist',
        ...excluded.map((p) => `${relative(ROOT, p)}/**`),
        ...notShipped,
        '',
      ].join('\n'),
    );
    rmSync(out, { force: true });
    const vsce = spawnSync(
      join(ROOT, 'node_modules/.bin/vsce'),
      [
        'package',
        '--target',
        TARGET,
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
        '--ignoreFile',
        ignoreFile,
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (vsce.status !== 0) throw new Error(`vsce package exited with ${vsce.status}`);
    say(`VSIX: ${relative(process.cwd(), out) || out}, ${(statSync(out).size / 1e6).toFixed(1)} MB`);
    if (!opts['no-verify']) verify(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The production packages npm lists, split into those reachable at run time from package.json's
 * dependencies and those reachable only through INSTALL_ONLY edges.
 */
function installOnlyPackages() {
  const listed = execFileSync('npm', ['list', '--omit=dev', '--parseable', '--all', '--loglevel=error'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((p) => p && p !== ROOT);
  const runtime = new Set();
  const visit = (dir) => {
    if (runtime.has(dir)) return;
    runtime.add(dir);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const skip = INSTALL_ONLY[meta.name] ?? [];
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) {
      if (skip.includes(dep)) continue;
      const found = resolvePackage(dep, dir);
      if (found) visit(found);
    }
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const found = resolvePackage(dep, ROOT);
    if (!found) throw new Error(`dependency ${dep} is not installed: run \`npm run setup\``);
    visit(found);
  }
  return { runtime: [...runtime], excluded: listed.filter((p) => !runtime.has(p)) };
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent's (optional platform packages may be absent). */
function resolvePackage(name, fromDir) {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === ROOT || d === dirname(d)) return undefined;
  }
}

/** Installs the VSIX into a throw-away code-server profile and loads its native modules from there. */
function verify(tmp) {
  if (!existsSync(CODE_SERVER_BIN)) {
    say('skipping the install check: code-server is not installed (`npm run setup`)');
    return;
  }
  const extensionsDir = join(tmp, 'extensions');
  execFileSync(
    CODE_SERVER_BIN,
    [
      '--extensions-dir',
      extensionsDir,
      '--user-data-dir',
      join(tmp, 'user-data'),
      '--install-extension',
      out,
      '--force',
    ],
    {
      env: { ...process.env, HOME: join(tmp, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const id = `${pkg.publisher}.${pkg.name}`.toLowerCase();
  const installed = readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(`${id}-`));
  if (!installed) throw new Error(`code-server --install-extension did not create ${id}-* in ${extensionsDir}`);
  const dir = join(extensionsDir, installed);
  const ortBin = join(dir, 'node_modules/onnxruntime-node/bin/napi-v6');
  const platforms = readdirSync(ortBin).flatMap((os) => readdirSync(join(ortBin, os)).map((arch) => `${os}/${arch}`));
  if (platforms.join() !== 'linux/x64')
    throw new Error(`onnxruntime-node binaries for ${platforms.join(', ')} in the VSIX; expected linux/x64 only`);
  // vsce stores README.md as readme.md and LICENSE as LICENSE.txt.
  const names = readdirSync(dir).map((n) => n.toLowerCase());
  for (const f of ['package.json', 'dist/extension.js', 'dist/engine.js']) {
    if (!existsSync(join(dir, f))) throw new Error(`${f} is missing from the installed extension`);
  }
  if (!names.includes('readme.md') || !names.some((n) => n.startsWith('license')))
    throw new Error('README or LICENSE missing from the installed extension');
  const stray = names.filter(
    (n) =>
      !TOP_LEVEL.map((t) => t.toLowerCase()).includes(n) && !/^(license\.txt|\.vsixmanifest|changelog\.md)$/.test(n),
  );
  if (stray.length) throw new Error(`unexpected top-level entries in the installed extension: ${stray.join(', ')}`);
  const model = smallestOnnx(join(dir, 'models'));
  const probe = spawnSync(process.execPath, ['-e', PROBE, model ?? ''], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  if (probe.status !== 0)
    throw new Error(`native modules do not load from the installed extension:\n${probe.stdout}${probe.stderr}`);
  say(`installs into code-server (${installed}); from there: ${probe.stdout.trim()}`);
}

// Run inside the installed extension folder: its own node_modules must carry everything.
const PROBE = `
const ort = require('onnxruntime-node');
const sharp = require('sharp');
const dicomParser = require('dicom-parser');
(async () => {
  const png = await sharp(Buffer.alloc(64 * 64 * 2, 7), { raw: { width: 64, height: 64, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  const meta = await sharp(png).metadata();
  const parts = ['sharp ' + sharp.versions.sharp + ' (libvips ' + sharp.versions.vips + ', ' + meta.depth + ')', 'dicom-parser ' + typeof dicomParser.parseDicom];
  const model = process.argv[1];
  if (model) {
    const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
    parts.push('onnxruntime-node session on ' + require('path').basename(model) + ' (inputs ' + s.inputNames.join(',') + ')');
  } else {
    parts.push('onnxruntime-node ' + typeof ort.InferenceSession.create + ' (no model in models/)');
  }
  console.log(parts.join('; '));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function smallestOnnx(dir) {
  if (!existsSync(dir)) return undefined;
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.onnx')) files.push(p);
    }
  };
  walk(dir);
  return files.sort((a, b) => statSync(a).size - statSync(b).size)[0];
}

try {
  main();
} catch (err) {
  console.error(`[package] FAILED: ${err.message}`);
  process.exit(1);
}
