/**
 * Ground truth for a scored folder, when it has any: from the folder layout (class folders NORMAL/ and
 * PNEUMONIA/ as in the Kermany chest X-ray set, MURA's study1_positive / study1_negative) or from a labels
 * CSV the user points to. 1 = anomalous, 0 = normal, undefined = unknown. Pure: the caller reads the files.
 */
export type TruthLabel = 0 | 1;

const NORMAL_DIRS = new Set(['normal', 'normals', 'good', 'negative', 'healthy']);
const ANOMALOUS_DIRS = new Set([
  'pneumonia',
  'abnormal',
  'anomalous',
  'anomaly',
  'anomalies',
  'positive',
  'disease',
  'defect',
  'bad',
]);

/** The label a path's folders give it: the deepest folder that names a class wins. */
export function labelFromPath(relPath: string): TruthLabel | undefined {
  const parts = relPath.split('/');
  for (let i = parts.length - 2; i >= 0; i--) {
    const p = parts[i].toLowerCase();
    if (NORMAL_DIRS.has(p)) return 0;
    if (ANOMALOUS_DIRS.has(p)) return 1;
    const mura = /^study\d*_(positive|negative)$/.exec(p);
    if (mura) return mura[1] === 'positive' ? 1 : 0;
  }
  return undefined;
}

export interface LabelsCsv {
  /** By path as written in the CSV ('/' separators, no leading './'), and by file name for paths not found. */
  byPath: Map<string, TruthLabel>;
  byName: Map<string, TruthLabel>;
  /** Lines that could not be read (1-based), with why. */
  problems: { line: number; message: string }[];
}

const PATH_COLUMNS = ['path', 'file', 'filename', 'file_name', 'image', 'image_path', 'name', 'id'];
const LABEL_COLUMNS = ['label', 'class', 'target', 'truth', 'anomalous', 'abnormal', 'y'];

/** Reads a labels CSV: a header with a path column and a label column (names above), comma or semicolon. */
export function parseLabelsCsv(text: string): LabelsCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const sep = (lines[0] ?? '').includes(';') && !(lines[0] ?? '').includes(',') ? ';' : ',';
  const header = splitCsvLine(lines[0] ?? '', sep).map((h) => h.trim().toLowerCase());
  const pathCol = header.findIndex((h) => PATH_COLUMNS.includes(h));
  const labelCol = header.findIndex((h) => LABEL_COLUMNS.includes(h));
  const out: LabelsCsv = { byPath: new Map(), byName: new Map(), problems: [] };
  if (pathCol < 0 || labelCol < 0) {
    out.problems.push({
      line: 1,
      message: `The header needs a path column (${PATH_COLUMNS.join(', ')}) and a label column (${LABEL_COLUMNS.join(', ')}); found: ${header.join(', ') || 'nothing'}.`,
    });
    return out;
  }
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const cells = splitCsvLine(lines[i], sep);
    const path = (cells[pathCol] ?? '').trim().replace(/\\/g, '/').replace(/^\.\//, '');
    const label = readLabel(cells[labelCol] ?? '');
    if (!path || label === undefined) {
      out.problems.push({
        line: i + 1,
        message: `no path or no readable label (${JSON.stringify(lines[i].slice(0, 80))})`,
      });
      continue;
    }
    out.byPath.set(path, label);
    out.byName.set(path.slice(path.lastIndexOf('/') + 1), label);
  }
  return out;
}

/** A CSV's label for a row path: exact path, a CSV path that ends the row's path, or the same file name. */
export function labelFromCsv(csv: LabelsCsv, relPath: string): TruthLabel | undefined {
  const exact = csv.byPath.get(relPath);
  if (exact !== undefined) return exact;
  return csv.byName.get(relPath.slice(relPath.lastIndexOf('/') + 1));
}

function readLabel(v: string): TruthLabel | undefined {
  const s = v.trim().toLowerCase().replace(/^"|"$/g, '');
  if (['1', 'true', 'yes', 'abnormal', 'anomalous', 'anomaly', 'positive', 'pneumonia', 'disease'].includes(s))
    return 1;
  if (['0', 'false', 'no', 'normal', 'negative', 'healthy', 'good'].includes(s)) return 0;
  return undefined;
}

function splitCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
