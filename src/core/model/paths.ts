/**
 * A manifest may only point at a file in its own folder tree: a manifest from a shared folder must not
 * make the engine open /etc/... or ../../elsewhere. Checked on the string, before any file access,
 * with both separators treated alike so a Windows-authored manifest behaves the same everywhere.
 */

/** The normalised 'a/b.onnx' form of a safe relative path, or a reason it is not one. */
export function safeRelativePath(p: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (p.includes('\0')) return { ok: false, reason: 'contains a NUL character' };
  const slashed = p.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed))
    return { ok: false, reason: 'must be relative to the manifest, not absolute' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(slashed))
    return { ok: false, reason: 'must be a file next to the manifest, not a URL' };
  const parts: string[] = [];
  for (const seg of slashed.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0)
        return { ok: false, reason: "must stay inside the manifest's folder ('..' leads out of it)" };
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) return { ok: false, reason: 'does not name a file' };
  return { ok: true, path: parts.join('/') };
}
