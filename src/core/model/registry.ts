/**
 * Finds models in folders: every `*.model.json` directly in a folder or in one level of subfolders
 * (so `models/<name>/<name>.model.json` layouts work), validated, with its ONNX file present. A bad
 * manifest never hides the good ones: it becomes a problem line for the log. Models whose manifest
 * says "default": true come first.
 */
import { join, dirname } from 'node:path';
import { XrayError, toErrorInfo } from '../errors';
import { MANIFEST_SUFFIX, type ModelInfo } from './manifest';
import { manifestOnnxRelativePath, parseManifest } from './validate';

export interface ModelFs {
  readdir(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  exists(path: string): Promise<boolean>;
  /** Optional: lets discovery skip files without trying to list them as folders. */
  isDirectory?(path: string): Promise<boolean>;
}

export interface DiscoveryProblem {
  path: string;
  message: string;
}

/** Subfolders never worth descending into. */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

export async function discoverModels(
  dirs: { path: string; origin: ModelInfo['origin'] }[],
  fs: ModelFs,
): Promise<{ models: ModelInfo[]; problems: DiscoveryProblem[] }> {
  const models: ModelInfo[] = [];
  const problems: DiscoveryProblem[] = [];
  const byId = new Map<string, ModelInfo>();
  const seenManifests = new Set<string>();
  for (const dir of dirs) {
    let manifests: string[];
    try {
      manifests = await findManifests(dir.path, fs);
    } catch (err) {
      problems.push({ path: dir.path, message: `Model folder cannot be read: ${reason(err)}` });
      continue;
    }
    for (const manifestPath of manifests) {
      // The same folder configured twice (or bundled and configured) is not a duplicate model.
      if (seenManifests.has(manifestPath)) continue;
      seenManifests.add(manifestPath);
      const info = await loadInfo(manifestPath, dir.origin, fs).catch((err: unknown) => {
        problems.push({
          path: manifestPath,
          message: err instanceof XrayError ? err.message : `Manifest cannot be read: ${reason(err)}`,
        });
        return undefined;
      });
      if (!info) continue;
      const first = byId.get(info.id);
      if (first) {
        problems.push({
          path: manifestPath,
          message: `Duplicate model id '${info.id}': already provided by ${first.manifestPath} (${first.origin}), which is used.`,
        });
        continue;
      }
      byId.set(info.id, info);
      models.push(info);
    }
  }
  // Default models first; otherwise the folder order (stable sort).
  models.sort((a, b) => Number(b.isDefault === true) - Number(a.isDefault === true));
  return { models, problems };
}

async function findManifests(dir: string, fs: ModelFs): Promise<string[]> {
  const entries = (await fs.readdir(dir)).sort();
  const found: string[] = [];
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (name.endsWith(MANIFEST_SUFFIX)) {
      found.push(p);
      continue;
    }
    if (SKIPPED_DIRS.has(name) || !(await isDirectory(p, fs))) continue;
    let inner: string[];
    try {
      inner = (await fs.readdir(p)).sort();
    } catch {
      continue;
    }
    for (const sub of inner) if (sub.endsWith(MANIFEST_SUFFIX) && !sub.startsWith('.')) found.push(join(p, sub));
  }
  return found;
}

async function isDirectory(p: string, fs: ModelFs): Promise<boolean> {
  if (fs.isDirectory) return fs.isDirectory(p).catch(() => false);
  // Without a stat, listing tells: it fails for files. Image files are the common case in a data
  // folder, so skip obvious files by extension before trying.
  if (/\.(onnx|json|md|txt|png|jpe?g|tiff?|dcm|dicom|bin|data|zip|gz)$/i.test(p)) return false;
  return fs.readdir(p).then(
    () => true,
    () => false,
  );
}

async function loadInfo(manifestPath: string, origin: ModelInfo['origin'], fs: ModelFs): Promise<ModelInfo> {
  const bytes = await fs.readFile(manifestPath);
  const text = new TextDecoder('utf-8').decode(bytes);
  const manifest = parseManifest(text, manifestPath);
  const onnxPath = join(dirname(manifestPath), ...manifestOnnxRelativePath(manifest).split('/'));
  if (!(await fs.exists(onnxPath))) {
    throw new XrayError(
      'MODEL_NOT_FOUND',
      `The ONNX file '${manifest.onnx}' named by this manifest does not exist (looked for ${onnxPath}).`,
    );
  }
  return {
    id: manifest.id,
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    manifestPath,
    onnxPath,
    origin,
    ...(manifest.default === true ? { isDefault: true } : {}),
  };
}

function reason(err: unknown): string {
  const code = (err as { code?: string })?.code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'ENOTDIR') return 'it is not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return toErrorInfo(err).message;
}
