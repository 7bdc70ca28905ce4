/**
 * Which paths of a folder a batch takes: include globs (default: every image extension), exclude
 * globs, and VS Code's `files.exclude` (an object of glob -> true, as the setting holds it; entries
 * with `when` conditions are ignored). Globs use minimatch with VS Code's conventions: matched against
 * the path relative to the workspace folder ('/' separators), dot files included, `**` for any depth.
 */
import { Minimatch } from 'minimatch';

export interface SelectOptions {
  /** Globs a file must match (any); default: IMAGE_GLOB. Extension-less files are offered when they start like DICOM. */
  include?: string[];
  /** Globs that remove files and whole folders. */
  exclude?: string[];
  /** VS Code's files.exclude as read from the configuration. */
  filesExclude?: Record<string, unknown>;
  /**
   * The scanned root relative to the folder the globs are written for ('' = the same), e.g. 'data/cxr'
   * when scanning <workspace>/data/cxr with the workspace's files.exclude.
   */
  base?: string;
}

export const IMAGE_GLOB = '**/*.{dcm,dicom,png,jpg,jpeg,tif,tiff}';

export interface PathSelector {
  /** False for a folder no file under it could be taken from (not entered). */
  enterDir(rel: string): boolean;
  includeFile(rel: string): boolean;
  /** Extension-less files are candidates for the DICOM preamble check unless excluded. */
  excludedFile(rel: string): boolean;
}

export function pathSelector(opts: SelectOptions = {}): PathSelector {
  const mm = (g: string) => new Minimatch(g, { dot: true, nocase: true });
  const include = (opts.include?.length ? opts.include : [IMAGE_GLOB]).map(mm);
  const exclude = [
    ...(opts.exclude ?? []),
    ...Object.entries(opts.filesExclude ?? {})
      .filter(([, v]) => v === true)
      .map(([k]) => k),
  ].map(mm);
  const base = (opts.base ?? '').replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  const full = (rel: string) => (base ? `${base}/${rel}` : rel);
  const excluded = (rel: string) => {
    const p = full(rel);
    return exclude.some((m) => m.match(p) || m.match(rel));
  };
  return {
    enterDir: (rel) => !excluded(rel),
    excludedFile: excluded,
    includeFile: (rel) => !excluded(rel) && include.some((m) => m.match(rel) || m.match(full(rel))),
  };
}
